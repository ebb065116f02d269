"""The one bindings table: no key does two things."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QKeySequence

from viewer.ui.bindings import BINDINGS


def test_no_key_is_bound_to_two_actions():
    owners: dict[str, list[str]] = defaultdict(list)
    for binding in BINDINGS.values():
        for key in binding.keys:
            # Normalised by Qt, so "Shift+Ctrl+M" and "Ctrl+Shift+M" are the same key.
            owners[QKeySequence(key).toString()].append(binding.action)
    clashes = {key: actions for key, actions in owners.items() if len(actions) > 1}
    assert not clashes, f"keys bound twice: {clashes}"
