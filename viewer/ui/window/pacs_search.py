"""The "Search PACS" window (File > Search PACS…): find studies on a configured node,
list their series, retrieve them into the local store and open them in the viewer.

A thin view of :class:`viewer.state.pacs_search.PacsSearch`: the fields make a frozen
:class:`~viewer.state.pacs_search.SearchForm`, the table shows the model's studies (and
the series under a study when it is expanded), the status column each study's retrieve.
The model's network work runs on this window's own small pool through the window's one
bridge; failures reach the main window's error boundary. Built the first time the reader
opens it (the main window imports this module then), so a workstation without DICOM
nodes never loads it, nor the network code behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.host.settings import Settings
from viewer.io.person_names import person_name
from viewer.state.pacs_search import Change, DatePreset, PacsSearch, RetrieveStatus, SearchForm
from viewer.ui.bridge import Background, Bridge
from viewer.ui.i18n import QT_TRANSLATE_NOOP, corner_tr, translate
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN

if TYPE_CHECKING:
    from viewer.net.query import SeriesMatch, StudyMatch
    from viewer.ui.boundary import ErrorBoundary

CONTEXT = "PacsSearch"
COLUMNS = (QT_TRANSLATE_NOOP("PacsSearch", "Patient"),
           QT_TRANSLATE_NOOP("PacsSearch", "Patient ID"),
           QT_TRANSLATE_NOOP("PacsSearch", "Date"),
           QT_TRANSLATE_NOOP("PacsSearch", "Description"),
           QT_TRANSLATE_NOOP("PacsSearch", "Modalities"),
           QT_TRANSLATE_NOOP("PacsSearch", "Accession"),
           QT_TRANSLATE_NOOP("PacsSearch", "Series"),
           QT_TRANSLATE_NOOP("PacsSearch", "Images"),
           QT_TRANSLATE_NOOP("PacsSearch", "Retrieve"))
PATIENT, PATIENT_ID, DATE, DESCRIPTION, MODALITIES, ACCESSION, SERIES, IMAGES, STATUS = range(9)
DATES: tuple[tuple[DatePreset, str], ...] = (
    ("any", QT_TRANSLATE_NOOP("PacsSearch", "Any date")),
    ("today", QT_TRANSLATE_NOOP("PacsSearch", "Today")),
    ("week", QT_TRANSLATE_NOOP("PacsSearch", "Last 7 days")),
    ("range", QT_TRANSLATE_NOOP("PacsSearch", "Between")),
)
MODALITIES_OFFERED = ("", "CT", "MR", "CR", "DX", "MG", "US", "PT", "NM", "XA", "RF", "OT")
UIDS = Qt.ItemDataRole.UserRole  # (study UID, series UID or None) of a row
SORT = Qt.ItemDataRole.UserRole + 1  # the value a column sorts by, where text would not


def _tr(text: str) -> str:
    return translate(CONTEXT, text)


class _Row(QTreeWidgetItem):
    """A row that sorts numbers as numbers and dates as dates."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        mine, theirs = self.data(column, SORT), other.data(column, SORT)
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return self.text(column).lower() < other.text(column).lower()


def _day(text: str) -> str:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 and text.isdigit() else text


def _python_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


