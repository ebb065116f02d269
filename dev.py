#!/usr/bin/env python3
"""Set up and run Lightbox from a fresh clone with nothing but Python 3.11.

    python3 dev.py demo      # create .venv, install, open the viewer on the demo study
    python3 dev.py test      # create .venv, install with test tools, run the whole suite
    python3 dev.py lint      # ruff, the import contracts and mypy (config: pyproject.toml)

Extra arguments are passed on (``python3 dev.py test -k io``,
``python3 dev.py demo --screenshot out.png``). The install step is skipped when
pyproject.toml has not changed since the last one, so repeated runs start at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("LIGHTBOX_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        sys.exit(f"Lightbox needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".lightbox-installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing Lightbox{f' [{extras}]' if extras else ''} into {VENV}", flush=True)
    target = f".[{extras}]" if extras else "."
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-e", target], cwd=ROOT, check=True)
    stamp.write_text(digest)


def _ensure_web() -> None:
    """Build the web viewer (web/, served by ``lightbox serve`` at /web/) with the npm
    registry's tools: ``npm ci`` when the lockfile changed, then ``npm run build`` into
    viewer/service/webapp/. Without npm the web tests skip and say why."""
    web = ROOT / "web"
    npm = shutil.which("npm")
    if npm is None or not (web / "package.json").exists():
        print("npm not found: the web viewer is not built (its tests skip)", flush=True)
        return
    lock = hashlib.sha256((web / "package-lock.json").read_bytes()).hexdigest()[:16]
    stamp = web / "node_modules" / ".lightbox-installed"
    if not (stamp.exists() and stamp.read_text() == lock):
        print("installing the web viewer's packages (npm ci)", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=web, check=True)
        stamp.write_text(lock)
    subprocess.run([npm, "run", "--silent", "build"], cwd=web, check=True,
                   stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "lint"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if command == "demo":
        _ensure_env("")
        return subprocess.call([str(PYTHON), "-m", "viewer", "--demo", *rest], cwd=ROOT)
    _ensure_env("test")
    if command == "lint":
        ruff = subprocess.call([str(PYTHON), "-m", "ruff", "check", "viewer", "tests"], cwd=ROOT)
        contracts = subprocess.call([str(BIN / "lint-imports")], cwd=ROOT)
        types = subprocess.call([str(PYTHON), "-m", "mypy"], cwd=ROOT)
        return ruff or contracts or types
    _ensure_web()
    # Tests never need a screen: Qt renders offscreen unless the caller chose otherwise.
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
