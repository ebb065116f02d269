"""Retrieving a CT series from a local Orthanc by WADO-RS: Lightbox against plain
dicomweb-client ``retrieve_series`` of the same series and against Lightbox's C-GET, in
the same run.

Lightbox's WADO-RS retrieve lists the series' instances first (QIDO-RS, for
resumption), reads the multipart answer part by part as it arrives, checks each part's
UIDs and writes each file atomically (temporary name, fsync, rename) into the local
store and its study list, as a C-GET does. The plain client asks for the series, holds
every decoded data set in memory and writes each with pydicom. Medians of interleaved
rounds (the contestants alternate in every round, so a busy machine slows them alike),
and Lightbox's time to its first stored image by WADO-RS.

    .venv/bin/python bench/bench_dicomweb.py [--slices N] [--size PX] [--rounds N]

Needs Orthanc and its DICOMweb plugin (Debian: apt-get install orthanc orthanc-dicomweb).
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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()

    from bench.orthanc_series import interleaved_medians, orthanc_with_series
    from tests.pacs_server import DICOMWEB_PLUGIN, ORTHANC
    from viewer.host.settings import load_settings

    if ORTHANC is None or not DICOMWEB_PLUGIN.is_file():
        print("Orthanc or its DICOMweb plugin is not installed: nothing to measure "
              "(apt-get install orthanc orthanc-dicomweb)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-dicomweb-"))
    try:
        with orthanc_with_series(work, ns.slices, ns.size) as loaded:
            server, study, series = loaded.server, loaded.study, loaded.series
            megabytes = loaded.megabytes
            settings = load_settings(loaded.site(work / "site.toml", work / "store",
                                                 dicomweb=True))
            assert settings.problems == (), settings.problems
            first_image: list[float] = []

            def lightbox(name: str) -> Callable[[Path], None]:
                from viewer.net.nodes import node_named, retrieve
                from viewer.net.receiver import Progress
                from viewer.net.store import LocalStore

                node = node_named(settings, name)

                def run(out: Path) -> None:
                    start = time.perf_counter()

                    def progress(p: Progress) -> None:
                        if p.stored == 1 and name == "web":
                            first_image.append(time.perf_counter() - start)

                    outcome = retrieve(node, settings, study, series, progress=progress,
                                       store=LocalStore(out))
                    assert outcome.complete and outcome.stored == ns.slices
                return run

            def plain(out: Path) -> None:
                from dicomweb_client.api import DICOMwebClient

                out.mkdir(parents=True)
                client = DICOMwebClient(server.dicomweb_url)
                datasets = client.retrieve_series(study, series)
                for ds in datasets:
                    ds.save_as(out / f"{ds.SOPInstanceUID}.dcm")
                assert len(datasets) == ns.slices

            contestants: dict[str, Callable[[Path], None]] = {
                "Lightbox WADO-RS": lightbox("web"),
                "plain dicomweb-client": plain,
                "Lightbox C-GET": lightbox("orthanc")}
            median = interleaved_medians(contestants, ns.rounds, work)
            print(f"series: {ns.slices} images of {ns.size}x{ns.size}, {megabytes:.1f} MB; "
                  f"{ns.rounds} interleaved rounds, medians")
            for name, seconds in median.items():
                print(f"{name:<24} {seconds * 1000:8.0f} ms  {ns.slices / seconds:7.1f} images/s")
            web = median["Lightbox WADO-RS"]
            print(f"Lightbox WADO-RS: {web / median['plain dicomweb-client']:.2f}x plain "
                  f"dicomweb-client retrieve_series, {web / median['Lightbox C-GET']:.2f}x "
                  "Lightbox C-GET")
            print(f"Lightbox first image stored after {statistics.median(first_image) * 1000:.0f} ms "
                  f"by WADO-RS (median of {len(first_image)} retrieves; the whole series: "
                  f"{web * 1000:.0f} ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
