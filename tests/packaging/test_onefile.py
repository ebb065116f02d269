"""The Linux single file (``packaging/onefile.py``) on the machines it meets: it unpacks
once into a folder of the user's own that lets programs run and starts from there; where
the usual folders are mounted ``noexec`` it falls back, and where all are it refuses with
the remedy, which works (docs/install.md, "The single file").

Two kinds of single file are tested. The launcher's rules run on every Linux machine
against a single file that ``onefile.build_single_file`` makes of a two-line stand-in
program (what is under test is the launcher, which never looks inside the program). The
product itself runs where ``LIGHTBOX_ONEFILE`` names it
(``python packaging/build.py --onefile``; CI builds and sets it). A ``noexec`` folder is
the real thing: a tmpfs mounted ``noexec``, which needs root (CI runs as root); the tests
that need one skip, saying why, where it cannot be made.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the shell launcher is the Linux single file")

ONEFILE_ENV = "LIGHTBOX_ONEFILE"
STAND_IN = '#!/bin/sh\necho "stand-in ran from $(dirname "$0") with: $*"\n'


@pytest.fixture(scope="module")
def single_file() -> Path:
    value = os.environ.get(ONEFILE_ENV)
    if not value:
        pytest.skip(f"no single file to test: set {ONEFILE_ENV}=dist/lightbox-<version>-...")
    path = Path(value).resolve()
    assert path.is_file(), f"{ONEFILE_ENV}={value} is not a file"
    return path


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A single file made by the real build function of a stand-in program."""
    import onefile

    root = tmp_path_factory.mktemp("stand-in")
    program = root / "lightbox"
    program.mkdir()
    (program / "lightbox").write_text(STAND_IN, encoding="utf-8")
    (program / "lightbox").chmod(0o755)
    (program / "data.bin").write_bytes(os.urandom(200_000))  # something to unpack
    return onefile.build_single_file(program, root, "lightbox-test-linux")


@pytest.fixture
def noexec(tmp_path: Path) -> Iterator[Path]:
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


