# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Integration Hub",
    "summary": "Signed, retried webhooks in and out, booking and guest sync, "
    "a REST API and metrics",
    "version": "18.0.1.0.0",
    "category": "Extra Tools",
    "website": "https://github.com/integration-hub/integration_hub",
    "author": "Integration Hub contributors",
    "maintainers": ["integration-hub"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": True,
    "installable": True,
    "depends": ["base", "mail", "queue_job"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/integration_event_type_data.xml",
        "views/integration_event_type_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
}
