# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A record changed on both sides since the last sync is a conflict, settled by
the backend's strategy; manual conflicts wait for an operator's button."""

from odoo.tests import tagged

from .sync_common import SyncCase


@tagged("post_install", "-at_install")
class TestSyncConflicts(SyncCase):
    def setUp(self):
        super().setUp()
        self.full_sync()
        self.booking = self.bound("integration.booking", "B3")
        self.binding = self.binding("integration.booking", "B3")
        # Odoo changes the room and the notes; the remote changes the room and
        # clears nothing.
        self.booking.write({"room": "L1", "notes": "Local note"})
        self.remote.touch("booking", ["B3"], {"room": "R1", "notes": ""})

    def sync_with(self, strategy, direction="pull"):
        self.backend.write({"conflict_strategy": strategy, "direction": direction})
        return self.delta_sync()

    def test_source_wins(self):
        run = self.sync_with("source_wins")
        self.assertEqual(run.conflict_count, 1)
        self.assertEqual((self.booking.room, self.booking.notes), ("R1", False))
        self.assertEqual(self.binding.state, "synced")

    def test_target_wins_keeps_odoo_and_pushes_on_two_way(self):
        self.sync_with("target_wins", direction="two_way")
        self.assertEqual((self.booking.room, self.booking.notes), ("L1", "Local note"))
        remote = self.remote.resource("booking", "B3")["attributes"]
        self.assertEqual((remote["room"], remote["notes"]), ("L1", "Local note"))
        self.assertEqual(self.binding.remote_updated_at, remote["updated_at"])
        # Settled: the next delta sees nothing new on either side.
        run = self.delta_sync()
        self.assertEqual((run.updated_count, run.conflict_count), (0, 0))

    def test_latest_wins(self):
        run = self.sync_with("latest_wins")
        # The remote was touched after the test transaction's write date.
        self.assertEqual(run.conflict_count, 1)
        self.assertEqual(self.booking.room, "R1")

    def test_latest_wins_local_newer(self):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_booking SET write_date = now() + interval '1 day'"
            " WHERE id = %s",
            [self.booking.id],
        )
        self.booking.invalidate_recordset()
        self.sync_with("latest_wins")
        self.assertEqual(self.booking.room, "L1")

    def test_merge_keeps_local_where_remote_is_empty(self):
        self.sync_with("merge")
        self.assertEqual((self.booking.room, self.booking.notes), ("R1", "Local note"))

    def test_manual_waits_for_use_remote(self):
        run = self.sync_with("manual")
        self.assertEqual(run.conflict_count, 1)
        self.assertEqual(self.binding.state, "conflict")
        conflict = self.env["integration.conflict"].search(
            [("binding_id", "=", self.binding.id)]
        )
        self.assertEqual(conflict.state, "open")
        self.assertEqual(conflict.differing_fields, "notes, room")
        self.assertIn('"room": "L1"', conflict.local_values)
        self.assertIn('"room": "R1"', conflict.remote_values)
        self.assertEqual(self.booking.room, "L1")
        # While it waits, a later sync leaves the record alone.
        self.remote.touch("booking", ["B3"], {"room": "R2"})
        self.delta_sync()
        self.assertEqual(self.booking.room, "L1")
        self.assertIn('"room": "R2"', conflict.remote_values)
        conflict.action_use_remote()
        self.assertEqual((conflict.state, conflict.resolution), ("resolved", "remote"))
        self.assertEqual((self.booking.room, self.booking.notes), ("R2", False))
        self.assertEqual(self.binding.state, "synced")
        run = self.delta_sync()
        self.assertEqual((run.updated_count, run.conflict_count), (0, 0))

    def test_manual_keep_local_and_merge(self):
        self.sync_with("manual", direction="two_way")
        conflict = self.env["integration.conflict"].search(
            [("binding_id", "=", self.binding.id)]
        )
        conflict.action_keep_local()
        self.assertEqual(self.booking.room, "L1")
        self.assertEqual(
            self.remote.resource("booking", "B3")["attributes"]["room"], "L1"
        )
        # A second conflict on another booking, merged this time. On a two-way
        # backend a local edit is pushed at once: the push meets the remote
        # change and follows the strategy.
        other = self.bound("integration.booking", "B4")
        self.remote.touch("booking", ["B4"], {"room": "R4", "notes": ""})
        other.write({"room": "L4", "notes": "Keep me"})
        conflict = self.env["integration.conflict"].search(
            [("external_id", "=", "B4"), ("state", "=", "open")]
        )
        conflict.action_merge()
        self.assertEqual((other.room, other.notes), ("R4", "Keep me"))
        remote = self.remote.resource("booking", "B4")["attributes"]
        self.assertEqual((remote["room"], remote["notes"]), ("R4", "Keep me"))

    def test_only_local_change_is_not_a_conflict(self):
        self.remote.reset()
        self.backend.delta_cursor = False
        self.booking.room = "L9"
        run = self.sync_with("manual")
        self.assertEqual(run.conflict_count, 0)
        self.assertFalse(self.env["integration.conflict"].search_count([]))
