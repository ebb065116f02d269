"""The audit record of an AI run: ms per record and fsyncs per record, against its floor.

    .venv/bin/python bench/bench_audit.py [--records 50] [--rounds 5] [--no-strace]

In one process, in interleaved rounds (each round runs every contestant ``--records``
times, in turn), medians over the rounds of the mean time per record:

* record     ``AuditLog.append`` as ``run_model`` calls it (signed, chained, the key state
             and head updated): one fsync, the log line's.
* five-fsync the writer before issue 13's change, rebuilt here from the same library
             calls (the same record, signatures, key state and head) with its durability:
             the log line fsynced, then the key state and the head each written with
             ``write_atomic`` (the file and its folder fsynced): five fsyncs.
* floor      one line of the same length appended to a file in the same folder and
             fsynced: what any durable record costs on this disk.
* no fsync   the record without any fsync (the log line only written): the CPU part.

The fsync count per record is counted twice: ``os.fsync`` calls during the appends (this
process), and, when ``strace`` is installed, ``strace -f -c -e trace=fsync,fdatasync`` on a
child process that appends ``--records`` records to a log that already exists. The audit
folder is a temporary folder on the same file system as ``TMPDIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from viewer.audit import log as audit_log  # noqa: E402
from viewer.audit.chain import head_of, link, link_hash  # noqa: E402
from viewer.audit.signing import ChainState, load_state, new_key, save_state  # noqa: E402
from viewer.host.files import write_atomic  # noqa: E402

RECORD = audit_log.AuditRecord("ct-body-seg", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1.x",
                               0.0123, 1, "ok")


class FsyncCount:
    """Counts ``os.fsync`` calls while it is installed (the bench's own instrument)."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = os.fsync

    def __enter__(self) -> FsyncCount:
        def counting(fd: int) -> None:
            self.calls += 1
            self._real(fd)

        os.fsync = counting  # type: ignore[assignment]
        return self

    def __exit__(self, *_: object) -> None:
        os.fsync = self._real  # type: ignore[assignment]


def five_fsync_append(log: audit_log.AuditLog) -> None:
    """The writer before this change: a random next key, and the key state and head made
    durable (file and folder) before the run returns. Same records, same library."""
    state = load_state(log.path)
    fd = os.open(log.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        audit_log._lock_file(fd)
        previous = audit_log._read_tail(fd).last
        seed = state.next_seed if state is not None else new_key()[0]
        next_seed = new_key()[0]
        entry = link(RECORD.as_dict(), previous, seed, next_seed)
        os.write(fd, (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode())
        os.fsync(fd)
        chain = state.chain if state is not None else "bench"
        save_state(log.path, ChainState(chain, entry["seq"], link_hash(entry), next_seed))
        write_atomic(log.head_path, json.dumps(head_of(entry, next_seed), sort_keys=True),
                     mode=0o600)
    finally:
        os.close(fd)


def no_fsync_append(log: audit_log.AuditLog) -> None:
    real = os.fsync
    os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        log.append(RECORD)
    finally:
        os.fsync = real  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50, help="records per contestant per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-strace", action="store_true")
    ns = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-audit-") as tmp:
        os.environ["LIGHTBOX_CONFIG_DIR"] = str(Path(tmp) / "config")
        folder = Path(tmp) / "audit"
        folder.mkdir()
        logs = {name: audit_log.AuditLog(folder / f"ai-runs-{name}.jsonl")
                for name in ("record", "five", "nofsync")}
        line = (json.dumps(logs["record"].append(RECORD), sort_keys=True) + "\n").encode()
        five_fsync_append(logs["five"])
        logs["nofsync"].append(RECORD)
        floor_fd = os.open(folder / "floor", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

        def floor() -> None:
            os.write(floor_fd, line)
            os.fsync(floor_fd)

        contestants: dict[str, Callable[[], None]] = {
            "record": lambda: logs["record"].append(RECORD),
            "five-fsync": lambda: five_fsync_append(logs["five"]),
            "floor": floor,
            "no fsync": lambda: no_fsync_append(logs["nofsync"]),
        }
        times: dict[str, list[float]] = {name: [] for name in contestants}
        fsyncs: dict[str, int] = dict.fromkeys(contestants, 0)
        for _ in range(ns.rounds):
            for name, append in contestants.items():
                with FsyncCount() as count:
                    t0 = time.perf_counter()
                    for _ in range(ns.records):
                        append()
                    times[name].append((time.perf_counter() - t0) / ns.records * 1000)
                fsyncs[name] += count.calls
        os.close(floor_fd)
        ms = {name: statistics.median(t) for name, t in times.items()}
        per = {name: fsyncs[name] / (ns.rounds * ns.records) for name in contestants}
        print(f"[audit] {ns.records} records x {ns.rounds} interleaved rounds, medians; "
              f"load average {os.getloadavg()[0]:.1f}")
        for name in contestants:
            print(f"  {name:<11} {ms[name]:7.3f} ms/record   {1000 / ms[name]:8.0f} records/s   "
                  f"{per[name]:.1f} fsync(s) per record   ({ms[name] / ms['floor']:.2f}x the "
                  "one-fsync floor)")
        print(f"  record / five-fsync: {ms['record'] / ms['five-fsync']:.2f}x")
        if not ns.no_strace:
            strace_count(folder, ns.records)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


CHILD = """
import sys
from viewer.audit import log as audit_log
log = audit_log.AuditLog(sys.argv[1])
record = audit_log.AuditRecord("m", "1", "d" * 64, "h" * 32, "ort", 0.0, 1, "ok")
for _ in range(int(sys.argv[2])):
    log.append(record)
"""


def strace_count(folder: Path, records: int) -> None:
    strace = shutil.which("strace")
    if strace is None:
        print("[strace] skipped: strace is not installed")
        return
    log = folder / "ai-runs-record.jsonl"  # exists: steady state, no file is created
    done = subprocess.run([strace, "-f", "-c", "-e", "trace=fsync,fdatasync", sys.executable,
                           "-c", CHILD, str(log), str(records)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    calls = 0
    for row in done.stderr.splitlines():
        cells = row.split()
        if cells and cells[-1] in ("fsync", "fdatasync"):
            calls += int(cells[3])
    if done.returncode != 0:
        print(f"[strace] failed ({done.returncode}): {done.stderr.strip()[-200:]}")
        return
    print(f"[strace] {records} appends to an existing log in a child process: {calls} "
          f"fsync/fdatasync calls ({calls / records:.2f} per record)")


if __name__ == "__main__":
    raise SystemExit(main())
