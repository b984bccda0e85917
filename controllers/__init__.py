from . import common
from . import inbound
from . import metrics
