from . import integration_endpoint_health
from . import integration_metrics
from . import integration_metrics_total
