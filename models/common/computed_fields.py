# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Computed fields that several models declare alike: the figures of the last
24 hours on the forms of backends and inbound sources, and the redacted form of
a URL that may carry a credential (endpoints, backends)."""

from datetime import timedelta

from odoo import fields

# The figures on the forms cover this window.
WINDOW = timedelta(hours=24)


def figure(label, kind=fields.Integer, **options):
    """A field of ``kind`` holding a figure of the last 24 hours, computed when
    read by the model's ``_compute_metrics_24h``: nothing is stored."""
    return kind(label, compute="_compute_metrics_24h", **options)


def window_start():
    """When the window of the figures begins: 24 hours ago."""
    return fields.Datetime.now() - WINDOW


def redacted_url(label, compute, **options):
    """The stored redacted form of a URL field (see tools/redaction.py), for
    the users who may not read the URL itself, computed by ``compute``."""
    # Computed with the INSERT: a first computation at commit would be tracked
    # as a change from nothing.
    return fields.Char(label, compute=compute, store=True, precompute=True, **options)
