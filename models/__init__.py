from . import integration_event_type
from . import integration_idempotency_key
from . import integration_rate_limit