class PacsSearchWindow(QDialog):
    """Search, series on demand, retrieve with progress and cancel, open when complete."""

    def __init__(self, settings: Settings, bridge: Bridge, boundary: ErrorBoundary,
                 open_study: Callable[[Path], None], parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.setObjectName("pacs_search")
        self.setWindowTitle(translate("PacsSearch", "Search PACS"))
        self.setModal(False)
        self.resize(1100, 560)
        self._boundary = boundary
        self._background = Background(bridge, workers=3, name="lightbox-pacs")
        self._open_study = open_study
        self.hide_identity = False
        self.model = PacsSearch(settings, self._background.submit, bridge.post,
                                report=boundary.report, open_study=self._opened,
                                today=today)
        self._build()
        self._unsubscribe = self.model.changed.subscribe(self._changed)

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        g = self._boundary.guard
        self.node = QComboBox()
        self.node.addItems(self.model.nodes)
        if self.model.default_node is not None:
            self.node.setCurrentText(self.model.default_node)
        self.patient_name = QLineEdit()
        self.patient_name.setPlaceholderText(translate("PacsSearch", "DOE* (wildcards * and ?)"))
        self.patient_id = QLineEdit()
        self.accession = QLineEdit()
        self.dates = QComboBox()
        for key, text in DATES:
            self.dates.addItem(_tr(text), key)
        self.date_from: QDateEdit = QDateEdit()
        self.date_to: QDateEdit = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate())
            edit.setEnabled(False)
        self.dates.currentIndexChanged.connect(self._dates_chosen)
        self.modality = QComboBox()
        self.modality.setEditable(True)
        self.modality.addItems(MODALITIES_OFFERED)
        self.search_button = QPushButton(translate("PacsSearch", "Search"))
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(g(lambda *_: self.search(), "searching the PACS"))
        # Enter in any field presses the default button: one search, not one per signal.

        form = QFormLayout()
        form.addRow(translate("PacsSearch", "Node"), self.node)
        form.addRow(translate("PacsSearch", "Patient name"), self.patient_name)
        form.addRow(translate("PacsSearch", "Patient ID"), self.patient_id)
        form.addRow(translate("PacsSearch", "Accession number"), self.accession)
        dates = QHBoxLayout()
        dates.addWidget(self.dates)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("–"))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        form.addRow(translate("PacsSearch", "Study date"), dates)
        form.addRow(translate("PacsSearch", "Modality"), self.modality)

        self.results = QTreeWidget()
        self.results.setColumnCount(len(COLUMNS))
        self.results.setHeaderLabels([_tr(c) for c in COLUMNS])
        self.results.setSortingEnabled(True)
        self.results.sortByColumn(DATE, Qt.SortOrder.DescendingOrder)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results.setUniformRowHeights(True)
        self.results.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((PATIENT, 170), (PATIENT_ID, 110), (DATE, 90), (DESCRIPTION, 170),
                              (MODALITIES, 80), (ACCESSION, 100), (SERIES, 55), (IMAGES, 60)):
            self.results.setColumnWidth(column, width)
        self.results.itemExpanded.connect(g(self._expanded, "listing the series"))
        self.results.itemDoubleClicked.connect(g(self._double_clicked, "retrieving from the PACS"))
        self.results.itemSelectionChanged.connect(self._update_buttons)

        self.status = QLabel()
        self.narrow = QLabel()
        self.narrow.setObjectName("narrow")
        self.narrow.setWordWrap(True)
        self.narrow.setStyleSheet("color: #c0392b;")
        self.narrow.hide()
        self.progress = QProgressBar()
        self.progress.setFormat(translate("PacsSearch", "%v / %m images"))
        self.progress.hide()
        self.retrieve_button = QPushButton(translate("PacsSearch", "Retrieve"))
        self.retrieve_button.setToolTip(translate("PacsSearch", "Retrieve the selected studies or series into "
                                            "this workstation's store; each opens when complete"))
        self.retrieve_button.clicked.connect(g(lambda *_: self.retrieve_selected(),
                                               "retrieving from the PACS"))
        self.cancel_button = QPushButton(translate("PacsSearch", "Cancel retrieve"))
        self.cancel_button.clicked.connect(g(lambda *_: self.model.cancel_retrieves(),
                                             "retrieving from the PACS"))
        top = QHBoxLayout()
        top.addLayout(form, 1)
        side = QVBoxLayout()
        side.addStretch(1)
        side.addWidget(self.search_button)
        top.addLayout(side)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.retrieve_button)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.narrow)
        layout.addWidget(self.results, 1)
        layout.addLayout(bottom)
        self._update_buttons()

    def _dates_chosen(self) -> None:
        ranged = self.dates.currentData() == "range"
        self.date_from.setEnabled(ranged)
        self.date_to.setEnabled(ranged)

    # -- reader's actions ---------------------------------------------------------------------

    def current_form(self) -> SearchForm:
        preset: DatePreset = self.dates.currentData()
        return SearchForm(node=self.node.currentText(), patient_name=self.patient_name.text(),
                          patient_id=self.patient_id.text(), accession=self.accession.text(),
                          modality=self.modality.currentText(), dates=preset,
                          date_from=_python_date(self.date_from.date()),
                          date_to=_python_date(self.date_to.date()))

    def search(self) -> None:
        self.model.search(self.current_form())

    def retrieve_selected(self) -> None:
        chosen = [item.data(0, UIDS) for item in self.results.selectedItems()]
        studies = {study for study, series in chosen if series is None}
        for study, series in chosen:
            if series is None or study not in studies:  # a study asked whole wins
                self.model.retrieve(study, series)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        study, series = item.data(0, UIDS)
        status = self.model.retrieves.get(study)
        if series is None and status is not None and status.whole_study_here:
            self._opened(self.model.study_folder(study))
        else:
            self.model.retrieve(study, series)

    def _expanded(self, item: QTreeWidgetItem) -> None:
        study, series = item.data(0, UIDS)
        if series is None:
            self.model.list_series(study)

    def _opened(self, folder: Path) -> None:
        self._open_study(folder)

    # -- the model's changes ------------------------------------------------------------------

    def _changed(self, change: Change) -> None:
        if change == "searching":
            self.results.clear()
            self.narrow.hide()
            self.status.setText(translate("PacsSearch", "Searching…"))
        elif change == "results":
            self._show_results()
        elif change == "series":
            self._show_series()
        else:
            self._show_retrieves()
        self._update_buttons()

    def study_rows(self) -> list[QTreeWidgetItem]:
        rows = (self.results.topLevelItem(i) for i in range(self.results.topLevelItemCount()))
        return [row for row in rows if row is not None]

    def _show_results(self) -> None:
        self.results.setSortingEnabled(False)
        self.results.clear()
        for study in self.model.studies:
            self.results.addTopLevelItem(self._study_row(study))
        self.results.setSortingEnabled(True)
        count = len(self.model.studies)
        self.status.setText(translate("PacsSearch", "{} study(ies) found").format(count))
        self.narrow.setVisible(self.model.more)
        self.narrow.setText(translate("PacsSearch", "More than {0} studies match: the first {0} are listed. "
                                "Narrow the search (patient, accession number, date, "
                                "modality).").format(self.model.limit))
        self._show_retrieves()

    def _study_row(self, study: StudyMatch) -> QTreeWidgetItem:
        row = _Row(["", "", _day(study.study_date), study.description,
                    ", ".join(study.modalities), "", _count(study.series_count),
                    _count(study.instance_count), ""])
        row.setData(0, UIDS, (study.study_uid, None))
        self._identity(row, study)
        row.setData(DATE, SORT, study.study_date + study.study_time)
        for column, value in ((SERIES, study.series_count), (IMAGES, study.instance_count)):
            row.setData(column, SORT, -1 if value is None else value)
        row.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        return row

    def _identity(self, row: QTreeWidgetItem, study: StudyMatch) -> None:
        """Name, ID and accession number, or the viewer's "Identity hidden" while the
        reader hides patient identity (View menu), as everywhere else."""
        hidden = corner_tr(IDENTITY_HIDDEN) if self.hide_identity else None
        row.setText(PATIENT, hidden or person_name(study.patient_name))
        row.setText(PATIENT_ID, "" if hidden else study.patient_id)
        row.setText(ACCESSION, "" if hidden else study.accession)

    def set_hide_identity(self, hide: bool) -> None:
        self.hide_identity = hide
        for row in self.study_rows():
            study = self.model.study(row.data(0, UIDS)[0])
            if study is not None:
                self._identity(row, study)

    def _show_series(self) -> None:
        for row in self.study_rows():
            study_uid = row.data(0, UIDS)[0]
            listed = self.model.series.get(study_uid)
            if listed is None or row.childCount():
                continue
            if not listed:
                row.setChildIndicatorPolicy(
                    QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless)
            for series in listed:
                row.addChild(self._series_row(series))

    def _series_row(self, series: SeriesMatch) -> QTreeWidgetItem:
        number = "" if series.number is None else f"#{series.number}"
        row = _Row([number, "", "", series.description,
                    series.modality, "", "", _count(series.instance_count), ""])
        row.setData(0, UIDS, (series.study_uid, series.series_uid))
        row.setData(0, SORT, -1 if series.number is None else series.number)
        return row

    def _show_retrieves(self) -> None:
        running: RetrieveStatus | None = None
        for row in self.study_rows():
            status = self.model.retrieves.get(row.data(0, UIDS)[0])
            row.setText(STATUS, "" if status is None else self.status_text(status))
            if status is not None and status.problems:
                row.setToolTip(STATUS, "\n".join(status.problems))
            if status is not None and status.state == "running":
                running = status
        self.progress.setVisible(running is not None)
        if running is not None:
            self.progress.setRange(0, max(running.total, 1))
            self.progress.setValue(running.done)

    @staticmethod
    def status_text(status: RetrieveStatus) -> str:
        if status.state == "queued":
            return translate("PacsSearch", "Waiting")
        if status.state == "running":
            return (translate("PacsSearch", "{} / {} images").format(status.done, status.total) if status.total
                    else translate("PacsSearch", "Starting…"))
        if status.state == "complete":
            return translate("PacsSearch", "Complete · opened")
        if status.state == "partial":
            return translate("PacsSearch", "Incomplete: {} / {} images (retrieve again)").format(status.done,
                                                                            status.total)
        if status.state == "cancelled":
            return translate("PacsSearch", "Cancelled (retrieve again to resume)")
        return translate("PacsSearch", "Failed")

    def _update_buttons(self) -> None:
        self.retrieve_button.setEnabled(bool(self.results.selectedItems()))
        self.cancel_button.setEnabled(self.model.retrieving)

    # -- closing (the window hides: a retrieve goes on, and its study still opens) --------

    def shutdown(self) -> None:
        self._unsubscribe()
        self.model.shutdown()
        self._background.close()
