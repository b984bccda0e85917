# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Integration Hub benchmark: bare endpoint",
    "summary": "An auth='none' route that only answers 200, the ceiling for "
    "bench/inbound.py; not part of the module",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "Integration Hub contributors",
    "license": "LGPL-3",
    "depends": ["web"],
    "installable": True,
}
