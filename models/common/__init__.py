from . import access
from . import integration_cached_mixin
from . import integration_idempotency_key
from . import integration_latency_mixin
from . import integration_rate_limit
from . import integration_resource_mixin
from . import integration_secret_mixin
from . import res_config_settings
