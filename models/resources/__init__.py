from . import integration_booking
from . import integration_resource_mixin
from . import res_partner
