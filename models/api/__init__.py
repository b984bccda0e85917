from . import fastapi_endpoint
from . import integration_api
from . import integration_api_auth
from . import integration_api_log
from . import integration_api_read
from . import integration_api_write
