"""Hostile and damaged files: refused by name, never a traceback, a signal, a hang or a
memory blow-up.

Mutations of pydicom's sample files (truncation, byte flips, huge or inconsistent header
values, compression bombs, deep sequence nesting) go through scan + read_frame in a child
process whose address space is capped (RLIMIT_AS) and whose run time is bounded; a few
also go through ``lightbox info`` and ``lightbox render``. The seed is fixed, so a
failure names a file that can be made again. The cases of issue 10 are named tests.
"""

from __future__ import annotations

import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    RLELossless,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from viewer.errors import FileProblemError
from viewer.io import decode_pool
from viewer.io.budget import MAX_INFLATED_BYTES
from viewer.io.cache import FrameCache
from viewer.io.loader import SeriesLoader
from viewer.io.model import FrameRef
from viewer.io.pixels import DECODER_CRASHED, read_frame
from viewer.io.scan import scan

from .conftest import sample

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("fuzz_child.py")
SEED = 20261206
#: Address space of the child: Python, numpy and pydicom take about 0.5 GiB of it.
MEMORY_LIMIT = 3 << 30
#: What the child may really use (peak resident set) whatever the files claim.
RSS_BUDGET = 1 << 30
SAMPLES = (
    "CT_small.dcm",  # native 16-bit
    "MR_small_RLE.dcm",
    "SC_rgb_rle.dcm",
    "JPEG2000.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "SC_rgb_jpeg_gdcm.dcm",
    "image_dfl.dcm",  # deflated
)
HEADER_VALUES = {
    "Rows": (0, 1, 65535, 3),
    "Columns": (0, 65535, 7),
    "NumberOfFrames": (0, -1, 2**31, 2**31 - 1, 1000, "x"),
    "BitsAllocated": (0, 1, 7, 32, 64, 65535),
    "SamplesPerPixel": (0, 3, 4, 65535),
}


# -- running the reader in a child -------------------------------------------------------


