# The roles before the model that inherits them: Odoo builds the models of a
# module in the order their classes are defined.
# isort: skip_file
from . import fastapi_endpoint
from . import integration_api_auth
from . import integration_api_read
from . import integration_api_write
from . import integration_api
from . import integration_api_log
from . import ir_http
