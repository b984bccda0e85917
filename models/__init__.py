from . import integration_event_type
