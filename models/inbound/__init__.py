from . import integration_inbound_action
from . import integration_inbound_audit
from . import integration_inbound_message
from . import integration_inbound_source
from . import integration_inbound_source_metrics
from . import ir_actions_server
