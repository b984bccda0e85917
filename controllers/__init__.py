from . import api_v1
from . import common
from . import inbound
from . import metrics
