from . import integration_api_traffic
from . import integration_endpoint_health
from . import integration_metrics
from . import integration_metrics_api
from . import integration_metrics_inbound
from . import integration_metrics_sync
from . import integration_metrics_total
