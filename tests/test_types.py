"""The type checker runs in CI: mypy is clean, strict on the Qt-free rooms, and a looser
but real check on the UI and modelkit (every function annotated).

The configuration is in pyproject.toml ([tool.mypy]) and names packages, not files: a
module added to a room is checked the day it lands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mypy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_mypy_is_clean():
    done = _mypy()  # what `python3 dev.py lint` runs: the whole viewer package
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


UNTYPED = "def f(x):\n    return x\n"
BARE_GENERIC = "def f(x: dict) -> dict:\n    return x\n"


@pytest.mark.parametrize(("module", "source", "error"), [
    # Strict in every Qt-free room, even for a module added later.
    ("viewer/io/probe_types.py", BARE_GENERIC, "[type-arg]"),
    ("viewer/state/probe_types.py", BARE_GENERIC, "[type-arg]"),
    ("viewer/newroom/probe_types.py", UNTYPED, "[no-untyped-def]"),
    # The UI is checked too: every function annotated.
    ("viewer/ui/probe_types.py", UNTYPED, "[no-untyped-def]"),
    ("viewer/modelkit/probe_types.py", UNTYPED, "[no-untyped-def]"),
    # ...but PySide6's and torch's generics are not made strict there.
    ("viewer/ui/probe_types.py", BARE_GENERIC, None),
])
def test_the_configuration_covers_modules_added_later(tmp_path, module, source, error):
    added = tmp_path / module
    added.parent.mkdir(parents=True)
    for folder in (tmp_path / "viewer", added.parent):
        (folder / "__init__.py").touch()
    added.write_text(source)
    name = module.removesuffix(".py").replace("/", ".")
    done = _mypy("--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
                 str(tmp_path / "cache"), "-m", name, cwd=tmp_path)
    if error is None:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode == 1 and error in done.stdout, done.stdout + done.stderr
