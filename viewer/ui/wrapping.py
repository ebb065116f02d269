"""Tree rows whose text wraps to the column's width instead of being cut with "…".

QTreeView can wrap text (``setWordWrap``) but asks its delegate for a row's height without
saying how wide the column is, so a wrapped row keeps the height of one line and its end
is cut off. Japanese texts are longer than the English ones the widths were chosen for;
a finding's volume at the end of a cut row is lost. :func:`wrap_rows` gives the delegate
the column's width and lays the rows out again when the column is resized.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeView


class _WrappingDelegate(QStyledItemDelegate):
    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt override
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        width = self._view.columnWidth(index.column())
        if index.column() == self._view.header().logicalIndex(0):  # the tree's own column
            depth, parent = int(self._view.rootIsDecorated()), index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= self._view.indentation() * depth
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, max(width, 1), 1)  # a valid rect: the style wraps to it
        return super().sizeHint(sized, index)


def wrap_rows(view: QTreeView) -> None:
    """Wrap ``view``'s row texts at its column widths, never eliding them."""
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setUniformRowHeights(False)
    view.setItemDelegate(_WrappingDelegate(view))
    view.header().sectionResized.connect(lambda *_: view.doItemsLayout())
