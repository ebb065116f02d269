"""The PACS through the service, for the web viewer: a study-level search of a configured
node and a retrieve into the service's store, by the same dispatch and rules as
``lightbox pacs find`` / ``get`` (:mod:`viewer.net.nodes`: DICOM or DICOMweb alike, the
site's nodes only, identity hidden by the site's rule).

Imported only when a request names a node and the site configured one
(:mod:`viewer.service.routes_studies`): a service without nodes never imports viewer.net
(tests/test_offline.py). A retrieve stores into the site's ``pacs_store_dir`` (the local
store the workstation and ``lightbox pacs get`` use) and rescans it, so the study is then
listed with ``source: "local"`` and opens like any other.
"""

from __future__ import annotations

from viewer.errors import LightboxError
from viewer.host.dicomweb_nodes import AnyNode
from viewer.host.settings import Settings
from viewer.net.errors import NodeNotConfiguredError, QueryKeyError
from viewer.net.nodes import find, node_named, retrieve
from viewer.net.query import Query, StudyMatch
from viewer.service.problems import ServiceError
from viewer.service.schemas_web import RetrieveAnswer, StudyInfo
from viewer.service.studies import StudyStore


def _node(settings: Settings, name: str) -> AnyNode:
    try:
        return node_named(settings, name)
    except NodeNotConfiguredError as exc:
        raise ServiceError("unknown_node", str(exc)) from None


def search(settings: Settings, node_name: str, hidden: bool, *, limit: int,
           patient_name: str = "", patient_id: str = "", accession: str = "",
           date: str = "", modality: str = "") -> tuple[list[StudyInfo], bool]:
    """A study-level C-FIND (or QIDO-RS) of ``node_name``: the matches, and whether the
    node had more than ``limit``."""
    node = _node(settings, node_name)
    try:
        query = Query(patient_name=patient_name, patient_id=patient_id, accession=accession,
                      study_date=date, modality=modality).checked()
    except QueryKeyError as exc:
        raise ServiceError("bad_request", str(exc)) from None
    try:
        result = find(node, query, settings, limit=limit)
    except LightboxError as exc:
        raise ServiceError("pacs_failed", f"the search of {node_name} failed: {exc}"
                           ) from None
    return [StudyInfo(study_uid=m.study_uid, patient="" if hidden else m.patient_name,
                      patient_id="" if hidden else m.patient_id, study_date=m.study_date,
                      description=m.description, modalities=list(m.modalities),
                      series=m.series_count or 0, source=node_name)
            for m in result.matches if isinstance(m, StudyMatch)], result.more


def fetch(settings: Settings, store: StudyStore, node_name: str,
          study_uid: str) -> RetrieveAnswer:
    """Retrieve ``study_uid`` from ``node_name`` into ``pacs_store_dir`` (resuming: what
    is already stored is skipped), then list it."""
    node = _node(settings, node_name)
    try:
        outcome = retrieve(node, settings, study_uid)
    except LightboxError as exc:
        raise ServiceError("pacs_failed", f"the retrieve from {node_name} failed: {exc}; "
                           "what arrived is kept, ask again to resume") from None
    store.add_root(settings.pacs_store_dir)
    store.refresh()
    try:
        series = len([s for s in store.study(study_uid).series if s.has_images])
    except ServiceError:
        series = 0
    return RetrieveAnswer(study_uid=study_uid, node=node_name,
                          images=outcome.stored + outcome.skipped,
                          complete=outcome.complete, series=series)
