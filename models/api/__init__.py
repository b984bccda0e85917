from . import fastapi_endpoint
from . import integration_api
from . import integration_api_log
