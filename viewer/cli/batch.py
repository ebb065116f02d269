"""``lightbox batch``: one verified model over every study of an archive (docs/batch.md).

    lightbox batch SOURCE --model ID --out DIR [--models-dir DIR ...] [--all]
                   [--accept-warnings] [--dicom] [--workers N] [--ray local|ADDRESS]
    lightbox batch --node NAME [--date FROM-TO] [--modality MOD] [--patient-id ID]
                   [--accession NUMBER] [--limit N] [--retrieves N] --model ID --out DIR
                   [...]

SOURCE is a folder tree of studies or a DICOMDIR; ``--node`` instead: the studies of a
configured PACS node that match the keys (one study-level search), each retrieved into a
spool under DIR just before it runs and removed after (viewer.batch.pacs). Each study is
one task: the series
``lightbox infer`` would choose, its JSON written as ``infer`` writes it into
``DIR/<study UID>/`` (with ``--dicom`` the SEG/SR too). Resumable: a study finished by
this model (same digest) is never run again; run the same command to go on. Exit 0 when
every study is done, 1 when some failed (the summary says why, by reason), 2 on bad
usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.cli.ai import EXIT_INTERRUPTED, _registry
from viewer.cli.args import output_folder
from viewer.errors import LightboxError
from viewer.host.dicom_nodes import DicomNode
from viewer.host.dicomweb_nodes import AnyNode
from viewer.host.settings import Settings, load_settings

if TYPE_CHECKING:
    from viewer.net.query import Query


def _count(what: str) -> Callable[[str], int]:
    """A whole number from 1 of ``what`` (workers, studies, retrievals at once)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"expects a number of {what}, 1 or more, not {text!r}")
        return value

    return parse


_workers = _count("workers")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lightbox batch",
        description="Run a verified AI model over every study of a folder tree or DICOMDIR; "
        "resumable.")
    p.add_argument("source", nargs="?",
                   help="a folder of studies or a DICOMDIR (or --node: from the PACS)")
    p.add_argument("--model", required=True, metavar="ID", help="the model's id")
    p.add_argument("--out", required=True, metavar="DIR", type=output_folder,
                   help="folder for the results, the ledger and the summary")
    p.add_argument("--models-dir", action="append", metavar="DIR",
                   help="use the model artifacts in DIR instead of the installed ones")
    p.add_argument("--all", action="store_true",
                   help="every image of each study's series (default: its first, as "
                   "'lightbox infer' on a folder; a volume model reads the whole series)")
    p.add_argument("--accept-warnings", action="store_true",
                   help="run studies outside the model's intended use too (else each is "
                   "failed with the warnings)")
    p.add_argument("--dicom", action="store_true", help="also write SEG/SR per study")
    p.add_argument("--workers", type=_workers, metavar="N",
                   help="worker processes (default: the CPU count, at most 8; with "
                   "--ray local: the CPUs of the local Ray instance, default 2; with --ray ADDRESS: "
                   "studies handed to the cluster at a time, default its CPUs)")
    p.add_argument("--ray", metavar="local|ADDRESS",
                   help="run on Ray: 'local' starts a private instance on this machine, "
                   "an address joins a running cluster (shared storage for SOURCE and DIR)")
    pacs = p.add_argument_group(
        "from the PACS (instead of SOURCE)",
        "the studies of a configured node matching these keys (C-FIND or QIDO-RS), each "
        "retrieved (C-GET, C-MOVE or WADO-RS, as IT set the node) just before it runs")
    pacs.add_argument("--node", metavar="NAME", help="a node of the site configuration")
    pacs.add_argument("--date", default="", metavar="FROM-TO",
                      help="study date: YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD")
    pacs.add_argument("--modality", default="", metavar="MOD", help="a modality in the study")
    pacs.add_argument("--patient-id", default="", metavar="ID")
    pacs.add_argument("--accession", default="", metavar="NUMBER")
    pacs.add_argument("--limit", type=_count("studies"), metavar="N",
                      help="most studies the search may match (default: the site's "
                      "pacs_max_results); more is refused: narrow the query")
    pacs.add_argument("--retrieves", type=_count("studies retrieved at once"), metavar="N", default=1,
                      help="studies retrieved at once, on N associations or requests "
                      "(default 1; a C-MOVE node: 1)")
    return p


