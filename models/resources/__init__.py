from . import integration_booking
from . import res_partner
