"""Run files through scan + read_frame under a memory limit; one JSON line per file.

Started by ``test_fuzz.py`` as ``python fuzz_child.py LIMIT_BYTES FILE...``. The address
space is capped with RLIMIT_AS before Lightbox is imported, so a file that makes the
reader allocate past its budget fails here, in this child, never in the test process.
Each line says what the reader made of one file: ``ok`` with the frames read, or
``problem`` with the reason, or ``bug`` with the traceback (what the test refuses).
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback

#: Frames read per file: the first and the last exercise the offsets of every frame.
_FRAMES = (0, -1)


def peak_rss() -> int:
    """Peak resident memory of this process in bytes. VmHWM belongs to the address space,
    which exec replaces; ``ru_maxrss`` keeps the (larger) parent's high-water mark."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _frames_of(count: int) -> list[int]:
    return sorted({f % count for f in _FRAMES})


def _one(path: str) -> dict[str, object]:
    from pathlib import Path

    from viewer.errors import FileProblemError
    from viewer.io.model import FrameRef
    from viewer.io.pixels import read_frame
    from viewer.io.scan import scan

    start = time.monotonic()
    out: dict[str, object] = {"file": Path(path).name}
    try:
        result = scan([path])
        out["problems"] = [p.reason for p in result.problems]
        read = 0
        for study in result.studies:
            for series in study.series:
                for inst in series.instances:
                    if inst.pixel is None:
                        continue
                    for frame in _frames_of(inst.number_of_frames):
                        try:
                            read_frame(FrameRef(inst, frame))
                            read += 1
                        except FileProblemError as exc:
                            out.setdefault("frame_problems", []).append(exc.reason)  # type: ignore[union-attr]
        out["outcome"] = "ok"
        out["frames"] = read
    except FileProblemError as exc:
        out["outcome"] = "problem"
        out["problems"] = [exc.reason]
    except BaseException:  # noqa: BLE001 - the test wants to see anything else
        out["outcome"] = "bug"
        out["traceback"] = traceback.format_exc()
    out["seconds"] = round(time.monotonic() - start, 3)
    # Peak resident memory so far: where it jumps names the file that cost it.
    out["peak_rss"] = peak_rss()
    return out


def main(argv: list[str]) -> int:
    limit = int(argv[0])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for path in argv[1:]:
        print(json.dumps(_one(path)), flush=True)
    print(json.dumps({"peak_rss": peak_rss()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
