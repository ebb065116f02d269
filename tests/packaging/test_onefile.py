"""The single file on a machine whose temporary folder is mounted ``noexec``: the guide's
remedy (docs/install.md, "The single file on a machine whose /tmp is noexec") works, and
the failure it describes is the one a user sees.

Runs against the single file named by ``LIGHTBOX_ONEFILE``
(``python packaging/build.py --onefile``); CI does not build it, to keep its time. Mounting
the ``noexec`` tmpfs needs root and a kernel that allows it; the test skips, saying why,
where it cannot.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

ONEFILE_ENV = "LIGHTBOX_ONEFILE"


@pytest.fixture(scope="module")
def single_file() -> Path:
    value = os.environ.get(ONEFILE_ENV)
    if not value:
        pytest.skip(f"no single file to test: set {ONEFILE_ENV}=dist/lightbox-<version>-...")
    path = Path(value).resolve()
    assert path.is_file(), f"{ONEFILE_ENV}={value} is not a file"
    return path


@pytest.fixture
def noexec_tmp(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a noexec tmpfs needs root")
    mount = tmp_path / "noexec"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,size=512m", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a noexec tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def clean_env(home: Path, tmpdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTBOX_")}
    return {**env, "HOME": str(home), "TMPDIR": str(tmpdir)}


def test_noexec_tmp_fails_as_documented_and_the_guides_remedy_works(
        single_file: Path, noexec_tmp: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    failed = subprocess.run([str(single_file), "--version"], capture_output=True, text=True,
                            env=clean_env(home, noexec_tmp), timeout=120)
    assert failed.returncode != 0
    guide = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    assert "failed to map segment from shared" in guide
    assert "failed to map segment" in failed.stderr  # what the guide tells the user to expect
    block = re.search(r"<!-- onefile-noexec -->\n```sh\n(.*?)```", guide, re.S)
    assert block is not None
    script = block.group(1).replace("./lightbox-0.1.0-linux-x86_64", str(single_file))
    done = subprocess.run(script, shell=True, capture_output=True, text=True, cwd=tmp_path,
                          env=clean_env(home, noexec_tmp), timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Self-test passed" in done.stdout
