"""The layers stay clean: one ordered layering of viewer/'s rooms, only viewer.ui imports
Qt, nothing imports torch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("module", "source", "broken"), [
    # A module added to a low room that imports a room above it.
    ("viewer/io/probe_upward.py", "import viewer.state.view\n", "Layers BROKEN"),
    ("viewer/host/probe_upward.py", "from viewer.io import model\n", "Layers BROKEN"),
    # A new room nobody placed in the layering.
    ("viewer/newroom/__init__.py", "", "Layers BROKEN"),
    # Qt below the UI, even in a brand-new module of a core room.
    ("viewer/state/probe_qt.py", "import PySide6.QtCore\n", "Only viewer.ui imports Qt BROKEN"),
    # The web stack (the server extra) outside viewer/service, and Qt inside it.
    ("viewer/inference/probe_web.py", "import fastapi\n",
     "Only viewer.service imports the web stack BROKEN"),
    ("viewer/state/probe_pydantic.py", "from pydantic import BaseModel\n",
     "Only viewer.service imports the web stack BROKEN"),
    ("viewer/service/probe_qt.py", "import PySide6.QtCore\n", "Only viewer.ui imports Qt BROKEN"),
    ("viewer/service/probe_ui.py", "import viewer.ui.app\n", "Layers BROKEN"),
    # Ray (`lightbox batch --ray`, `lightbox serve --ray`) anywhere but its two modules.
    ("viewer/batch/probe_ray.py", "import ray\n",
     "Only viewer.service.ray_batch and viewer.service.ray_serve import Ray BROKEN"),
    ("viewer/cli/probe_ray.py", "from ray import serve\n",
     "Only viewer.service.ray_batch and viewer.service.ray_serve import Ray BROKEN"),
    ("viewer/inference/probe_batch.py", "import viewer.batch.job\n", "Layers BROKEN"),
])
def test_the_contracts_catch_a_module_added_in_the_wrong_place(tmp_path, module, source, broken):
    """The contracts name rooms, not modules: whatever is added later is covered at once."""
    shutil.copytree(ROOT / "viewer", tmp_path / "viewer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    added = tmp_path / module
    added.parent.mkdir(exist_ok=True)
    added.write_text(source)
    lint = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, env=env)
    assert done.returncode != 0
    assert broken in done.stdout, done.stdout + done.stderr


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
import viewer.imaging.presets, viewer.state.view, viewer.io.demo, viewer.tasks.cancel
from viewer.cli.main import main
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
