"""A small archive of real DICOM studies for the batch tests and bench_batch: phantom CT
series of a few slices (one study each, its own UIDs by seed), and, on request, a file
that is not DICOM and a study without pixels (an instance whose pixel data was removed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import generate_uid

from viewer.io.demo import write_phantom_series

ROOT = Path(__file__).resolve().parents[2]


def write_archive(dest: Path, studies: int, *, slices: int = 2, size: int = 32,
                  broken: bool = False) -> list[Path]:
    """``studies`` study folders under ``dest`` (returned); ``broken`` adds a corrupt file
    and a study with no image."""
    folders = []
    for seed in range(studies):
        folder = dest / f"study-{seed:04d}"
        write_phantom_series(folder, slices=slices, size=size, seed=seed)
        folders.append(folder)
    if broken:
        (dest / "corrupt.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00garbage")
        ds = dcmread(folders[0] / "CT0001.dcm")
        del ds.PixelData
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        (dest / "no-image").mkdir()
        ds.save_as(dest / "no-image" / "header-only.dcm", enforce_file_format=True)
    return folders


def lightbox(*args: str) -> subprocess.Popen[str]:
    """``lightbox ARGS`` as its own process (and process group), this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "viewer", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def processes() -> dict[int, tuple[int, str]]:
    """Every process of this machine: pid → (parent pid, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = (ppid, cmdline)
    return found
