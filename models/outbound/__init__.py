from . import integration_circuit
from . import integration_circuit_event
from . import integration_delivery
from . import integration_delivery_attempt
from . import integration_endpoint
from . import integration_event
from . import integration_event_type
from . import integration_outbound_guard
