# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Conflicts are detected from canonical values and resolved by each strategy the
backend offers; manual leaves the decision to an operator."""

import hashlib
from datetime import date
from datetime import datetime

from odoo.tests.common import BaseCase

from ..tools import merge
from ..tools.merge import LATEST_WINS
from ..tools.merge import MANUAL
from ..tools.merge import MERGE
from ..tools.merge import SOURCE_WINS
from ..tools.merge import TARGET_WINS

LOCAL = {"name": "Ada Lovelace", "phone": "+44 20 0000", "email": "", "vip": True}
REMOTE = {"name": "Ada King", "phone": None, "email": "ada@example.com", "vip": False}
EARLY = datetime(2025, 1, 1, 9, 0)
LATE = datetime(2025, 1, 1, 10, 0)


class TestChangedFields(BaseCase):
    def test_differing_keys_sorted(self):
        self.assertEqual(
            merge.changed_fields(LOCAL, REMOTE), ["email", "name", "phone", "vip"]
        )
        self.assertEqual(merge.changed_fields(LOCAL, dict(LOCAL)), [])

    def test_missing_key_equals_none(self):
        self.assertEqual(merge.changed_fields({"a": 1, "b": None}, {"a": 1}), [])
        self.assertEqual(merge.changed_fields({"a": 1}, {"a": 1, "b": 2}), ["b"])

    def test_dates_compare_with_their_iso_text(self):
        self.assertEqual(
            merge.changed_fields({"d": date(2025, 3, 1)}, {"d": "2025-03-01"}), []
        )

    def test_false_and_zero_are_not_none(self):
        self.assertEqual(
            merge.changed_fields({"a": False, "b": 0}, {"a": None, "b": None}),
            ["a", "b"],
        )


class TestMergeValues(BaseCase):
    def test_non_empty_source_values_win(self):
        self.assertEqual(
            merge.merge_values(REMOTE, LOCAL),
            {
                "name": "Ada King",
                "phone": "+44 20 0000",
                "email": "ada@example.com",
                "vip": False,
            },
        )

    def test_empty_values_keep_target_and_inputs_are_untouched(self):
        source = {"a": "", "b": [], "c": {}, "d": None, "e": 0, "f": "new"}
        target = {"a": "x", "b": [1], "c": {"k": 1}, "d": "y", "e": 5}
        self.assertEqual(
            merge.merge_values(source, target),
            {"a": "x", "b": [1], "c": {"k": 1}, "d": "y", "e": 0, "f": "new"},
        )
        self.assertEqual(target["e"], 5)


class TestValuesHash(BaseCase):
    def test_known_digest(self):
        # Canonical JSON written out by hand, hashed with hashlib directly.
        expected = hashlib.sha256(
            b'{"arrival":"2025-03-01","guest":"\xc3\x89mile","nights":2}'
        ).hexdigest()
        values = {"nights": 2, "guest": "Émile", "arrival": date(2025, 3, 1)}
        self.assertEqual(merge.values_hash(values), expected)

    def test_key_order_does_not_matter_and_values_do(self):
        self.assertEqual(
            merge.values_hash({"a": 1, "b": {"x": 1, "y": 2}}),
            merge.values_hash({"b": {"y": 2, "x": 1}, "a": 1}),
        )
        self.assertNotEqual(merge.values_hash({"a": 1}), merge.values_hash({"a": 2}))

    def test_datetime_as_iso(self):
        self.assertEqual(
            merge.values_hash({"at": datetime(2025, 3, 1, 14, 30)}),
            merge.values_hash({"at": "2025-03-01T14:30:00"}),
        )

    def test_unsupported_value(self):
        with self.assertRaises(TypeError):
            merge.values_hash({"x": object()})


class TestResolve(BaseCase):
    def test_source_and_target_wins(self):
        self.assertEqual(merge.resolve(SOURCE_WINS, LOCAL, REMOTE, LATE, EARLY), REMOTE)
        self.assertEqual(merge.resolve(TARGET_WINS, LOCAL, REMOTE, EARLY, LATE), LOCAL)

    def test_result_is_a_copy(self):
        result = merge.resolve(SOURCE_WINS, LOCAL, REMOTE, None, None)
        result["name"] = "changed"
        self.assertEqual(REMOTE["name"], "Ada King")

    def test_latest_wins(self):
        cases = [
            (LATE, EARLY, LOCAL),
            (EARLY, LATE, REMOTE),
            (LATE, LATE, REMOTE),  # a tie goes to the source
            (LATE, None, LOCAL),  # an undated side counts as older
            (None, EARLY, REMOTE),
            (None, None, REMOTE),
        ]
        for local_at, remote_at, expected in cases:
            with self.subTest(local_at=local_at, remote_at=remote_at):
                self.assertEqual(
                    merge.resolve(LATEST_WINS, LOCAL, REMOTE, local_at, remote_at),
                    expected,
                )

    def test_merge(self):
        self.assertEqual(
            merge.resolve(MERGE, LOCAL, REMOTE, LATE, EARLY),
            merge.merge_values(REMOTE, LOCAL),
        )

    def test_manual_needs_an_operator(self):
        self.assertIsNone(merge.resolve(MANUAL, LOCAL, REMOTE, LATE, EARLY))

    def test_unknown_strategy(self):
        with self.assertRaisesRegex(ValueError, "unknown conflict strategy 'newest'"):
            merge.resolve("newest", LOCAL, REMOTE, LATE, EARLY)

    def test_strategy_names(self):
        self.assertEqual(
            merge.STRATEGIES,
            ("source_wins", "target_wins", "latest_wins", "merge", "manual"),
        )
