"""``lightbox batch --node`` (studies retrieved from the PACS as the job runs) against the
plain way: retrieve every study first, then run the batch over the folder.

    .venv/bin/python bench/bench_batch_pacs.py [--studies 100] [--slices 4] [--workers N]
        [--retrieves 4] [--rounds 1]

A local Orthanc (the tests' one, tests/pacs_server.py: 127.0.0.1, free ports, its own
storage) is loaded with ``--studies`` phantom CT studies of ``--slices`` 32 × 32 slices;
the model is the tiny ``threshold`` of tests/inference/artifacts.py with ``--all`` (every
slice). Each run is a whole process (or two), launch to exit, into a fresh folder; in each
round, interleaved:

* folder        ``lightbox batch ARCHIVE``: the studies already on disk (no network: the
                floor)
* get, then run a plain pynetdicom C-GET of every study (one association, each object's
                bytes written to a file as it comes: no listing, no checks, no fsync),
                then ``lightbox batch`` over that folder; the two processes' times summed
* batch --node  ``lightbox batch --node orthanc``: C-GET, each study into the job's spool
                just before it runs (overlapping the workers), removed after; one
                retrieve at a time (the default), then ``--retrieves`` at once ("x4")
* batch --node web  the same over DICOMweb (QIDO-RS, WADO-RS), where Orthanc's DICOMweb
                plugin is installed

Studies/s over the wall time, and the ratios of each ``--node`` run against "get, then
run" (above 1 ``--node`` is faster) and against the folder (the price of the network). Every study's
JSON is checked identical across all. Load average printed: the ratios are what counts on
a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def plain_get(port: int, out: Path, studies: list[str]) -> None:
    """Every study by C-GET at study level on one association, bytes straight to files."""
    from pydicom import Dataset
    from pynetdicom import AE, StoragePresentationContexts, build_role, evt
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        StudyRootQueryRetrieveInformationModelGet as Get,
    )

    from tests.pacs_server import LIGHTBOX_AET, ORTHANC_AET

    def store(event: evt.Event) -> int:
        ds = event.dataset
        folder = out / str(ds.StudyInstanceUID)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{event.request.AffectedSOPInstanceUID}.dcm").write_bytes(
            event.encoded_dataset())
        return 0x0000

    ae = AE(ae_title=LIGHTBOX_AET)
    ae.add_requested_context(Get)
    for cx in StoragePresentationContexts[:120]:
        ae.add_requested_context(cx.abstract_syntax)
    roles = [build_role(cx.abstract_syntax, scp_role=True)
             for cx in StoragePresentationContexts[:120]]
    assoc = ae.associate("127.0.0.1", port, ae_title=ORTHANC_AET, ext_neg=roles,
                         evt_handlers=[(evt.EVT_C_STORE, store)])
    for study in studies:
        ds = Dataset()
        ds.QueryRetrieveLevel = "STUDY"
        ds.StudyInstanceUID = study
        for _ in assoc.send_c_get(ds, Get):
            pass
    assoc.release()


def whole_process(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args[:4]} failed:\n{done.stderr[-3000:]}")
    return seconds


def outputs(out: Path) -> dict[str, str]:
    return {f"{p.parent.name}/{p.name}": p.read_text()
            for p in out.glob("*/threshold-frame-*.json")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--slices", type=int, default=4)
    ap.add_argument("--workers", type=int, default=None, help="pool workers (default: CPUs)")
    ap.add_argument("--retrieves", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--plain-get", nargs=3, metavar=("PORT", "OUT", "STUDY_LIST"),
                    help=argparse.SUPPRESS)  # the plain retrieve's own process
    ns = ap.parse_args()
    if ns.plain_get:
        port, out_, listing = ns.plain_get
        plain_get(int(port), Path(out_), Path(listing).read_text().split())
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-bpacs-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), LIGHTBOX_AUDIT_DIR=str(work / "audit"),
               LIGHTBOX_CONFIG_DIR=str(work / "config"))
    os.environ.update(LIGHTBOX_AUDIT_DIR=env["LIGHTBOX_AUDIT_DIR"],
                      LIGHTBOX_CONFIG_DIR=env["LIGHTBOX_CONFIG_DIR"])
    from pydicom import dcmread

    from tests.batch.archive import write_archive
    from tests.inference.artifacts import build
    from tests.pacs_server import DICOMWEB_PLUGIN, running_orthanc, site_file
    from viewer.batch.pool import default_workers

    build(work / "models", "threshold")
    archive = work / "archive"
    folders = write_archive(archive, ns.studies, slices=ns.slices, size=32)
    workers = ns.workers or default_workers()
    with running_orthanc(work / "orthanc", None) as server:
        uids = []
        for folder in folders:
            paths = sorted(folder.iterdir())
            for path in paths:
                assert server.upload(path) is not None
            uids.append(str(dcmread(paths[0], stop_before_pixels=True).StudyInstanceUID))
        listing = work / "studies.txt"
        listing.write_text("\n".join(uids))
        site = site_file(work / "site.toml", server, work / "store")
        web = DICOMWEB_PLUGIN.is_file()
        if web:
            site.write_text(site.read_text() + f'[dicomweb_nodes.web]\nurl = '
                            f'"{server.dicomweb_url}"\n', encoding="utf-8")
        env["LIGHTBOX_SITE_CONFIG"] = str(site)
        print(f"{ns.studies} studies of {ns.slices} 32x32 CT slices in a local Orthanc; "
              f"model threshold --all; pool workers {workers}; cpus {os.cpu_count()}; each "
              "run a whole process")
        x = f" x{ns.retrieves}"
        names = ["folder", "get, then run", "batch --node", "batch --node" + x] + (
            ["batch --node web", "batch --node web" + x] if web else [])
        rates: dict[str, list[float]] = {name: [] for name in names}
        seen: dict[str, dict[str, str]] = {}
        for round_ in range(ns.rounds):
            for name in names:
                out = work / f"out-{round_}-{names.index(name)}"
                job = ["-m", "viewer", "batch", "--model", "threshold", "--all",
                       "--out", str(out), "--models-dir", str(work / "models"),
                       "--workers", str(workers)]
                if name == "folder":
                    seconds = whole_process([*job, str(archive)], env)
                elif name == "get, then run":
                    fetched = work / f"fetched-{round_}"
                    seconds = whole_process([__file__, "--plain-get", str(server.dicom_port),
                                             str(fetched), str(listing)], env)
                    seconds += whole_process([*job, str(fetched)], env)
                else:
                    node = "web" if " web" in name else "orthanc"
                    seconds = whole_process([
                        *job, "--node", node, "--modality", "CT", "--limit",
                        str(ns.studies + 10), "--retrieves",
                        str(ns.retrieves if name.endswith(x) else 1)], env)
                rates[name].append(ns.studies / seconds)
                seen[name] = outputs(out)
                print(f"{name:<20} round {round_ + 1}  {ns.studies / seconds:8.2f} "
                      f"studies/s  ({seconds:.2f} s)", flush=True)
    ratios = []
    for name in [n for n in names if n.startswith("batch --node")]:
        for peer in ("get, then run", "folder"):
            each = [a / b for a, b in zip(rates[name], rates[peer], strict=True)]
            ratios.append(f"{name}/{peer} {statistics.median(each):.2f}x")
    print("ratios               " + "; ".join(ratios)
          + (" (median of rounds)" if ns.rounds > 1 else ""))
    reference = seen["folder"]
    same = all(v == reference for v in seen.values()) and len(reference) == (
        ns.studies * ns.slices)
    print(f"outputs identical across sources: {'yes' if same else 'NO'}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
