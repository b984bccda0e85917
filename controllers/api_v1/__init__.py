# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The REST API v1 as an OCA ``fastapi`` app: one small module per role.

``dispatcher`` hands requests to the app without reading their body,
``dependencies`` authenticates, limits and reads the body, ``schemas`` holds the
pydantic documents of the envelope, ``error_handlers`` answers every failure in
the error envelope, ``parameters`` declares what each operation takes and makes
its handler, ``routers`` builds the routes of each declared collection and
``docs`` serves the OpenAPI document and the human page.
"""

from . import dispatcher