def user_env(home: Path, **folders: Path) -> dict[str, str]:
    """A user's environment: HOME, and TMPDIR / XDG_* as given; no Lightbox variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LIGHTBOX_", "XDG_", "PYTHON", "VIRTUAL_ENV"))
           and k not in ("TMPDIR", "TEMP", "TMP")}
    env.update({"HOME": str(home), "QT_QPA_PLATFORM": "offscreen"})
    env.update({name: str(path) for name, path in folders.items()})
    return env


def start(program: Path, *args: str, env: dict[str, str],
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(program), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def unpacked(base: Path) -> list[Path]:
    return sorted(base.glob("app-*")) if base.is_dir() else []


# --- the launcher's rules (every Linux machine) -----------------------------------------


def test_first_start_unpacks_into_the_users_cache_once(stand_in: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    first = start(stand_in, "--version", "two words", env=user_env(home))
    assert first.returncode == 0, first.stderr
    cache = home / ".cache" / "lightbox"
    (app,) = unpacked(cache)
    assert first.stdout == f"stand-in ran from {app} with: --version two words\n"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700  # the user's alone
    again = start(stand_in, "x", env=user_env(home))
    assert again.returncode == 0 and again.stdout == f"stand-in ran from {app} with: x\n"
    assert unpacked(cache) == [app] and app.stat().st_ino == (cache / app.name).stat().st_ino
    assert [p.name for p in cache.iterdir()] == [app.name]  # no probe, no partial unpack


def test_an_incomplete_file_says_so_and_leaves_no_program(stand_in: Path,
                                                          tmp_path: Path) -> None:
    cut = tmp_path / "lightbox-cut"
    data = stand_in.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    cut.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    done = start(cut, "--version", env=user_env(home))
    assert done.returncode == 1
    assert "could not unpack itself" in done.stderr and "incomplete" in done.stderr
    assert "stand-in ran" not in done.stdout
    assert list((home / ".cache" / "lightbox").iterdir()) == []


def test_a_cache_folder_that_is_a_link_is_passed_over(stand_in: Path, tmp_path: Path) -> None:
    """Another account could point a link at a folder it controls: never unpack there."""
    home, elsewhere, tmp = tmp_path / "home", tmp_path / "elsewhere", tmp_path / "tmp"
    for folder in (home / ".cache", elsewhere, tmp):
        folder.mkdir(parents=True)
    (home / ".cache" / "lightbox").symlink_to(elsewhere)
    done = start(stand_in, env=user_env(home, TMPDIR=tmp))
    assert done.returncode == 0, done.stderr
    (app,) = unpacked(tmp / f"lightbox-{os.geteuid()}")
    assert done.stdout.startswith(f"stand-in ran from {app} ")
    assert list(elsewhere.iterdir()) == []


def test_a_noexec_cache_falls_back_to_the_runtime_folder_then_tmp(
        stand_in: Path, noexec: Path, tmp_path: Path) -> None:
    runtime, tmp = tmp_path / "run", tmp_path / "tmp"
    runtime.mkdir(mode=0o700)
    tmp.mkdir()
    home = noexec / "home"
    done = start(stand_in, env=user_env(home, XDG_RUNTIME_DIR=runtime, TMPDIR=tmp))
    assert done.returncode == 0, done.stderr
    (app,) = unpacked(runtime / "lightbox")
    assert done.stdout.startswith(f"stand-in ran from {app} ")
    done = start(stand_in, env=user_env(home, XDG_RUNTIME_DIR=noexec / "run", TMPDIR=tmp))
    assert done.returncode == 0, done.stderr
    (app,) = unpacked(tmp / f"lightbox-{os.geteuid()}")
    assert done.stdout.startswith(f"stand-in ran from {app} ")
    assert unpacked(home / ".cache" / "lightbox") == []  # nothing left where it cannot run


def test_where_nothing_may_run_it_refuses_naming_the_folders_and_the_remedy(
        stand_in: Path, noexec: Path) -> None:
    folders = {"XDG_RUNTIME_DIR": noexec / "run", "TMPDIR": noexec / "tmp"}
    done = start(stand_in, env=user_env(noexec / "home", **folders))
    assert done.returncode == 126 and done.stdout == ""
    for tried in (noexec / "home" / ".cache" / "lightbox", noexec / "run" / "lightbox",
                  noexec / "tmp" / f"lightbox-{os.geteuid()}"):
        assert f"\n  {tried}\n" in done.stderr
        assert unpacked(tried) == []
    assert "mounted noexec" in done.stderr and "LIGHTBOX_CACHE_DIR=" in done.stderr


# --- the product -------------------------------------------------------------------------


def test_the_single_file_starts_where_tmp_is_noexec(single_file: Path, noexec: Path,
                                                    tmp_path: Path) -> None:
    """The case that stopped PyInstaller's loader: TMPDIR on a noexec mount."""
    home = tmp_path / "home"
    home.mkdir()
    done = start(single_file, "--self-test", "--no-qt",
                 env=user_env(home, TMPDIR=noexec), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Self-test passed" in done.stdout
    assert len(unpacked(home / ".cache" / "lightbox")) == 1


def test_noexec_everywhere_refuses_as_documented_and_the_guides_remedy_works(
        single_file: Path, noexec: Path, tmp_path: Path) -> None:
    env = user_env(noexec / "home", XDG_RUNTIME_DIR=noexec / "run", TMPDIR=noexec / "tmp")
    refused = start(single_file, "--version", env=env)
    assert refused.returncode == 126
    guide = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    assert "Lightbox cannot start: it unpacks itself" in guide  # what the guide quotes
    assert "Lightbox cannot start: it unpacks itself" in refused.stderr
    block = re.search(r"<!-- onefile-noexec -->\n```sh\n(.*?)```", guide, re.S)
    assert block is not None
    home = tmp_path / "home"  # a home where programs may run; /tmp and the rest are noexec
    home.mkdir()
    env = user_env(home, XDG_CACHE_HOME=noexec / "cache", XDG_RUNTIME_DIR=noexec / "run",
                   TMPDIR=noexec / "tmp")
    script = block.group(1).replace("./lightbox-0.1.0-linux-x86_64", str(single_file))
    done = subprocess.run(script, shell=True, capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Self-test passed" in done.stdout
    assert len(unpacked(home / "lightbox-run")) == 1
