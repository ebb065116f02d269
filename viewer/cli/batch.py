"""``lightbox batch``: one verified model over every study of an archive (docs/batch.md).

    lightbox batch SOURCE --model ID --out DIR [--models-dir DIR ...] [--all]
                   [--accept-warnings] [--dicom] [--workers N] [--ray local|ADDRESS]

SOURCE is a folder tree of studies or a DICOMDIR. Each study is one task: the series
``lightbox infer`` would choose, its JSON written as ``infer`` writes it into
``DIR/<study UID>/`` (with ``--dicom`` the SEG/SR too). Resumable: a study finished by
this model (same digest) is never run again; run the same command to go on. Exit 0 when
every study is done, 1 when some failed (the summary says why, by reason), 2 on bad
usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from viewer.cli.ai import EXIT_INTERRUPTED, _registry
from viewer.cli.args import output_folder
from viewer.errors import LightboxError
from viewer.host.settings import Settings, load_settings


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expects a number of workers of 1 or more, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lightbox batch",
        description="Run a verified AI model over every study of a folder tree or DICOMDIR; "
        "resumable.")
    p.add_argument("source", help="a folder of studies or a DICOMDIR")
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
    return p


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    ns = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = settings if settings is not None else load_settings()
    source = Path(ns.source)
    if not source.exists():
        print(f"lightbox batch: {source}: no such file or folder", file=sys.stderr)
        return 2
    registry = _registry(ns.models_dir, settings)
    entry = registry.get(ns.model)
    if not entry.available or entry.manifest is None:
        print(f"lightbox batch: model {entry.id} is unavailable: {entry.reason}",
              file=sys.stderr)
        return 1
    from viewer.audit.log import AuditLog
    from viewer.batch.job import Engine, run_job
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
    try:
        summary = run_job(spec, source.resolve(), engine, AuditLog.of(settings))
    except KeyboardInterrupt:
        print("lightbox batch: interrupted; run the same command again to go on (finished "
              "studies are not run again)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except LightboxError as exc:
        print(f"lightbox batch: {exc}", file=sys.stderr)
        return 1
    return 0 if summary["failed"] == 0 else 1
