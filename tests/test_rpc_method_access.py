# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every public method of the hub, called over JSON-RPC by each kind of user.

A view button's ``groups`` is not a check: anything public on a model can be
called through ``/web/dataset/call_kw``. ``RULES`` says, per method, who may
call it; the test finds every RPC-callable method the addon defines by walking
the registry, fails on any method missing from ``RULES``, and calls each one as
an internal user without integration groups, an Integration User and an
Integration Manager, over real HTTP.
"""

import datetime
import inspect
import json
import socket

from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase
from odoo.tests import new_test_user
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

ADDON = "odoo.addons.integration_hub."

USER = "Integration User"
MANAGER = "Integration Manager"
# The ORM refuses everyone: an abstract model has no records and no access rights.
NOBODY = "nobody"
# ``@api.private``: callable from Python by business code, never over RPC.
PRIVATE = "private"

# Who may call each public method of the hub. Users of a group may also call
# what the groups below it may; an internal user without integration groups
# may call none of them. CRUD methods the hub overrides follow the access
# rights of security/ir.model.access.csv.
RULES = {
    # Configuration, secrets, traffic and syncs: managers.
    ("integration.backend", "action_test_connection"): MANAGER,
    ("integration.backend", "action_full_sync"): MANAGER,
    ("integration.backend", "action_sync_changes"): MANAGER,
    ("integration.backend", "action_reset_circuit"): MANAGER,
    ("integration.backend", "create"): MANAGER,
    ("integration.circuit", "action_reset"): MANAGER,
    ("integration.endpoint", "action_activate"): MANAGER,
    ("integration.endpoint", "action_generate_secret"): MANAGER,
    ("integration.endpoint", "action_rotate_secret"): MANAGER,
    ("integration.endpoint", "action_pause"): MANAGER,
    ("integration.endpoint", "action_reset_circuit"): MANAGER,
    ("integration.endpoint", "action_send_test_event"): MANAGER,
    ("integration.endpoint", "create"): MANAGER,
    ("integration.endpoint", "write"): MANAGER,
    ("integration.endpoint", "unlink"): MANAGER,
    ("integration.endpoint.rotate.secret", "action_rotate"): MANAGER,
    ("integration.event.type", "create"): MANAGER,
    ("integration.event.type", "write"): MANAGER,
    ("integration.event.type", "unlink"): MANAGER,
    ("integration.inbound.source", "action_generate_secret"): MANAGER,
    ("integration.inbound.source", "action_rotate_secret"): MANAGER,
    ("integration.inbound.source", "create"): MANAGER,
    ("integration.inbound.source", "write"): MANAGER,
    ("integration.inbound.source", "unlink"): MANAGER,
    # Re-targeting a delivery (its event or endpoint).
    ("integration.delivery", "write"): MANAGER,
    # Operating on records the user can read: users.
    ("integration.binding", "action_open_record"): USER,
    ("integration.binding", "action_resync"): USER,
    ("integration.booking", "action_resync"): USER,
    ("integration.booking", "create"): USER,
    ("integration.booking", "write"): USER,
    ("integration.conflict", "action_keep_local"): USER,
    ("integration.conflict", "action_merge"): USER,
    ("integration.conflict", "action_use_remote"): USER,
    ("integration.delivery", "action_cancel"): USER,
    ("integration.delivery", "action_replay"): USER,
    ("integration.delivery", "action_retry"): USER,
    ("integration.endpoint", "action_retry_failed"): USER,
    ("integration.endpoint", "action_view_deliveries"): USER,
    ("integration.dashboard.figure", "action_open"): USER,
    ("integration.endpoint.health", "action_open_endpoint"): USER,
    ("integration.event", "action_view_deliveries"): USER,
    ("integration.inbound.message", "action_reprocess"): USER,
    ("integration.inbound.source", "action_view_messages"): USER,
    ("integration.sync.run", "action_retry_failed"): USER,
    ("integration.sync.run", "action_view_jobs"): USER,
    ("res.partner", "action_resync"): USER,
    ("res.partner", "action_view_bookings"): USER,
    # Contacts: Integration Users are contact creators (base.group_partner_manager).
    ("res.partner", "create"): USER,
    ("res.partner", "write"): USER,
    ("integration.cached.mixin", "create"): NOBODY,
    ("integration.cached.mixin", "write"): NOBODY,
    ("integration.cached.mixin", "unlink"): NOBODY,
    ("integration.circuit.mixin", "create"): NOBODY,
    ("integration.circuit.mixin", "action_reset_circuit"): NOBODY,
    ("integration.resource.mixin", "create"): NOBODY,
    ("integration.resource.mixin", "write"): NOBODY,
    ("integration.secret.mixin", "action_generate_secret"): NOBODY,
    ("integration.secret.mixin", "action_rotate_secret"): NOBODY,
    ("integration.event", "emit"): PRIVATE,
    ("integration.inbound.message", "payload"): PRIVATE,
}

# Who each kind of caller is, and which rules let them through.
ALLOWED = {
    "employee": (),
    "user": (USER,),
    "manager": (USER, MANAGER),
}


def rpc_methods(env):
    """The (model, method) pairs callable over RPC that the hub's own classes
    define, on every model the hub defines or extends (inherited ones included).

    A model of another addon that inherits a hub mixin (the rooms of the test
    addon) is that addon's: its access rules are its own."""
    found = set()
    hub_models = set(
        env["ir.model"]
        .sudo()
        .search([])
        .filtered(lambda m: "integration_hub" in (m.modules or "").split(", "))
        .mapped("model")
    )
    for model_name in env.registry:
        if model_name not in hub_models:
            continue
        model = env[model_name]
        for cls in type(model).mro():
            if not cls.__module__.startswith(ADDON):
                continue
            for name, value in vars(cls).items():
                if name.startswith("_"):
                    continue
                if not (
                    inspect.isfunction(value)
                    or isinstance(value, (staticmethod, classmethod))
                ):
                    continue
                try:
                    get_public_method(model, name)
                except (AccessError, AttributeError):
                    # @api.private, or not callable: not reachable over RPC.
                    continue
                found.add((model_name, name))
    return found