def run_child(paths: list[Path], timeout: float = 60.0) -> tuple[list[dict], int]:
    """The child's record per file and its peak resident memory in bytes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(CHILD), str(MEMORY_LIMIT), *map(str, paths)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT,
    )
    assert proc.returncode == 0, f"child died (rc {proc.returncode}): {proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return lines[:-1], lines[-1]["peak_rss"]


def assert_survived(records: list[dict], count: int) -> None:
    assert len(records) == count
    for record in records:
        assert record["outcome"] != "bug", f"{record['file']}:\n{record.get('traceback')}"
        for reason in record.get("problems", []) + record.get("frame_problems", []):
            assert reason and isinstance(reason, str), record  # every refusal is named


def cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-m", "viewer", *args], capture_output=True, text=True,
        timeout=timeout, env=env, cwd=ROOT, preexec_fn=limit,
    )


def assert_cli_refused_by_name(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode >= 0, f"killed by signal {signal.Signals(-proc.returncode).name}"
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert "unexpected error" not in proc.stderr, proc.stderr


# -- making hostile files ----------------------------------------------------------------


def truncations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    cuts = {1, 131, 132, 200, len(data) // 2, len(data) - 1}
    cuts.update(rng.randrange(1, len(data)) for _ in range(count))
    return [data[:c] for c in sorted(cuts)]


def byte_flips(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(rng.choice((1, 2, 8, 64))):
            i = rng.randrange(128, len(buf))  # the preamble means nothing
            buf[i] = rng.randrange(256)
        out.append(bytes(buf))
    return out


def with_header_value(path: Path, keyword: str, value: object, out: Path) -> bool:
    """Write ``path`` with one header value replaced, pixel data untouched."""
    ds = pydicom.dcmread(path, force=True)
    try:
        if value == "x":
            ds[keyword].value = "x"  # pydicom validation is off: written as given
        else:
            setattr(ds, keyword, value)
        ds.save_as(out, enforce_file_format=False)
    except Exception:  # a value pydicom cannot even write is not a file to test
        return False
    return True


def deep_nesting(depth: int) -> bytes:
    """A file meta header then ``depth`` nested sequences of undefined length."""
    sq = struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    end_item = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    end_sq = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    return meta_bytes(ExplicitVRLittleEndian) + (sq + item) * depth + (end_item + end_sq) * depth


def meta_bytes(transfer_syntax: str) -> bytes:
    import io

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = transfer_syntax
    buf = io.BytesIO()
    buf.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(buf, meta, enforce_standard=True)
    return buf.getvalue()


def image_dataset(rows: int, columns: int, bits: int, frames: int | None = None) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if frames is not None:
        ds.NumberOfFrames = frames
    return ds


def write_rle(path: Path, ds: Dataset, frames: list[bytes]) -> Path:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = RLELossless
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def rle_header(offsets: list[int]) -> bytes:
    header = struct.pack("<I", len(offsets)) + b"".join(struct.pack("<I", o) for o in offsets)
    return header + b"\0" * (64 - len(header))


def panicking_rle(path: Path) -> Path:
    """A 4 × 4 16-bit RLE frame whose first segment's literal run (41 bytes) overruns the
    16 bytes the segment decodes to, and whose offsets leave it 8 bytes: pylibjpeg-rle 2.x
    indexes past its buffer and panics (a Rust ``PanicException``, a BaseException)."""
    frame = rle_header([64, 72]) + bytes.fromhex("28ff6ea364cdb9dcfe82f35f8bef7180")
    return write_rle(path, image_dataset(4, 4, 16), [frame])


def deflate_bomb(path: Path, inflated: int) -> Path:
    """A deflated data set of about ``inflated`` bytes (one huge private OB value of
    zeros) in about ``inflated / 1000`` bytes: each 1 MiB of zeros is one identical
    full-flushed deflate block, written again and again."""
    chunk = 1 << 20
    element = struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, (inflated // 2) * 2)
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = comp.compress(element) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(b"\0" * chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(b"\0" * chunk) + comp.flush(zlib.Z_FULL_FLUSH) == block
    with path.open("wb") as f:
        f.write(meta_bytes(DeflatedExplicitVRLittleEndian))
        f.write(head)
        for _ in range(inflated // chunk):
            f.write(block)
        f.write(comp.flush())
    return path


# -- the cases -------------------------------------------------------------------


def test_two_to_the_31_frames_is_refused_at_scan_without_allocating(tmp_path):
    for name in ("JPEG2000.dcm", "MR_small_RLE.dcm"):
        assert with_header_value(sample(name), "NumberOfFrames", 2**31, tmp_path / name)
    start = time.monotonic()
    records, peak = run_child(sorted(tmp_path.iterdir()), timeout=30)
    assert_survived(records, 2)
    for record in records:
        assert record["outcome"] == "ok" and record["frames"] == 0
        assert "2,147,483,648 frames" in record["problems"][0]
    assert time.monotonic() - start < 20
    assert peak < RSS_BUDGET // 4


def test_deflate_bomb_is_refused_before_inflating(tmp_path):
    bomb = deflate_bomb(tmp_path / "bomb.dcm", MAX_INFLATED_BYTES + (64 << 20))
    assert bomb.stat().st_size < 2 << 20  # about a megabyte on disk
    records, peak = run_child([bomb], timeout=60)
    assert_survived(records, 1)
    assert "deflated" in records[0]["problems"][0]
    assert "compression bomb" in records[0]["problems"][0]
    assert peak < RSS_BUDGET // 4  # nothing of the inflated gigabyte was kept


def test_small_honest_deflated_file_still_opens(tmp_path):
    records, _ = run_child([sample("image_dfl.dcm")])
    assert records[0]["outcome"] == "ok" and records[0]["frames"] == 1


def test_rle_panic_is_a_file_problem_not_a_crash(tmp_path):
    path = panicking_rle(tmp_path / "panic.dcm")
    result = scan([path])
    inst = result.studies[0].series[0].instances[0]
    with pytest.raises(FileProblemError) as caught:
        read_frame(FrameRef(inst, 0))
    assert caught.value.reason == DECODER_CRASHED
    assert caught.value.path == path


def test_rle_panic_in_the_loader_fails_the_frame_and_keeps_the_pool(tmp_path):
    """Through the decoder process pool, as the viewer loads: the frame ends as a failure
    (never "loading"), the pool stays on, and the next good frame decodes in it."""
    import threading

    bad = panicking_rle(tmp_path / "panic.dcm")
    series = scan([bad]).studies[0].series[0]
    done = threading.Event()
    errors: list[tuple[int, Exception]] = []
    frames: list[int] = []

    def on_error(i: int, exc: Exception) -> None:
        errors.append((i, exc))
        done.set()

    def on_frame(i: int) -> None:
        frames.append(i)
        done.set()

    loader = SeriesLoader(series, FrameCache(64 << 20), on_frame=on_frame,
                          on_error=on_error, workers=2)
    try:
        loader.request(0)
        assert done.wait(30), "the frame stayed loading"
    finally:
        loader.close()
    assert frames == [] and len(errors) == 1
    assert isinstance(errors[0][1], FileProblemError)
    assert errors[0][1].reason == DECODER_CRASHED
    assert not decode_pool._disabled  # never switched off for the session
    assert_next_frame_decodes_in_a_pool()


def test_rle_panic_on_the_command_line_is_a_message(tmp_path):
    path = panicking_rle(tmp_path / "panic.dcm")
    proc = cli("render", str(path), "-o", str(tmp_path / "out.png"))
    assert_cli_refused_by_name(proc)
    assert proc.returncode == 1 and "decoder crashed" in proc.stderr
    assert not (tmp_path / "out.png").exists()


def test_valid_65535_square_rle_is_refused_by_size_not_aborted(tmp_path):
    """A valid RLE image of 65535 × 65535 8-bit pixels (every row a run of zeros, 67 MB on
    disk): refused by its size at scan, in the command line too, without a signal."""
    row = b"\x81\x00" * 511 + b"\x82\x00"  # 511 × 128 + 127 = 65535 zeros
    frame = rle_header([64]) + row * 65535
    path = write_rle(tmp_path / "huge.dcm", image_dataset(65535, 65535, 8), [frame])
    records, peak = run_child([path], timeout=60)
    assert_survived(records, 1)
    assert "too large to display" in records[0]["problems"][0]
    assert "65535 × 65535" in records[0]["problems"][0]
    proc = cli("render", str(path), "-o", str(tmp_path / "out.png"))
    assert_cli_refused_by_name(proc)
    assert proc.returncode == 1 and "too large to display" in proc.stderr


def test_deep_sequence_nesting_is_refused_by_name(tmp_path):
    paths = []
    for depth in (100, 5000):
        paths.append(tmp_path / f"deep{depth}.dcm")
        paths[-1].write_bytes(deep_nesting(depth))
    records, _ = run_child(paths)
    assert_survived(records, 2)


# -- the fuzzing suite -------------------------------------------------------------------


def mutants(tmp_path: Path, rng: random.Random, per_sample: int) -> list[Path]:
    paths: list[Path] = []

    def add(name: str, data: bytes) -> None:
        paths.append(tmp_path / f"{len(paths):04d}-{name}")
        paths[-1].write_bytes(data)

    for name in SAMPLES:
        data = sample(name).read_bytes()
        for data_cut in truncations(data, rng, per_sample):
            add(f"cut-{name}", data_cut)
        for flipped in byte_flips(data, rng, per_sample):
            add(f"flip-{name}", flipped)
        for keyword, values in HEADER_VALUES.items():
            for value in values:
                out = tmp_path / f"{len(paths):04d}-{keyword}-{name}"
                if with_header_value(sample(name), keyword, value, out):
                    paths.append(out)
    return paths


def test_fuzzed_samples_are_shown_or_refused_by_name(tmp_path):
    rng = random.Random(SEED)
    paths = mutants(tmp_path, rng, per_sample=40)
    assert len(paths) > 600
    start = time.monotonic()
    records, peak = run_child(paths, timeout=120)
    assert_survived(records, len(paths))
    assert peak < RSS_BUDGET
    slowest = max(records, key=lambda r: r["seconds"])
    assert slowest["seconds"] < 10, slowest
    assert time.monotonic() - start < 120
    outcomes = {r["outcome"] for r in records}
    assert outcomes == {"ok"}  # problems are in the records, named; nothing escaped


@pytest.mark.parametrize("command", ["info", "render"])
def test_fuzzed_subset_through_the_command_line(tmp_path, command):
    rng = random.Random(SEED + 1)
    chosen = rng.sample(mutants(tmp_path, rng, per_sample=2), 6)
    for path in chosen:
        args = [str(path)] if command == "info" else [str(path), "-o", str(tmp_path / "o.png")]
        proc = cli(command, *args)
        assert_cli_refused_by_name(proc)
        if proc.returncode != 0:
            assert (proc.stderr + proc.stdout).strip(), f"{path.name}: refused without a reason"


@pytest.mark.slow
def test_many_more_fuzzed_samples(tmp_path):
    rng = random.Random(SEED + 2)
    paths = mutants(tmp_path, rng, per_sample=400)
    records, peak = run_child(paths, timeout=600)
    assert_survived(records, len(paths))
    assert peak < RSS_BUDGET


def test_frames_read_are_arrays(tmp_path):
    """The suite itself reads real pixels: an unmutated sample decodes in the child."""
    records, _ = run_child([sample(n) for n in SAMPLES])
    assert [r["frames"] for r in records] == [1, 1, 1, 1, 1, 1, 1]
    assert np.all([r["problems"] == [] for r in records])


def test_a_decoder_process_that_dies_fails_its_frame_and_the_pool_restarts(tmp_path):
    """A worker killed mid-decode (what an abort, a segfault or the OOM killer does): the
    frame ends as a named failure, it is not decoded again in the app's own process, and
    the next frame gets a fresh pool."""
    import threading

    n = 16384  # 2**28 pixels, the largest frame allowed: about a second to decode
    frame = rle_header([64]) + b"\x81\x00" * (n // 128) * n
    path = write_rle(tmp_path / "big.dcm", image_dataset(n, n, 8), [frame])
    series = scan([path]).studies[0].series[0]
    decode_pool.warm_up()
    pool = decode_pool.get_pool()
    if pool is None:
        pytest.skip("no decoder pool on a single-core machine")
    done = threading.Event()
    errors: list[Exception] = []
    cache = FrameCache(64 << 20)
    loader = SeriesLoader(series, cache, on_frame=lambda i: done.set(),
                          on_error=lambda i, exc: (errors.append(exc), done.set()), workers=2)
    try:
        loader.request(0)
        time.sleep(0.3)
        for process in list(pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        assert done.wait(30), "the frame stayed loading"
    finally:
        loader.close()
    assert len(errors) == 1 and isinstance(errors[0], FileProblemError)
    assert errors[0].reason == DECODER_CRASHED
    assert loader.get(0) is None  # not decoded again here
    assert not decode_pool._disabled
    assert_next_frame_decodes_in_a_pool()
    assert decode_pool.get_pool() is not pool


def assert_next_frame_decodes_in_a_pool() -> None:
    import threading

    good = scan([sample("MR_small_RLE.dcm")]).studies[0].series[0]
    arrived = threading.Event()
    with SeriesLoader(good, FrameCache(64 << 20), on_frame=lambda i: arrived.set(),
                      workers=2) as again:
        again.request(0)
        assert arrived.wait(30)
        frame = again.get(0)
        assert frame is not None and frame.shape == (64, 64)
    assert decode_pool.get_pool() is not None


def test_a_codestream_larger_than_its_header_is_refused_before_decoding(tmp_path):
    """The decoder allocates what the JPEG 2000 SIZ marker says, not what Rows and Columns
    say: a codestream claiming 256 × 1,377,280 pixels in a 256 × 1024 image (one flipped
    byte; openjpeg took 2 GiB for it) is refused by name."""
    data = bytearray(sample("JPEG2000.dcm").read_bytes())
    siz = data.find(b"\xff\x4f\xff\x51")
    data[siz + 13] ^= 0x15  # Ysiz's second byte
    path = tmp_path / "siz.dcm"
    path.write_bytes(bytes(data))
    records, peak = run_child([path])
    assert_survived(records, 1)
    (reason,) = records[0]["frame_problems"]
    assert "JPEG 2000" in reason and "its header describes" in reason
    assert peak < RSS_BUDGET // 4
