"""Retrieving a CT series from a local Orthanc: Lightbox's C-GET (and C-MOVE) against a
plain pynetdicom C-GET and dcmtk's ``getscu`` of the same series, in the same run.

Lightbox's retrieve does more than the plain ones: it first lists the series' images
(C-FIND at image level, for resumption), checks each object's UIDs, and writes each file
atomically (temporary name, fsync, rename) with a ``.partial`` marker for the study.
It also enters each image in the local study list (viewer.net.index); the same C-GET
into a store without the list shows what that costs. This prints what it all costs, as
medians of interleaved rounds (contestants alternate in every round, so a busy machine
slows them alike), and Lightbox's time to its first stored image, while the rest of the
series is still arriving.

    .venv/bin/python bench/bench_pacs.py [--slices N] [--size PX] [--rounds N]

Needs Orthanc (``/usr/sbin/Orthanc``; Debian: apt-get install orthanc); dcmtk's
``getscu`` is a contestant when installed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()

    from tests.pacs_server import LIGHTBOX_AET, ORTHANC, ORTHANC_AET, Orthanc, free_port
    from viewer.host.settings import load_settings
    from viewer.io.demo import write_phantom_series

    if ORTHANC is None:
        print("Orthanc is not installed: nothing to measure (apt-get install orthanc)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-pacs-"))
    server = Orthanc(work / "orthanc", free_port(), free_port(), free_port())
    server.folder.mkdir()
    server.write_config()
    server.start()
    try:
        paths = write_phantom_series(work / "series", slices=ns.slices, size=ns.size)
        for path in paths:
            assert server.upload(path) is not None
        import pydicom

        first = pydicom.dcmread(paths[0], stop_before_pixels=True)
        study, series = str(first.StudyInstanceUID), str(first.SeriesInstanceUID)
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        site = work / "site.toml"
        site.write_text(
            f'local_ae_title = "{LIGHTBOX_AET}"\nstorage_port = {server.storage_port}\n'
            f'pacs_store_dir = "{work / "store"}"\n[dicom_nodes.orthanc]\n'
            f'ae_title = "{ORTHANC_AET}"\nhost = "127.0.0.1"\nport = {server.dicom_port}\n',
            encoding="utf-8")
        settings = load_settings(site)
        node = settings.dicom_nodes["orthanc"]
        first_image: list[float] = []

        def lightbox(method: str, listed: bool = True) -> Callable[[Path], None]:
            from viewer.net.receiver import Progress
            from viewer.net.retrieve import retrieve
            from viewer.net.store import LocalStore

            def run(out: Path) -> None:
                start = time.perf_counter()

                def progress(p: Progress) -> None:
                    if p.stored == 1:
                        first_image.append(time.perf_counter() - start)

                outcome = retrieve(node, settings, study, series, method=method,  # type: ignore[arg-type]
                                   progress=progress, store=LocalStore(out, indexed=listed))
                assert outcome.complete and outcome.stored == ns.slices
                if listed:  # the study list holds every image
                    from viewer.net.index import StudyIndex

                    with StudyIndex.open(out, reconcile=False) as index:
                        assert index.search()[0].images == ns.slices
            return run

        def plain_get(out: Path) -> None:
            from pydicom import Dataset
            from pynetdicom import AE, StoragePresentationContexts, build_role, evt
            from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet

            out.mkdir(parents=True)
            count = [0]

            def store(event: evt.Event) -> int:
                (out / f"{event.request.AffectedSOPInstanceUID}.dcm").write_bytes(
                    event.encoded_dataset())
                count[0] += 1
                return 0x0000

            ae = AE(ae_title=LIGHTBOX_AET)
            ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
            for cx in StoragePresentationContexts[:120]:
                ae.add_requested_context(cx.abstract_syntax)
            roles = [build_role(cx.abstract_syntax, scp_role=True)
                     for cx in StoragePresentationContexts[:120]]
            assoc = ae.associate("127.0.0.1", server.dicom_port, ae_title=ORTHANC_AET,
                                 ext_neg=roles, evt_handlers=[(evt.EVT_C_STORE, store)])
            ds = Dataset()
            ds.QueryRetrieveLevel = "SERIES"
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
            for _ in assoc.send_c_get(ds, StudyRootQueryRetrieveInformationModelGet):
                pass
            assoc.release()
            assert count[0] == ns.slices

        def getscu(out: Path) -> None:
            out.mkdir(parents=True)
            subprocess.run(["getscu", "-aet", LIGHTBOX_AET, "-aec", ORTHANC_AET, "-S",
                            "-k", "QueryRetrieveLevel=SERIES", "-k",
                            f"StudyInstanceUID={study}", "-k", f"SeriesInstanceUID={series}",
                            "-od", str(out), "127.0.0.1", str(server.dicom_port)],
                           check=True, capture_output=True)
            assert len(list(out.iterdir())) == ns.slices

        contestants: dict[str, Callable[[Path], None]] = {
            "Lightbox C-GET": lightbox("get"), "Lightbox C-MOVE": lightbox("move"),
            "Lightbox C-GET unlisted": lightbox("get", listed=False),
            "plain pynetdicom C-GET": plain_get}
        if shutil.which("getscu"):
            contestants["dcmtk getscu"] = getscu
        times: dict[str, list[float]] = {name: [] for name in contestants}
        for round_ in range(ns.rounds):
            for name, fn in contestants.items():
                out = work / f"out-{round_}-{name.replace(' ', '-')}"
                start = time.perf_counter()
                fn(out)
                times[name].append(time.perf_counter() - start)
                shutil.rmtree(out)
        median = {name: statistics.median(t) for name, t in times.items()}
        print(f"series: {ns.slices} images of {ns.size}x{ns.size}, {megabytes:.1f} MB; "
              f"{ns.rounds} interleaved rounds, medians")
        for name, seconds in median.items():
            ratios = ", ".join(f"{seconds / median[peer]:.2f}x {peer}" for peer in median
                               if peer != name and not peer.startswith("Lightbox"))
            rate = ns.slices / seconds
            print(f"{name:<24} {seconds * 1000:8.0f} ms  {rate:7.1f} images/s"
                  + (f"  ({ratios})" if name.startswith("Lightbox") and ratios else ""))
        print(f"the study list: Lightbox C-GET "
              f"{median['Lightbox C-GET'] / median['Lightbox C-GET unlisted']:.2f}x the same "
              "retrieve without it (each image's header read and its rows written)")
        print(f"Lightbox first image stored after {statistics.median(first_image) * 1000:.0f} ms "
              f"(median of {len(first_image)} retrieves; the whole series: "
              f"{median['Lightbox C-GET'] * 1000:.0f} ms by C-GET)")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
