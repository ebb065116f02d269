"""The reader's PACS search and retrieve, without Qt: what was asked, found and fetched.

The "Search PACS" window (``viewer/ui/window/pacs_search.py``) only shows this model and
turns clicks into calls; everything it can do, a script can do here. Network work runs
through the one job mechanism (``viewer.tasks.jobs``) on whatever thread ``submit`` hands
it to, and comes back through ``post``:

* a search is a numbered :class:`~viewer.tasks.jobs.Jobs` request: a newer search cancels
  the one before (its C-FIND stops at the next match) and drops its answer; each study's
  series listing is a :class:`~viewer.tasks.jobs.Batch` job, cleared by a new search;
* retrieves run one at a time, in the order asked (one association, and one retrieve of a
  study at a time, as the local store expects); each study has its line (queued, n of m,
  complete, partial, failed); cancel stops the running one mid-transfer (what arrived is
  kept, the study stays marked partial, the next retrieve resumes it) and empties the
  queue; a study is handed to ``open_study`` (its store folder) as soon as its first
  image is stored, not at the end: the viewer shows it at once and follows it while the
  rest arrives (``viewer/ui/window/arriving.py``), saying "receiving", then complete or
  incomplete.

The network code (``viewer.net``) is imported only when a search or a retrieve runs:
with no DICOM node configured the viewer loads none of it (tests/test_offline.py).
Errors travel with their outcome to ``report`` (the UI's one boundary); messages are the
core's English, translated by the UI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from viewer.host.settings import Settings
from viewer.state.events import Listeners
from viewer.tasks.cancel import CancelToken
from viewer.tasks.jobs import Batch, Job, Jobs, Outcome, Post, Submit

if TYPE_CHECKING:
    from viewer.net.query import FindResult, Query, SeriesMatch, StudyMatch
    from viewer.net.retrieve import RetrieveOutcome
    from viewer.net.store import LocalStore

DatePreset = Literal["any", "today", "week", "range"]
Change = Literal["searching", "results", "series", "retrieve"]
RetrieveState = Literal["queued", "running", "complete", "partial", "cancelled", "failed"]


@dataclass(frozen=True)
class SearchForm:
    """What the reader typed, frozen when Search was pressed."""

    node: str
    patient_name: str = ""
    patient_id: str = ""
    accession: str = ""
    modality: str = ""
    dates: DatePreset = "any"
    date_from: date | None = None  # for "range"
    date_to: date | None = None

    def study_date(self, today: date) -> str:
        """The C-FIND date key: today, the last 7 days (today included), a range, or any."""
        if self.dates == "today":
            return today.strftime("%Y%m%d")
        if self.dates == "week":
            return f"{(today - timedelta(days=6)):%Y%m%d}-{today:%Y%m%d}"
        if self.dates == "range":
            start = f"{self.date_from:%Y%m%d}" if self.date_from else ""
            end = f"{self.date_to:%Y%m%d}" if self.date_to else ""
            return f"{start}-{end}" if start or end else ""
        return ""


@dataclass(frozen=True)
class RetrieveRequest:
    node: str
    study_uid: str
    series_uid: str | None = None
    open_when_done: bool = True


@dataclass(frozen=True)
class RetrieveStatus:
    """One study's line in the retrieve column."""

    state: RetrieveState
    done: int = 0
    total: int = 0
    problems: tuple[str, ...] = ()
    series_uid: str | None = None  # the one series asked for; None: the whole study

    @property
    def whole_study_here(self) -> bool:
        return self.state == "complete" and self.series_uid is None


