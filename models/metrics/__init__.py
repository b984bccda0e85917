from . import integration_attempt_hourly
from . import integration_dashboard_figure
from . import integration_endpoint_health
from . import integration_metrics
from . import integration_metrics_total
