from . import integration_room
