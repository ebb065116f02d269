"""No telemetry, and no file Lightbox did not mean to write: a full session in a fresh home.

ONNX Runtime's native module starts Microsoft's telemetry while it loads (a device id and
an event database under ``~/.cache/Microsoft/DeveloperTools/``). Lightbox switches it off
before the runtime can be imported; this test proves it the way a user would notice: a
fresh HOME (every XDG folder inside it, no Lightbox folder overrides), every command a
user or IT runs (self-test, models, infer on the demo phantom, render, the window with a
screenshot), then every file under HOME listed and each one matched against what
Lightbox is meant to write there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What a session may leave in HOME, as patterns on the path relative to HOME.
EXPECTED = {
    "the cache (demo study, frame cache, model verification)": r"\.cache/lightbox/.+",
    "logs": r"\.local/state/lightbox/logs/[^/]+",
    "the audit of AI runs and its key": r"\.local/share/lightbox/audit/[^/]+",
    "per-user data (install key)": r"\.local/share/lightbox/[^/]+",
    "the local study list (what the viewer opened)":
        r"\.local/share/lightbox/studies/index\.sqlite3(-wal|-shm)?",
    "preferences and window state": r"\.config/lightbox/[^/]+",
    "the audit's per-log key state": r"\.config/lightbox/audit-chain/[0-9a-f]+\.json",
    "what the commands were asked to write": r"out/.+",
}


def fresh_home_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LIGHTBOX_", "XDG_", "ORT_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_RUNTIME_DIR=str(home / ".runtime"),
        # No real site configuration of the test machine; the path is outside HOME.
        LIGHTBOX_SITE_CONFIG=str(home.parent / "no-site-config.toml"),
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        TMPDIR=str(home.parent / "tmp"),
    )
    (home.parent / "tmp").mkdir(exist_ok=True)
    (home / ".runtime").mkdir(mode=0o700)
    return env


def lightbox(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "viewer", *args], env=env, cwd=env["HOME"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"lightbox {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def written(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir())


def unexpected(files: list[str]) -> list[str]:
    return [f for f in files if not any(re.fullmatch(p, f) for p in EXPECTED.values())]


def test_importing_the_viewer_switches_onnx_runtime_telemetry_off(tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = fresh_home_env(home)
    env["ORT_DISABLE_TELEMETRY"] = "0"  # a shell that says otherwise does not win
    probe = ("import viewer\nfrom viewer.inference.session import import_runtime\n"
             "import_runtime().get_available_providers()\n")
    subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, check=True, timeout=120)
    assert written(home) == []


def test_the_bare_runtime_does_write_telemetry_here(tmp_path) -> None:
    """The control: without Lightbox's switch this runtime writes the files, so the test
    above proves something. Skipped where the installed runtime has no telemetry."""
    home = tmp_path / "home"
    home.mkdir()
    env = fresh_home_env(home)
    subprocess.run([sys.executable, "-c", "import onnxruntime"], env=env, cwd=tmp_path,
                   check=True, timeout=120)
    if not (home / ".cache" / "Microsoft").exists():
        pytest.skip("this ONNX Runtime writes no telemetry files at import")
    assert any("DeveloperTools" in f for f in written(home))


@pytest.mark.slow
def test_a_full_session_writes_only_what_lightbox_means_to(tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = fresh_home_env(home)
    out = home / "out"
    out.mkdir()

    lightbox(env, "--self-test")
    assert "ct-body-seg" in lightbox(env, "models")
    lightbox(env, "--demo", "--screenshot", str(out / "window.png"))
    demo = home / ".cache" / "lightbox" / "demo"
    assert (demo / "phantom").is_dir(), "the window built the demo in the user cache"
    phantom = sorted((demo / "phantom").rglob("*.dcm"))
    lightbox(env, "infer", str(phantom[len(phantom) // 2]), "--model", "ct-body-seg",
             "--out", str(out / "results"))
    lightbox(env, "render", str(phantom[0]), "-o", str(out / "slice.png"))

    files = written(home)
    assert not [f for f in files if "Microsoft" in f or "onnxruntime" in f.lower()], files
    assert unexpected(files) == [], "files nobody asked for:\n" + "\n".join(files)
    assert (out / "window.png").is_file() and (out / "slice.png").is_file()
    assert any(f.startswith("out/results/") for f in files)
    assert any(re.fullmatch(EXPECTED["logs"], f) for f in files), "the session logged"
