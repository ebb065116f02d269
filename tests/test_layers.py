"""The layers stay clean: only viewer.ui imports Qt, nothing imports torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


BLOCKER = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'torch'}:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
"""


def test_core_and_headless_commands_run_without_qt(tmp_path, pydicom_files):
    """The core and `lightbox info/render` work where Qt (and torch) cannot be imported."""
    out = tmp_path / "ct.png"
    code = BLOCKER + f"""
import viewer.io.scan, viewer.io.loader, viewer.io.pixels, viewer.imaging.render
import viewer.imaging.presets, viewer.state, viewer.demo, viewer.tasks
from viewer.cli import main
assert main(['info', {str(pydicom_files / 'CT_small.dcm')!r}]) == 0
assert main(['render', {str(pydicom_files / 'CT_small.dcm')!r}, '-o', {str(out)!r}]) == 0
assert not any(m.split('.')[0] in ('PySide6', 'shiboken6', 'torch') for m in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.is_file()


def test_one_ruff_profile_is_clean():
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "check", "--output-format", "concise", "viewer", "tests", "bench", "dev.py"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