_QUERY_KEYS = ("date", "modality", "patient_id", "accession", "limit")


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    p = parser()
    ns = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if (ns.source is None) == (ns.node is None):
        p.error("give either SOURCE (a folder or a DICOMDIR) or --node NAME (a PACS node)")
    if ns.node is None and any(getattr(ns, key) for key in _QUERY_KEYS):
        p.error("--date, --modality, --patient-id, --accession and --limit select "
                "studies on a PACS node: give --node NAME (or leave them out)")
    settings = settings if settings is not None else load_settings()
    source = Path(ns.source or ".")
    if ns.node is None and not source.exists():
        print(f"lightbox batch: {source}: no such file or folder", file=sys.stderr)
        return 2
    if ns.node is None and source.is_dir():  # a DICOMDIR reads only what it lists
        inside, out = source.resolve(), Path(ns.out).resolve()
        if out == inside or inside in out.parents:
            print(f"lightbox batch: --out {ns.out} is inside {source}: the next run would "
                  "read its results as studies; choose a folder outside it",
                  file=sys.stderr)
            return 2
    node: AnyNode | None = None
    if ns.node is not None:  # only now is anything of the network loaded
        from viewer.net.errors import NodeNotConfiguredError, QueryKeyError
        from viewer.net.nodes import node_named

        try:
            _query(ns).checked()
            node = node_named(settings, ns.node)
        except (NodeNotConfiguredError, QueryKeyError) as exc:
            print(f"lightbox batch: {exc}", file=sys.stderr)
            return 2
        if ns.retrieves > 1 and isinstance(node, DicomNode) and node.retrieve == "move":
            print(f"lightbox batch: node {node.name} is retrieved by C-MOVE, through this "
                  "workstation's one storage port: one study at a time (leave --retrieves "
                  "out)", file=sys.stderr)
            return 2
    elif ns.retrieves != 1:
        p.error("--retrieves is for a PACS node: give --node NAME (or leave it out)")
    registry = _registry(ns.models_dir, settings)
    try:
        entry = registry.get(ns.model)
    except LightboxError as exc:  # a model id not installed (a typo): not a crash
        print(f"lightbox batch: {exc}; 'lightbox models' lists the installed ones",
              file=sys.stderr)
        return 1
    if not entry.available or entry.manifest is None:
        print(f"lightbox batch: model {entry.id} is unavailable: {entry.reason}",
              file=sys.stderr)
        return 1
    from viewer.audit.log import AuditLog
    from viewer.batch.job import Engine, StudySource, run_job
    from viewer.batch.tasks import JobSpec

    spec = JobSpec(entry.id, str(entry.folder.resolve()), entry.manifest.digest,
                   str(Path(ns.out).resolve()), ns.accept_warnings, ns.dicom, ns.all)
    engine: Engine
    if ns.ray:
        try:  # the server extra: absent (a frozen workstation), say what to install
            from viewer.service.ray_batch import RayEngine
        except ImportError as exc:
            print(f"lightbox batch: --ray needs the server extra (pip install "
                  f"'lightbox[server]'; the workstation executable does not contain it): "
                  f"{exc}", file=sys.stderr)
            return 1
        engine = RayEngine(ns.ray, ns.workers)
    else:
        from viewer.batch.pool import PoolEngine

        engine = PoolEngine(ns.workers)
    studies: Path | StudySource = source.resolve()
    if node is not None:
        from viewer.batch.pacs import PacsSource

        studies = PacsSource(node, _query(ns), settings, Path(spec.out), limit=ns.limit,
                             window=engine.window, retrieves=ns.retrieves)
    try:
        summary = run_job(spec, studies, engine, AuditLog.of(settings))
    except KeyboardInterrupt:
        print("lightbox batch: interrupted; run the same command again to go on (finished "
              "studies are not run again)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except LightboxError as exc:
        print(f"lightbox batch: {exc}", file=sys.stderr)
        return 1
    return 0 if summary["failed"] == 0 else 1



def _query(ns: argparse.Namespace) -> Query:
    from viewer.net.query import Query

    return Query(study_date=ns.date, modality=ns.modality, patient_id=ns.patient_id,
                 accession=ns.accession)
