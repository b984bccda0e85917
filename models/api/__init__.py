from . import integration_api
from . import integration_api_log
