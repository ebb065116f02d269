"""size_report.py groups a folder build by dependency and compares two builds."""

from __future__ import annotations

import subprocess
import sys

from .conftest import PACKAGING


def _fake_build(root, extra: int):
    files = {
        "lightbox": 300,
        "_internal/numpy/_core/_multiarray_umath.so": 100,
        "_internal/numpy.libs/libopenblas.so": 200,
        "_internal/PySide6/Qt/lib/libicudata.so.73": 50 + extra,
        "_internal/PySide6/Qt/lib/libQt6Core.so.6": 70,
        "_internal/highdicom/_standard/module_attribute_map.json": 10,
    }
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    return root


def test_groups_by_dependency_and_compares(tmp_path):
    now = _fake_build(tmp_path / "now", 0)
    before = _fake_build(tmp_path / "before", 1_000_000)
    out = subprocess.run(
        [sys.executable, str(PACKAGING / "size_report.py"), str(now), "--against", str(before)],
        capture_output=True, text=True, check=True).stdout
    lines = {line[:48].strip(): line[48:].split() for line in out.splitlines()}
    assert lines["numpy"][0] == "0.00" and "Qt: ICU" in lines and "highdicom" in lines
    assert lines["Qt: ICU"][2] == "-1.00"  # a megabyte less than before
    assert lines["executable (lightbox)"]
    assert "budget 180 MB" in out


def test_the_folder_build_stays_within_the_size_budget(frozen_dir):
    """Issue 13: the frozen folder under 180 MB. What grew is in the message, largest
    first, as ``size_report.py`` lists it (bench/README.md has the last table)."""
    import size_report

    groups = size_report.sizes(frozen_dir)
    total = sum(groups.values()) / 1e6
    largest = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in groups.most_common(8))
    assert total < size_report.BUDGET_MB, (
        f"{frozen_dir} is {total:.1f} MB, over the {size_report.BUDGET_MB:.0f} MB budget; "
        f"largest (MB): {largest}")
