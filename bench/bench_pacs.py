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
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.orthanc_series import LoadedSeries
    from viewer.host.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()

    from bench.orthanc_series import orthanc_with_series
    from tests.pacs_server import ORTHANC
    from viewer.host.settings import load_settings

    if ORTHANC is None:
        print("Orthanc is not installed: nothing to measure (apt-get install orthanc)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-pacs-"))
    try:
        with orthanc_with_series(work, ns.slices, ns.size) as loaded:
            return _measure(ns, work, loaded, load_settings(
                loaded.site(work / "site.toml", work / "store")))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(ns: argparse.Namespace, work: Path, loaded: LoadedSeries,
             settings: Settings) -> int:
    from bench.orthanc_series import interleaved_medians

    study, series, megabytes = loaded.study, loaded.series, loaded.megabytes
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

    contestants: dict[str, Callable[[Path], None]] = {
        "Lightbox C-GET": lightbox("get"), "Lightbox C-MOVE": lightbox("move"),
        "Lightbox C-GET unlisted": lightbox("get", listed=False),
        "plain pynetdicom C-GET": loaded.plain_get}
    if shutil.which("getscu"):
        contestants["dcmtk getscu"] = loaded.getscu
    median = interleaved_medians(contestants, ns.rounds, work)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