def dead_port(host):
    """A port on ``host`` where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestRpcMethodAccess(HttpCase):
    """Real records, endpoints and backends aimed at a dead port of 127.0.0.2
    (allow-listed), and three users who call every public method over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        params = env["ir.config_parameter"].sudo()
        params.set_param("integration_hub.allowed_networks", "127.0.0.2")
        params.set_param("integration_hub.allow_http", "True")
        cls.dead_url = f"http://127.0.0.2:{dead_port('127.0.0.2')}"
        cls.users = {
            "employee": new_test_user(
                env, login="ih_rpc_employee", groups="base.group_user"
            ),
            "user": new_test_user(
                env,
                login="ih_rpc_user",
                groups="integration_hub.group_integration_user",
            ),
            "manager": new_test_user(
                env,
                login="ih_rpc_manager",
                groups="integration_hub.group_integration_manager",
            ),
        }
        cls._records()

    @classmethod
    def _records(cls):
        env = cls.env
        EventType = env["integration.event.type"]
        cls.event_type = EventType._by_code("booking.created")
        cls.spare_types = EventType.create(
            [{"code": "rpc.write"}, {"code": "rpc.unlink"}]
        )
        Endpoint = env["integration.endpoint"]
        cls.endpoint, cls.other_endpoint, cls.spare_endpoint = Endpoint.create(
            [
                {
                    "name": name,
                    "url": f"{cls.dead_url}/{name}",
                    "event_type_ids": [(6, 0, cls.event_type.ids)],
                }
                for name in ("rpc-hook", "rpc-other", "rpc-spare")
            ]
        )
        cls.guest = env["res.partner"].create({"name": "RPC Guest", "is_guest": True})
        # Emitted by the booking for the three endpoints above.
        cls.booking = env["integration.booking"].create(
            {
                "guest_id": cls.guest.id,
                "check_in": datetime.date(2026, 5, 1),
                "check_out": datetime.date(2026, 5, 3),
            }
        )
        cls.event = env["integration.event"].search(
            [("res_model", "=", "integration.booking"), ("res_id", "=", cls.booking.id)]
        )
        cls.delivery = cls.event.delivery_ids.filtered(
            lambda d: d.endpoint_id == cls.endpoint
        )
        Source = env["integration.inbound.source"]
        cls.source, cls.spare_source = Source.create(
            [
                {"name": "RPC source", "slug": "rpc-source"},
                {"name": "RPC spare", "slug": "rpc-spare"},
            ]
        )
        cls.message = env["integration.inbound.message"].create(
            {"source_id": cls.source.id, "body": "{}", "state": "failed"}
        )
        cls.backend = env["integration.backend"].create(
            {"name": "RPC backend", "base_url": cls.dead_url, "timeout": 2}
        )
        cls.sync_run = env["integration.sync.run"].create(
            {"backend_id": cls.backend.id, "kind": "full", "state": "done"}
        )
        Binding = env["integration.binding"]
        cls.binding = Binding.create(
            {
                "backend_id": cls.backend.id,
                "model": "res.partner",
                "res_id": cls.guest.id,
                "external_id": "G1",
                "state": "error",
                "run_id": cls.sync_run.id,
            }
        )
        Binding.create(
            {
                "backend_id": cls.backend.id,
                "model": "integration.booking",
                "res_id": cls.booking.id,
                "external_id": "B1",
            }
        )
        local = cls.guest._sync_values()
        Conflict = env["integration.conflict"]
        cls.conflicts = {
            method: Conflict.create(
                {
                    "binding_id": cls.binding.id,
                    "local_values": json.dumps(local),
                    "remote_values": json.dumps(dict(local, city="Gent")),
                    "differing_fields": "city",
                }
            )
            for method in ("action_use_remote", "action_keep_local", "action_merge")
        }
        cls.wizard = (
            env["integration.endpoint.rotate.secret"]
            .with_user(cls.users["manager"])
            .create({"endpoint_id": cls.endpoint.id})
        )

    def _args(self, model, method):
        """The positional arguments of a call: the records and values it acts on."""
        if model in ("integration.cached.mixin", "integration.resource.mixin"):
            return {
                "create": [[{"name": "x"}]],
                "write": [[1], {"name": "x"}],
                "unlink": [[1]],
            }[method]
        if model == "integration.secret.mixin":
            return [[1]]
        if model == "integration.circuit.mixin":
            return {"create": [[{"name": "x"}]], "action_reset_circuit": [[1]]}[method]
        special = {
            ("integration.endpoint", "create"): [
                [{"name": "rpc-new", "url": f"{self.dead_url}/new"}]
            ],
            ("integration.endpoint", "write"): [
                [self.endpoint.id],
                {"name": "rpc-hook renamed"},
            ],
            ("integration.endpoint", "unlink"): [[self.spare_endpoint.id]],
            ("integration.backend", "create"): [
                [{"name": "RPC new backend", "base_url": self.dead_url}]
            ],
            ("integration.event.type", "create"): [[{"code": "rpc.created"}]],
            ("integration.event.type", "write"): [
                [self.spare_types[0].id],
                {"description": "renamed"},
            ],
            ("integration.event.type", "unlink"): [[self.spare_types[1].id]],
            ("integration.inbound.source", "create"): [
                [{"name": "RPC new", "slug": "rpc-new"}]
            ],
            ("integration.inbound.source", "write"): [
                [self.source.id],
                {"rate_limit": 5},
            ],
            ("integration.inbound.source", "unlink"): [[self.spare_source.id]],
            ("integration.delivery", "write"): [
                [self.delivery.id],
                {"endpoint_id": self.other_endpoint.id},
            ],
            ("integration.booking", "create"): [
                [
                    {
                        "guest_id": self.guest.id,
                        "check_in": "2026-06-01",
                        "check_out": "2026-06-02",
                    }
                ]
            ],
            ("integration.booking", "write"): [[self.booking.id], {"room": "12"}],
            ("res.partner", "create"): [[{"name": "RPC new guest", "is_guest": True}]],
            ("res.partner", "write"): [[self.guest.id], {"city": "Brugge"}],
            ("integration.event", "emit"): ["booking.created", {"forged": True}],
            ("integration.inbound.message", "payload"): [[self.message.id]],
        }
        if (model, method) in special:
            return special[(model, method)]
        record = {
            "integration.backend": self.backend,
            "integration.binding": self.binding,
            "integration.booking": self.booking,
            "integration.circuit": self.endpoint.circuit_id,
            "integration.conflict": self.conflicts.get(method),
            "integration.dashboard.figure": self.env.ref(
                "integration_hub.dashboard_figure_failed_deliveries"
            ),
            "integration.delivery": self.delivery,
            "integration.endpoint": self.endpoint,
            "integration.endpoint.health": self.endpoint,  # a view: id = endpoint's
            "integration.endpoint.rotate.secret": self.wizard,
            "integration.event": self.event,
            "integration.inbound.message": self.message,
            "integration.inbound.source": self.source,
            "integration.sync.run": self.sync_run,
            "res.partner": self.guest,
        }[model]
        return [record.ids]

    def _call(self, who, model, method, args):
        """Call ``model.method(*args)`` over JSON-RPC as ``who``; return the name
        of the exception it raised, or None."""
        user = self.users[who]
        if getattr(self, "_caller", None) != who:
            self.authenticate(user.login, user.login)
            self._caller = who
        try:
            self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {"model": model, "method": method, "args": args, "kwargs": {}},
            )
        except JsonRpcException as error:
            return str(error)
        return None

    def test_every_public_method_is_in_the_rules(self):
        callable_methods = rpc_methods(self.env)
        ruled = {key for key, rule in RULES.items() if rule != PRIVATE}
        self.assertFalse(
            callable_methods - ruled,
            "Public methods without an access rule: give each one a check "
            "(models/access.py) and a line in RULES.",
        )
        self.assertFalse(ruled - callable_methods, "Rules of methods that are gone.")
        for model, method in (k for k, rule in RULES.items() if rule == PRIVATE):
            with self.subTest(model=model, method=method):
                self.assertTrue(hasattr(self.env[model], method))
                self.assertNotIn((model, method), callable_methods)

    def test_each_caller_gets_what_the_rules_say(self):
        secret = self.source.secret
        # Refusals first: a refused call changes nothing the next one relies on.
        for who in ("employee", "user", "manager"):
            for (model, method), rule in sorted(RULES.items()):
                allowed = rule in ALLOWED[who]
                with self.subTest(who=who, model=model, method=method, rule=rule):
                    error = self._call(who, model, method, self._args(model, method))
                    if allowed:
                        # A business refusal (already resolved, connection
                        # failed) is fine; a missing right is not.
                        self.assertIn(
                            error,
                            (None, "odoo.exceptions.UserError"),
                            f"{who} may call {model}.{method}",
                        )
                    else:
                        self.assertEqual(
                            error,
                            "odoo.exceptions.AccessError",
                            f"{who} may not call {model}.{method}",
                        )
            if who != "manager":
                # The attack of issue 14: a plain user rotating a source's secret.
                self.source.invalidate_recordset()
                self.assertEqual(self.source.secret, secret)
        self.source.invalidate_recordset()
        self.assertNotEqual(self.source.secret, secret)

    def test_users_retry_and_replay_but_never_make_or_retarget_deliveries(self):
        delivery = self.delivery
        self.assertEqual(
            self._call(
                "user",
                "integration.delivery",
                "create",
                [[{"event_id": self.event.id, "endpoint_id": self.other_endpoint.id}]],
            ),
            "odoo.exceptions.AccessError",
        )
        for values in (
            {"endpoint_id": self.other_endpoint.id},
            {"event_id": self.event.id},
            {"state": "delivered"},
        ):
            with self.subTest(values=values):
                self.assertEqual(
                    self._call(
                        "user", "integration.delivery", "write", [delivery.ids, values]
                    ),
                    "odoo.exceptions.AccessError",
                )
        self.assertEqual(delivery.endpoint_id, self.endpoint)
        self.assertEqual(delivery.state, "pending")
        before = self.event.delivery_ids
        for method in ("action_cancel", "action_retry", "action_replay"):
            with self.subTest(method=method):
                self.assertIsNone(
                    self._call("user", "integration.delivery", method, [delivery.ids])
                )
        self.event.invalidate_recordset()
        replay = self.event.delivery_ids - before
        self.assertEqual(
            (replay.endpoint_id, replay.state, replay.create_uid),
            (self.endpoint, "pending", self.users["user"]),
        )
        self.assertEqual(delivery.state, "pending")  # cancelled, then retried

    def test_users_act_only_on_records_they_can_read(self):
        company_b = self.env["res.company"].create({"name": "RPC Company B"})
        backend_b = self.env["integration.backend"].create(
            {"name": "B backend", "base_url": self.dead_url, "company_id": company_b.id}
        )
        booking_b = self.env["integration.booking"].create(
            {
                "guest_id": self.guest.id,
                "check_in": datetime.date(2026, 7, 1),
                "check_out": datetime.date(2026, 7, 2),
                "company_id": company_b.id,
            }
        )
        binding_b = self.env["integration.binding"].create(
            {
                "backend_id": backend_b.id,
                "model": "integration.booking",
                "res_id": booking_b.id,
                "external_id": "B-other",
            }
        )
        runs_before = self.env["integration.sync.run"].search_count([])
        for model, record in (
            ("integration.booking", booking_b),
            ("integration.binding", binding_b),
        ):
            with self.subTest(model=model):
                self.assertEqual(
                    self._call("user", model, "action_resync", [record.ids]),
                    "odoo.exceptions.AccessError",
                )
        self.assertEqual(self.env["integration.sync.run"].search_count([]), runs_before)
        # A manager of the first company neither tests nor resets another's.
        for method in ("action_test_connection", "action_reset_circuit"):
            with self.subTest(method=method):
                self.assertEqual(
                    self._call(
                        "manager", "integration.backend", method, [backend_b.ids]
                    ),
                    "odoo.exceptions.AccessError",
                )
        # The same user resyncs what is theirs.
        self.assertIsNone(
            self._call(
                "user", "integration.booking", "action_resync", [self.booking.ids]
            )
        )
        self.assertEqual(
            self.env["integration.sync.run"].search_count([]), runs_before + 1
        )