class PacsSearch:
    """The search, its results, the series listed under each study, and the retrieves."""

    def __init__(self, settings: Settings, submit: Submit, post: Post, *,
                 report: Callable[[BaseException, str], None],
                 open_study: Callable[[Path], None],
                 today: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self._report, self._open_study, self._today = report, open_study, today
        self._searches: Jobs[SearchForm, FindResult] = Jobs(submit, post)
        self._series_jobs: Batch[tuple[str, str], FindResult] = Batch(submit)
        self._retrieves: Jobs[RetrieveRequest, RetrieveOutcome] = Jobs(submit, post)
        self._queue: list[RetrieveRequest] = []
        self.changed: Listeners[Change] = Listeners()
        self.form: SearchForm | None = None
        self.studies: tuple[StudyMatch, ...] = ()
        self.more = False  # the node had more matches than the limit: narrow the search
        self.limit = settings.pacs_max_results
        self.series: dict[str, tuple[SeriesMatch, ...]] = {}
        self.retrieves: dict[str, RetrieveStatus] = {}
        #: The local store (the site's ``pacs_store_dir``); None: made when first needed.
        self.store: LocalStore | None = None
        #: Studies handed to ``open_study`` by the running retrieve (at its first image).
        self._opened: set[str] = set()

    # -- nodes ------------------------------------------------------------------------------

    @property
    def nodes(self) -> list[str]:
        return sorted({*self.settings.dicom_nodes, *self.settings.dicomweb_nodes})

    @property
    def default_node(self) -> str | None:
        chosen = self.settings.default_node
        if chosen in self.nodes:
            return chosen
        return self.nodes[0] if self.nodes else None

    # -- search -----------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        return self._searches.busy

    def search(self, form: SearchForm) -> None:
        """Start a search; one still going is dropped (its answer will never show)."""
        from viewer.net.query import Query

        query = Query(patient_name=form.patient_name.strip(),
                      patient_id=form.patient_id.strip(), accession=form.accession.strip(),
                      study_date=form.study_date(self._today()),
                      modality=form.modality.strip().upper()).checked()
        self._series_jobs.clear()
        self.form, self.studies, self.more, self.series = form, (), False, {}
        self._searches.start(form, lambda job: self._find(form.node, query, job.token),
                             self._search_done)
        self.changed.emit("searching")

    def _find(self, node_name: str, query: Query, token: CancelToken) -> FindResult:
        from viewer.net.nodes import find, node_named

        return find(node_named(self.settings, node_name), query, self.settings, token=token)

    def _search_done(self, job: Job[SearchForm], outcome: Outcome[FindResult]) -> None:
        if outcome.error is not None:
            self._report(outcome.error, "searching the PACS")
        elif outcome.value is not None:
            from viewer.net.query import StudyMatch

            self.studies = tuple(m for m in outcome.value.matches
                                 if isinstance(m, StudyMatch))
            self.more, self.limit = outcome.value.more, outcome.value.limit
        self.changed.emit("results")

    def study(self, study_uid: str) -> StudyMatch | None:
        return next((s for s in self.studies if s.study_uid == study_uid), None)

    # -- series under a study -----------------------------------------------------------------

    def list_series(self, study_uid: str) -> None:
        """Ask the node for the study's series (once per search)."""
        if self.form is None or study_uid in self.series:
            return
        from viewer.net.query import Query

        query = Query(level="series", study_uid=study_uid).checked()
        self.series[study_uid] = ()
        self._series_jobs.start((self.form.node, study_uid),
                                lambda job: self._find(job.request[0], query, job.token),
                                self._series_done)

    def _series_done(self, job: Job[tuple[str, str]], outcome: Outcome[FindResult]) -> None:
        from viewer.net.query import SeriesMatch

        study_uid = job.request[1]
        if outcome.error is not None:
            self.series.pop(study_uid, None)  # asked again when the study is opened again
            self._report(outcome.error, "listing the series")
        elif outcome.value is not None:
            found = [m for m in outcome.value.matches if isinstance(m, SeriesMatch)]
            self.series[study_uid] = tuple(sorted(
                found, key=lambda s: (s.number is None, s.number or 0, s.series_uid)))
        self.changed.emit("series")

    # -- retrieve ------------------------------------------------------------------------------

    @property
    def retrieving(self) -> bool:
        return self._retrieves.busy

    def retrieve(self, study_uid: str, series_uid: str | None = None, *,
                 open_when_done: bool = True, node: str | None = None) -> None:
        """Queue a retrieve of the study (or one of its series) from ``node``, by default
        the searched one (a prior offered for comparison names its own)."""
        node = node or (self.form.node if self.form is not None else None)
        if node is None:
            return
        request = RetrieveRequest(node, study_uid, series_uid, open_when_done)
        running = self._retrieves.current
        if request in self._queue or (running is not None and running.request == request):
            return
        self._queue.append(request)
        self.retrieves[study_uid] = RetrieveStatus("queued", series_uid=series_uid)
        self.changed.emit("retrieve")
        self._next_retrieve()

    def cancel_retrieves(self) -> None:
        """Stop the running retrieve (what arrived stays, resumable) and the queued ones."""
        for request in self._queue:
            self.retrieves[request.study_uid] = RetrieveStatus("cancelled",
                                                               series_uid=request.series_uid)
        self._queue.clear()
        self._retrieves.cancel()
        self.changed.emit("retrieve")

    def local_store(self) -> LocalStore:
        if self.store is None:
            from viewer.net.store import LocalStore

            self.store = LocalStore(self.settings.pacs_store_dir)
        return self.store

    def study_folder(self, study_uid: str) -> Path:
        return self.local_store().study_dir(study_uid)

    def _next_retrieve(self) -> None:
        if self._retrieves.busy or not self._queue:
            return
        request = self._queue.pop(0)
        store = self.local_store()
        self.retrieves[request.study_uid] = RetrieveStatus("running",
                                                           series_uid=request.series_uid)
        self._retrieves.start(request, lambda job: self._fetch(job, store),
                              self._retrieve_done, self._retrieve_progress)
        self.changed.emit("retrieve")

    def _fetch(self, job: Job[RetrieveRequest], store: LocalStore) -> RetrieveOutcome:
        from viewer.net.nodes import node_named, retrieve

        request = job.request
        node = node_named(self.settings, request.node)
        return retrieve(node, self.settings, request.study_uid, request.series_uid,
                        token=job.token, store=store,
                        progress=lambda p: job.progress(p.done, p.total))

    def _retrieve_progress(self, job: Job[RetrieveRequest], done: int, total: int) -> None:
        uid = job.request.study_uid
        self.retrieves[uid] = dataclasses.replace(self.retrieves[uid], done=done, total=total)
        self.changed.emit("retrieve")
        if (done and job.request.open_when_done and not job.cancelled
                and uid not in self._opened):
            self._opened.add(uid)  # the first image is stored: shown while the rest arrives
            self._open_study(self.study_folder(uid))

    def _retrieve_done(self, job: Job[RetrieveRequest],
                       outcome: Outcome[RetrieveOutcome]) -> None:
        uid = job.request.study_uid
        before = self.retrieves.get(uid, RetrieveStatus("running",
                                                       series_uid=job.request.series_uid))
        result = outcome.value
        if outcome.cancelled:
            self.retrieves[uid] = dataclasses.replace(before, state="cancelled")
        elif outcome.error is not None or result is None:
            self.retrieves[uid] = dataclasses.replace(before, state="failed")
            if outcome.error is not None:
                self._report(outcome.error, "retrieving from the PACS")
        else:
            self.retrieves[uid] = RetrieveStatus(
                "complete" if result.complete else "partial",
                result.stored + result.skipped + result.failed, result.total,
                result.problems, job.request.series_uid)
            if (result.complete and job.request.open_when_done
                    and uid not in self._opened):
                self._open_study(self.study_folder(uid))
        self._opened.discard(uid)
        self.changed.emit("retrieve")
        self._next_retrieve()

    def shutdown(self) -> None:
        self._queue.clear()
        self._retrieves.drop()
        self._searches.drop()
        self._series_jobs.clear()
