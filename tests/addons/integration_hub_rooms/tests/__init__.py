from . import test_rooms_api
from . import test_rooms_events
from . import test_rooms_sync
