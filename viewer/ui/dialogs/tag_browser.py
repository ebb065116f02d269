"""The tag browser: every element of an instance's header, sequences nested, searchable.

It works on the header pydicom read at scan time (pixel data is never loaded for it), so
non-image objects (SR, RT plans...) can be inspected too. With identity hidden, the values
that name the patient are masked here as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.qt_items import child_items

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

    from viewer.io.model import Instance

MAX_VALUE_CHARS = 160
HIDDEN = QT_TRANSLATE_NOOP("TagBrowser", "(hidden)")
#: Elements that identify the patient (PS3.15 basic profile, the ones a viewer shows).
#: Every person name (VR PN) is hidden too, wherever it sits (SR content, sequences).
IDENTITY_KEYWORDS = frozenset({
    "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "OtherPatientIDs",
    "OtherPatientNames", "OtherPatientIDsSequence", "PatientAddress", "PatientMotherBirthName",
    "PatientBirthName", "PatientTelephoneNumbers", "IssuerOfPatientID", "MedicalRecordLocator",
    "ReferringPhysicianName", "InstitutionName", "InstitutionAddress", "AccessionNumber",
    "PatientComments", "MilitaryRank", "BranchOfService", "RegionOfResidence",
    "CountryOfResidence", "PatientInsurancePlanCodeSequence", "PatientReligiousPreference",
})
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN"})


def tag_text(element: DataElement) -> str:
    return f"({element.tag.group:04X},{element.tag.element:04X})"


def value_text(element: DataElement, hide_identity: bool) -> str:
    if hide_identity and (element.keyword in IDENTITY_KEYWORDS or element.VR == "PN"):
        return translate("TagBrowser", HIDDEN)
    if element.VR == "SQ":
        return translate("TagBrowser", "{} item(s)").format(len(element.value))
    if element.VR in BINARY_VRS:
        length = len(element.value) if element.value is not None else 0
        return translate("TagBrowser", "<{} bytes>").format(length)
    text = str(element.value) if element.value is not None else ""
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


class TagBrowser(QDialog):
    COLUMNS = (QT_TRANSLATE_NOOP("TagBrowser", "Tag"), QT_TRANSLATE_NOOP("TagBrowser", "Name"),
               QT_TRANSLATE_NOOP("TagBrowser", "VR"), QT_TRANSLATE_NOOP("TagBrowser", "Value"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("TagBrowser", "DICOM tags"))
        self.setModal(False)
        self.resize(760, 560)
        self.title = QLabel(translate("TagBrowser", "No object selected"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(translate("TagBrowser", "Filter by tag (0010,0010 or 00100010), keyword or value"))
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels([translate("TagBrowser", c) for c in self.COLUMNS])
        self.tree.setAlternatingRowColors(True)
        for column, width in enumerate((110, 220, 40)):
            self.tree.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.apply_filter)
        self._instance: Instance | None = None
        self._hide_identity = False

    def show_instance(self, instance: Instance | None) -> None:
        self._instance = instance
        self.tree.clear()
        if instance is None or instance.header is None:
            self.title.setText(translate("TagBrowser", "No DICOM header to show") if instance
                               else translate("TagBrowser", "No object selected"))
            return
        self.title.setText(f"{instance.path.name} — {instance.modality}")
        self._add_dataset(self.tree.invisibleRootItem(), instance.header)
        self.tree.expandAll()
        self.apply_filter(self.search.text())

    def set_hide_identity(self, hide: bool) -> None:
        if hide != self._hide_identity:
            self._hide_identity = hide
            self.show_instance(self._instance)

    def _add_dataset(self, parent: QTreeWidgetItem, dataset: Dataset) -> None:
        for element in dataset:
            item = QTreeWidgetItem([tag_text(element), element.name, element.VR,
                                    value_text(element, self._hide_identity)])
            item.setData(0, Qt.ItemDataRole.UserRole, element.keyword or "")
            parent.addChild(item)
            if element.VR == "SQ" and (value_text(element, self._hide_identity)
                                       != translate("TagBrowser", HIDDEN)):
                for number, child in enumerate(element.value, start=1):
                    sub = QTreeWidgetItem(["", translate("TagBrowser", "Item {}").format(number),
                                           "", ""])
                    item.addChild(sub)
                    self._add_dataset(sub, child)

    # -- filtering -------------------------------------------------------------------

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for item in child_items(self.tree.invisibleRootItem()):
            self._filter(item, needle)

    def _filter(self, item: QTreeWidgetItem, needle: str) -> bool:
        """Show ``item`` if it or any descendant matches; a match shows its whole subtree."""
        matched = not needle or self._matches(item, needle)
        child_visible = False
        for child in child_items(item):
            if matched:
                self._filter(child, "")
                child_visible = True
            else:
                child_visible |= self._filter(child, needle)
        visible = matched or child_visible
        item.setHidden(not visible)
        return visible

    @staticmethod
    def _matches(item: QTreeWidgetItem, needle: str) -> bool:
        tag = item.text(0).lower()
        compact = tag.strip("()").replace(",", "")
        keyword = str(item.data(0, Qt.ItemDataRole.UserRole) or "").lower()
        flat = needle.strip("()").replace(",", "").replace(" ", "")
        return bool(
            (tag and (needle in tag or (flat and flat in compact)))
            or needle in keyword
            or needle in item.text(1).lower()
            or needle in item.text(3).lower()
        )

    def visible_tags(self) -> list[str]:
        """Tags of the rows the filter shows (nested ones included), for tests and export."""
        out: list[str] = []

        def walk(item: QTreeWidgetItem) -> None:
            for child in child_items(item):
                if not child.isHidden():
                    if child.text(0):
                        out.append(child.text(0))
                    walk(child)

        walk(self.tree.invisibleRootItem())
        return out
