# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may call a public method of the hub: checked by the method itself.

A view button's ``groups`` only hides the button; every public method of a model
(no leading underscore, not ``@api.private``) can be called over JSON-RPC by any
user who can reach the model. So each public method of the hub names the group
it is for with :func:`requires_group`:

- Integration Managers configure: activate and pause endpoints, send test
  events, generate and rotate secrets, reset circuits, test connections and
  start full or delta syncs;
- Integration Users operate on records they can read: retry, cancel, replay,
  reprocess, resync, resolve conflicts, open related records;
- other users may call none of them.

The check runs before the method body, hence before any ``sudo()`` in it, and
includes read access to the records (record rules: a user acts only on records
of the companies they can see). Code already in superuser mode is trusted.

Methods that business code of any user calls, but that must never be called
remotely (``integration.event.emit``), are ``@api.private`` instead.
"""

import functools

from odoo.exceptions import AccessError

USER = "integration_hub.group_integration_user"
MANAGER = "integration_hub.group_integration_manager"


def check_group(records, group):
    """Raise ``AccessError`` unless the user of ``records`` is in ``group`` (an
    XML id) and may read ``records``; nothing is checked in superuser mode."""
    env = records.env
    if env.su:
        return
    if not env.user.has_group(group):
        raise AccessError(
            env._(
                "Only members of %(group)s may do this (%(model)s).",
                group=env.ref(group).sudo().full_name,
                model=records._description,
            )
        )
    records.check_access("read")


def requires_group(group):
    """Decorate a public model method so that only members of ``group`` (an XML
    id, :data:`USER` or :data:`MANAGER`) who may read the records call it::

        @requires_group(MANAGER)
        def action_rotate_secret(self):
            ...
    """

    def decorate(method):
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            check_group(self, group)
            return method(self, *args, **kwargs)

        return checked

    return decorate
