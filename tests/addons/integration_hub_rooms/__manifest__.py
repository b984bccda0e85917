# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Integration Hub Rooms",
    "summary": "Rooms synced, served and announced by declaring themselves "
    "(test addon of Integration Hub)",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/integration-hub/integration_hub",
    "author": "Integration Hub contributors",
    "maintainers": ["integration-hub"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["integration_hub"],
    "data": [
        "security/ir.model.access.csv",
        "data/integration_event_type_data.xml",
    ],
}
