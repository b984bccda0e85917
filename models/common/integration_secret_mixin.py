# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api
from odoo import fields
from odoo import models

from ...tools import signatures
from .access import MANAGER
from .access import requires_group

MANAGERS_ONLY = "integration_hub.group_integration_manager"
# How long the previous secret stays valid after "Rotate Secret".
ROTATION_GRACE = timedelta(days=1)


class IntegrationSecretMixin(models.AbstractModel):
    """A record that signs or verifies webhooks with a secret: the secret, the
    previous one kept during a rotation, and the signature schemes they serve.

    Endpoints sign outbound deliveries, inbound sources verify incoming ones;
    both rotate their secret the same way: a new secret from now on, the
    previous one still valid until ``previous_secret_expires_at``.

    :meth:`_signature_schemes` is where the schemes of a database are
    registered: an addon adds one with a
    :class:`~..tools.signature_scheme.SignatureScheme` subclass and an override
    of this method calling ``super()``; the selection lists of both models come
    from it.
    """

    _name = "integration.secret.mixin"
    _description = "Integration Signing Secret"

    # Secrets: managers only, and never copied with a duplicated record.
    secret = fields.Char(groups=MANAGERS_ONLY, copy=False)
    previous_secret = fields.Char(groups=MANAGERS_ONLY, copy=False)
    previous_secret_expires_at = fields.Datetime(copy=False)

    @api.model
    def _signature_schemes(self):
        """The signature schemes of this database, by code, in the order the
        selection lists show them. Extend with ``super()`` to add one."""
        return {scheme.code: scheme for scheme in signatures.BUILTIN_SCHEMES}

    @api.model
    def _selection_signature_schemes(self):
        """Every scheme: the selection of inbound sources."""
        return [
            (code, scheme.label) for code, scheme in self._signature_schemes().items()
        ]

    @api.model
    def _selection_outbound_schemes(self):
        """The schemes that can sign: the selection of endpoints."""
        return [
            (code, scheme.label)
            for code, scheme in self._signature_schemes().items()
            if scheme.outbound
        ]

    @api.model
    def _signature_scheme(self, code):
        """The :class:`~..tools.signature_scheme.SignatureScheme` of ``code``
        (``ValueError`` when this database has none)."""
        scheme = self._signature_schemes().get(code)
        if scheme is None:
            raise ValueError(f"unsupported signature scheme {code!r}")
        return scheme

    def _current_secrets(self, now):
        """The secrets valid at ``now``: the current one, then the previous one
        while its rotation overlap lasts."""
        self.ensure_one()
        record = self.sudo()
        return signatures.current_secrets(
            record.secret,
            record.previous_secret,
            record.previous_secret_expires_at,
            now,
        )

    def _rotate_secret(self, expires_at):
        """A new secret from now on; the current one stays valid until
        ``expires_at``."""
        for record in self.sudo():
            record.write(
                {
                    "previous_secret": record.secret,
                    "previous_secret_expires_at": expires_at,
                    "secret": signatures.generate_secret(),
                }
            )
        return True

    @requires_group(MANAGER)
    def action_rotate_secret(self):
        """Start a rotation: a new secret, the old one accepted for one more day."""
        self._rotate_secret(fields.Datetime.now() + ROTATION_GRACE)
        return True

    @requires_group(MANAGER)
    def action_generate_secret(self):
        """Replace the secret with a fresh random one (the old one stops working)."""
        for record in self.sudo():
            record.secret = signatures.generate_secret()
        return True
