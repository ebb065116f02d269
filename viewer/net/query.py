"""C-FIND at study and series level (Study Root), with typed answers and a cap.

A :class:`Query` is checked before anything is sent (a date range the node would
misread, a backslash that would make a key a list, a value longer than DICOM allows):
:class:`~viewer.net.errors.QueryKeyError` says which key and how to write it. Patient
names take DICOM wildcards (``*`` and ``?``). A query stops after ``limit`` matches (the
site's ``pacs_max_results``): the answer holds the first ``limit`` and says there were
more, so a search that matches 10,000 studies lists a page and asks to be narrowed,
never pulls the whole archive's index over the network.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from viewer.errors import Cancelled
from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import Settings
from viewer.net.dimse import broke_off, make_ae, open_association
from viewer.net.errors import NodeFailureError, QueryKeyError
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from pydicom import Dataset

log = logging.getLogger(__name__)

Level = Literal["study", "series"]
_DATE = r"\d{8}"
_RANGE = re.compile(rf"(?:{_DATE})?-(?:{_DATE})?|{_DATE}")


@dataclass(frozen=True)
class Query:
    """What to look for; empty keys match everything (``*``)."""

    patient_name: str = ""
    patient_id: str = ""
    accession: str = ""
    study_date: str = ""  # YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD
    modality: str = ""
    study_uid: str = ""  # series level: the study whose series to list
    level: Level = "study"

    def checked(self) -> Query:
        """This query, or :class:`QueryKeyError` naming the key that cannot be sent."""
        for key, value, most in (("patient name", self.patient_name, 64),
                                 ("patient ID", self.patient_id, 64),
                                 ("accession number", self.accession, 16),
                                 ("modality", self.modality, 16),
                                 ("study UID", self.study_uid, 64)):
            if "\\" in value or any(ord(c) < 32 for c in value):
                raise QueryKeyError(f"the {key} may not hold a backslash or control "
                                    "characters")
            if len(value) > most:
                raise QueryKeyError(f"the {key} is longer than DICOM allows ({most})")
        date = self.study_date.replace(" ", "")
        if date and (not _RANGE.fullmatch(date) or date == "-"):
            raise QueryKeyError(
                f"the study date {self.study_date!r} is not a date or range: write "
                "YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- (from) or -YYYYMMDD (until)")
        if date:
            for part in filter(None, date.split("-")):
                _check_day(part)
            start, _, end = date.partition("-")
            if start and end and start > end:
                raise QueryKeyError(f"the study date range {date} ends before it starts")
        if self.level not in ("study", "series"):
            raise QueryKeyError(f"the level must be study or series, not {self.level!r}")
        return self


def _check_day(text: str) -> None:
    from datetime import date

    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise QueryKeyError(f"{text} is not a calendar date (YYYYMMDD)") from None


@dataclass(frozen=True)
class StudyMatch:
    study_uid: str
    patient_name: str
    patient_id: str
    birth_date: str
    study_date: str
    study_time: str
    accession: str
    description: str
    modalities: tuple[str, ...]
    series_count: int | None
    instance_count: int | None
    issuer: str = ""  # Issuer of Patient ID, when the node returns it (priors compare it)


@dataclass(frozen=True)
class SeriesMatch:
    study_uid: str
    series_uid: str
    modality: str
    number: int | None
    description: str
    instance_count: int | None
    body_part: str = ""  # Body Part Examined, when the node returns it (priors compare it)


@dataclass(frozen=True)
class FindResult:
    """The matches (at most ``limit``) and whether the node had more."""

    matches: tuple[StudyMatch | SeriesMatch, ...]
    more: bool
    limit: int

    @property
    def advice(self) -> str:
        if not self.more:
            return ""
        return (f"more than {self.limit} matches: the first {self.limit} are listed; "
                "narrow the search (patient, accession number, date range, modality)")


def find(node: DicomNode, query: Query, settings: Settings,
         limit: int | None = None, token: CancelToken | None = None) -> FindResult:
    """C-FIND ``query`` at ``node``: at most ``limit`` (default: the site's
    ``pacs_max_results``) matches; the search is cancelled at the node beyond that, or
    when ``token`` is (a newer search in the viewer): :class:`Cancelled` then."""
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        StudyRootQueryRetrieveInformationModelFind as FindModel,
    )

    query = query.checked()
    limit = limit or settings.pacs_max_results
    ae = make_ae(settings)
    ae.add_requested_context(FindModel)
    matches: list[StudyMatch | SeriesMatch] = []
    more = False
    with open_association(ae, node, settings) as assoc:
        responses = assoc.send_c_find(identifier(query), FindModel)
        for status, found in responses:
            if token is not None and token.cancelled:
                assoc.abort()
                raise Cancelled()
            code = getattr(status, "Status", None)
            if code is None:
                raise broke_off(node, settings, "the search")
            if code in (0xFF00, 0xFF01) and found is not None:
                if len(matches) == limit:
                    more = True
                    assoc.abort()  # C-CANCEL is optional for a node; an abort is not
                    break
                matches.append(_match(query.level, found))
            elif code == 0xFE00:
                break
            elif code != 0x0000:
                raise NodeFailureError(
                    f"DICOM node {node.name!r} ({node.address}) refused the search "
                    f"(status 0x{code:04X}): the keys may be more than it supports")
    log.info("C-FIND at node %s: %d match(es)%s", node.name, len(matches),
             ", more not listed" if more else "")
    return FindResult(tuple(matches), more, limit)


def identifier(query: Query) -> Dataset:
    """The C-FIND identifier: the keys to match, and empty return keys."""
    from pydicom import Dataset

    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY" if query.level == "study" else "SERIES"
    ds.PatientName = query.patient_name
    ds.PatientID = query.patient_id
    ds.AccessionNumber = query.accession
    ds.StudyDate = query.study_date.replace(" ", "")
    ds.StudyInstanceUID = query.study_uid
    if query.level == "study":
        ds.PatientBirthDate = ""
        ds.IssuerOfPatientID = ""
        ds.StudyTime = ""
        ds.StudyDescription = ""
        ds.ModalitiesInStudy = query.modality
        ds.NumberOfStudyRelatedSeries = None
        ds.NumberOfStudyRelatedInstances = None
    else:
        ds.SeriesInstanceUID = ""
        ds.Modality = query.modality
        ds.SeriesNumber = None
        ds.SeriesDescription = ""
        ds.NumberOfSeriesRelatedInstances = None
        ds.BodyPartExamined = ""
    return ds


def _text(ds: Dataset, keyword: str) -> str:
    value: Any = ds.get(keyword, "")
    return "" if value is None else str(value).strip()


def _number(ds: Dataset, keyword: str) -> int | None:
    try:
        value = ds.get(keyword)
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _match(level: Level, ds: Dataset) -> StudyMatch | SeriesMatch:
    if level == "study":
        modalities: Any = ds.get("ModalitiesInStudy") or ()
        modalities = (modalities,) if isinstance(modalities, str) else modalities
        return StudyMatch(
            study_uid=_text(ds, "StudyInstanceUID"), patient_name=_text(ds, "PatientName"),
            patient_id=_text(ds, "PatientID"), birth_date=_text(ds, "PatientBirthDate"),
            study_date=_text(ds, "StudyDate"), study_time=_text(ds, "StudyTime"),
            accession=_text(ds, "AccessionNumber"), description=_text(ds, "StudyDescription"),
            modalities=tuple(str(m) for m in modalities if str(m)),
            series_count=_number(ds, "NumberOfStudyRelatedSeries"),
            instance_count=_number(ds, "NumberOfStudyRelatedInstances"),
            issuer=_text(ds, "IssuerOfPatientID"))
    return SeriesMatch(
        study_uid=_text(ds, "StudyInstanceUID"), series_uid=_text(ds, "SeriesInstanceUID"),
        modality=_text(ds, "Modality"), number=_number(ds, "SeriesNumber"),
        description=_text(ds, "SeriesDescription"),
        instance_count=_number(ds, "NumberOfSeriesRelatedInstances"),
        body_part=_text(ds, "BodyPartExamined"))
