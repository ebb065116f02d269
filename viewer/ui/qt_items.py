"""Items of Qt's trees and layouts as plain lists.

Qt's ``topLevelItem(i)``, ``child(i)`` and ``itemAt(i)`` return None for an index out of
range, so their stubs say ``X | None``; walking ``range(count())`` never meets that case.
These helpers say so once instead of at every loop.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QTreeWidget, QTreeWidgetItem, QWidget


def top_level_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return [item for item in items if item is not None]


def child_items(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    children = (item.child(i) for i in range(item.childCount()))
    return [child for child in children if child is not None]


def layout_widgets(layout: QLayout) -> list[QWidget]:
    """The widgets of ``layout``'s items (spacers and nested layouts have none)."""
    items = (layout.itemAt(i) for i in range(layout.count()))
    return [w for item in items if item is not None and (w := item.widget()) is not None]
