from . import importer
from . import integration_backend
from . import integration_backend_call
from . import integration_backend_circuit
from . import integration_backend_client

# After the client: it counts the calls of its _remote.
from . import integration_backend_metrics
from . import integration_binding
from . import integration_conflict
from . import integration_inbound_message
from . import integration_resource_mixin
from . import integration_sync_run
from . import realtime
