from . import api
from . import common
from . import inbound
from . import metrics
from . import outbound
from . import resources
from . import sync
