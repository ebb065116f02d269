"""The same patient's other studies (priors) for the study being read, without Qt.

When a study opens, :class:`PriorsLookup` looks for the patient's other studies in two
places, both in the background through the one job mechanism (``viewer.tasks.jobs``):

* the local study list (``viewer.net.index``, a SQLite query of milliseconds, no network):
  at once;
* the PACS, only where DICOM nodes are configured: a C-FIND at study level by Patient ID
  at the node the study came from (when the study list knows it and the node is still
  configured), else the default node. Never blocking; a failure is a quiet note
  (:attr:`PriorsLookup.note`), never an error box: the reader can read without priors.

Same patient = the same Patient ID and, where both studies name one, the same Issuer of
Patient ID (two hospitals' "12345" are two people). A study found in both places is listed
once, as local. The network code is imported only when a node is asked: with no node
configured nothing of it loads (tests/test_offline.py).

"Comparable" (:func:`comparable`): an earlier date, a modality of the current study, and
the same Body Part Examined where both are known. A PACS study-level answer carries no
body part: the :data:`BODY_PART_QUERIES` most recent priors comparable by date and
modality are asked for their series' body part (series level); one still unknown is
comparable by modality and date, ranked after one whose body part is known to match.
The default prior is the most recent comparable one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from viewer.host.settings import Settings
from viewer.state.events import Listeners
from viewer.tasks.cancel import CancelToken
from viewer.tasks.jobs import Job, Jobs, Outcome, Post, Submit

if TYPE_CHECKING:
    from viewer.io.model import Series, Study

Change = Literal["local", "pacs"]


@dataclass(frozen=True)
class StudyFacts:
    """What the comparison needs to know of the study being read."""

    study_uid: str
    patient_id: str
    issuer: str = ""
    date: str = ""  # YYYYMMDD
    modalities: tuple[str, ...] = ()
    body_part: str = ""

    @classmethod
    def of(cls, study: Study) -> StudyFacts:
        """From an open study: its image series' modalities, the first header's issuer and
        body part (BodyPartExamined, upper case)."""
        images = [s for s in study.series if s.has_images]
        modalities = tuple(dict.fromkeys(s.modality.upper() for s in images if s.modality))
        return cls(study.uid, study.patient_id.strip(), _header_text(images, "IssuerOfPatientID"),
                   study.date, modalities, _header_text(images, "BodyPartExamined").upper())


@dataclass(frozen=True)
class Prior:
    """One other study of the patient, local or on the PACS."""

    study_uid: str
    date: str
    modalities: tuple[str, ...]
    description: str
    body_part: str = ""  # "" when not known (a PACS answer)
    local: bool = False  # its files are on this workstation (complete)
    folder: str = ""  # where, when local
    node: str = ""  # the node to retrieve it from, when not local
    issuer: str = ""

    @property
    def day(self) -> str:
        d = self.date
        return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d


def same_patient(current: StudyFacts, patient_id: str, issuer: str = "") -> bool:
    if not current.patient_id or patient_id.strip() != current.patient_id:
        return False
    return not (current.issuer and issuer and issuer.strip() != current.issuer)


def comparable(current: StudyFacts, prior: Prior) -> bool:
    """Earlier, the same modality, and the same body part where both are known."""
    if not prior.date or not current.date or prior.date >= current.date:
        return False
    if not set(current.modalities) & {m.upper() for m in prior.modalities}:
        return False
    return not (current.body_part and prior.body_part
                and current.body_part != prior.body_part.upper())


def most_recent_comparable(current: StudyFacts, priors: Iterable[Prior]) -> Prior | None:
    """The default comparison: the latest comparable prior; on the same day one whose body
    part is known to match, then a local one."""
    fitting = [p for p in priors if comparable(current, p)]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (p.date, bool(p.body_part), p.local))


def merged(local: Iterable[Prior], remote: Iterable[Prior]) -> tuple[Prior, ...]:
    """One line per study (local wins), newest first."""
    found = {p.study_uid: p for p in remote}
    found.update({p.study_uid: p for p in local})
    return tuple(sorted(found.values(), key=lambda p: (p.date, p.study_uid), reverse=True))


def _header_text(series: list[Series], keyword: str) -> str:
    for one in series:
        header = one.first.header if one.first is not None else None
        if header is not None:
            value = header.get(keyword, "")
            if value:
                return str(value).strip()
    return ""


# -- the look-ups (on a worker) ---------------------------------------------------------------


@dataclass(frozen=True)
class LocalAnswer:
    priors: tuple[Prior, ...]
    node: str  # the node the current study was retrieved from ("" if not known)


def find_local(store_root: Path, current: StudyFacts) -> LocalAnswer:
    """The patient's other studies in the local study list (a file header read per study
    for its body part and issuer)."""
    import pydicom

    from viewer.net.index import OPENED, StudyIndex

    priors: list[Prior] = []
    node = ""
    with StudyIndex.open(store_root, reconcile=False) as index:
        for row in index.search(current.patient_id):
            if row.study_uid == current.study_uid:
                node = row.node
                continue
            paths = index.rows("SELECT path FROM instances WHERE study_uid = ? LIMIT 1",
                               (row.study_uid,))
            body_part = issuer = ""
            if paths:
                try:
                    ds = pydicom.dcmread(paths[0][0], stop_before_pixels=True, force=True,
                                         specific_tags=["BodyPartExamined",
                                                        "IssuerOfPatientID"])
                    body_part = str(ds.get("BodyPartExamined", "") or "").strip().upper()
                    issuer = str(ds.get("IssuerOfPatientID", "") or "").strip()
                except (OSError, ValueError, TypeError):
                    pass  # a file gone since: the study's other values still tell
            if not same_patient(current, row.patient_id, issuer):
                continue
            folder = row.folder if row.source == OPENED else str(index.root / row.study_uid)
            priors.append(Prior(row.study_uid, row.study_date, row.modalities, row.description,
                                body_part, not row.partial, folder,
                                row.node, issuer))
    return LocalAnswer(tuple(priors), node)


#: Most PACS priors whose series are asked for their body part (the most recent ones
#: comparable by date and modality): one series-level C-FIND each.
BODY_PART_QUERIES = 5


def find_remote(settings: Settings, node_name: str, current: StudyFacts, *,
                token: CancelToken | None = None) -> tuple[Prior, ...]:
    """The patient's studies at ``node_name`` (one study-level C-FIND, or QIDO-RS for a
    DICOMweb node, by Patient ID); the most recent ones comparable by date and modality
    are asked for their series' Body Part Examined (series level), so the default prior is
    chosen by body part too."""
    from viewer.net.nodes import find, node_named
    from viewer.net.query import Query, SeriesMatch, StudyMatch

    node = node_named(settings, node_name)
    answer = find(node, Query(patient_id=current.patient_id).checked(), settings, token=token)
    priors = [Prior(m.study_uid, m.study_date, m.modalities, m.description, node=node_name,
                    issuer=m.issuer)
              for m in answer.matches
              if isinstance(m, StudyMatch) and m.study_uid != current.study_uid
              and same_patient(current, m.patient_id, m.issuer)]
    asked = sorted((p for p in priors if comparable(current, p)), key=lambda p: p.date,
                   reverse=True)[:BODY_PART_QUERIES]
    for prior in asked:
        series = find(node, Query(level="series", study_uid=prior.study_uid).checked(),
                      settings, token=token)
        parts = {m.body_part.strip().upper() for m in series.matches
                 if isinstance(m, SeriesMatch) and m.body_part
                 and m.modality.upper() in current.modalities}
        if parts:
            # The current's body part when one of its series shows it, else the first.
            part = current.body_part if current.body_part in parts else sorted(parts)[0]
            priors[priors.index(prior)] = dataclasses.replace(prior, body_part=part)
    return tuple(priors)


class PriorsLookup:
    """The priors of the study being read; ``changed`` says "local" or "pacs" when an
    answer arrives (or failed: :attr:`note`)."""

    def __init__(self, settings: Settings, submit: Submit, post: Post) -> None:
        self.settings = settings
        self._local: Jobs[StudyFacts, LocalAnswer] = Jobs(submit, post)
        self._remote: Jobs[tuple[str, StudyFacts], tuple[Prior, ...]] = Jobs(submit, post)
        self.changed: Listeners[Change] = Listeners()
        self.current: StudyFacts | None = None
        self.local: tuple[Prior, ...] = ()
        self.remote: tuple[Prior, ...] = ()
        self.node = ""  # the node asked (or to be asked)
        self.note = ""  # a quiet line: the PACS could not be asked, and why

    @property
    def priors(self) -> tuple[Prior, ...]:
        return merged(self.local, self.remote)

    @property
    def searching(self) -> bool:
        return self._local.busy or self._remote.busy

    def default_prior(self) -> Prior | None:
        return None if self.current is None else most_recent_comparable(self.current,
                                                                        self.priors)

    def prior(self, study_uid: str) -> Prior | None:
        return next((p for p in self.priors if p.study_uid == study_uid), None)

    def look_up(self, current: StudyFacts) -> None:
        """Forget the last study's priors and look for ``current``'s."""
        self.current, self.local, self.remote, self.note = current, (), (), ""
        self._remote.drop()
        if not current.patient_id:
            self.note = "no Patient ID: priors cannot be looked for"
            self.changed.emit("local")
            return
        root = self.settings.pacs_store_dir
        self._local.start(current, lambda job: find_local(root, job.request), self._local_done)

    def _local_done(self, job: Job[StudyFacts], outcome: Outcome[LocalAnswer]) -> None:
        if outcome.value is not None:
            self.local = outcome.value.priors
        elif outcome.error is not None and not outcome.cancelled:
            self.note = f"the local study list could not be read ({outcome.error})"
        self.changed.emit("local")
        nodes = {**self.settings.dicom_nodes, **self.settings.dicomweb_nodes}
        if not nodes:
            return  # no node: nothing of the network is ever loaded
        came_from = outcome.value.node if outcome.value is not None else ""
        default = self.settings.default_node or ""
        self.node = next(n for n in (came_from, default, *sorted(nodes)) if n in nodes)
        self._remote.start((self.node, job.request),
                           lambda j: find_remote(self.settings, *j.request, token=j.token),
                           self._remote_done)

    def _remote_done(self, job: Job[tuple[str, StudyFacts]],
                     outcome: Outcome[tuple[Prior, ...]]) -> None:
        if outcome.error is not None:
            if not outcome.cancelled:
                self.note = f"the PACS {job.request[0]} could not be asked for priors: " \
                            f"{outcome.error}"
        elif outcome.value is not None:
            self.remote = outcome.value
        self.changed.emit("pacs")

    def shutdown(self) -> None:
        self._local.drop()
        self._remote.drop()
