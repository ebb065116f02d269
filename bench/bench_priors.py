"""Priors: the local look-up when a study opens, and the comparison's scroll link.

Two figures, each against its peer in the same run (medians of interleaved rounds):

* ``find_local`` (the patient's other studies in the local study list, one file header
  read per study for its body part and issuer) against the study list's own search for
  the same Patient ID (the SQLite query alone), in a store of ``--studies`` studies of
  which ``--priors`` are the patient's;
* the offset link's slice for a scroll (``OffsetLink.target_index``, the comparison of a
  prior in another frame of reference) against the linked scroll by position
  (``linked_index``, one frame of reference), over every slice of a ``--slices`` stack.

    .venv/bin/python bench/bench_priors.py [--studies N] [--priors N] [--slices N] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def _median_ms(rounds: int, contestants: dict[str, Callable[[], object]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(rounds):
        for name, run in contestants.items():  # interleaved: a busy machine slows both
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=2000)
    parser.add_argument("--priors", type=int, default=10)
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    ns = parser.parse_args()

    import pydicom

    from tests.priors_studies import PATIENT_ID, write_study
    from viewer.imaging.sync import linked_index
    from viewer.io.scan import scan
    from viewer.net.index import Header, StudyIndex
    from viewer.state.hanging import centre_offset
    from viewer.state.priors import StudyFacts, find_local

    work = Path(tempfile.mkdtemp(prefix="bench-priors-"))
    store = work / "store"
    with StudyIndex.open(store) as index:
        for number in range(ns.studies - ns.priors):  # other patients' studies, listed
            study = f"1.2.999.{number}"
            index.add_file(Header(study, study + ".1", study + ".1.1", patient_id=f"P{number}",
                                  study_date="20240101", modality="CT"),
                           work / "absent.dcm", 1000, source="opened", folder=str(work))
        for number in range(ns.priors):
            written = write_study(work / f"prior{number}", date=f"2020{number % 12 + 1:02d}01",
                                  slices=2)
            for path in written.paths:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
                index.add_file(Header(written.study_uid, str(ds.SeriesInstanceUID),
                                      str(ds.SOPInstanceUID), str(ds.SOPClassUID),
                                      "Prior^Test", PATIENT_ID, "20200101", "", "", "CT"),
                               path, path.stat().st_size, source="opened",
                               folder=str(written.folder))
    current = StudyFacts("1.2.3", PATIENT_ID, "", "20261201", ("CT",), "CHEST")
    answer = find_local(store, current)
    assert len(answer.priors) == ns.priors, answer

    def plain_search() -> object:
        with StudyIndex.open(store, reconcile=False) as index:
            return [r for r in index.search(PATIENT_ID) if r.patient_id == PATIENT_ID]

    look_up = _median_ms(ns.rounds, {"find_local": lambda: find_local(store, current),
                                     "search": plain_search})
    loadavg = Path("/proc/loadavg")
    uptime = loadavg.read_text().split()[0] if loadavg.exists() else "?"
    print(f"store: {ns.studies} studies, {ns.priors} of the patient; load average {uptime}")
    print(f"priors local look-up {look_up['find_local']:.1f} ms  "
          f"(study list search alone {look_up['search']:.1f} ms: "
          f"{look_up['find_local'] / look_up['search']:.2f}x)")

    a = scan([write_study(work / "a", date="20261201", slices=ns.slices).folder]).studies[0]
    b = scan([write_study(work / "b", date="20250101", slices=ns.slices, z0=37.0).folder]
             ).studies[0]
    same = scan([write_study(work / "c", date="20250101", slices=ns.slices, z0=37.0,
                             frame_of_reference=str(a.series[0].frames[0].instance.header
                                                    .FrameOfReferenceUID)).folder]).studies[0]
    link = centre_offset(a.series[0], b.series[0])
    assert link is not None
    count = len(a.series[0].frames)
    scrolls = _median_ms(ns.rounds, {
        "offset": lambda: [link.target_index(i) for i in range(count)],
        "position": lambda: [linked_index(a.series[0], i, same.series[0])
                             for i in range(count)]})
    print(f"scroll link per slice ({count} slices)  offset {scrolls['offset'] / count * 1000:.1f} us  "
          f"(by position {scrolls['position'] / count * 1000:.1f} us: "
          f"{scrolls['offset'] / scrolls['position']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
