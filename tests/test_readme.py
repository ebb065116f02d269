"""Every command the README gives is run here, as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(after_heading: str) -> list[list[str]]:
    section = README.split(f"## {after_heading}", 1)[1].split("\n## ", 1)[0]
    return [
        [line.strip() for line in block.strip().splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    ]


def test_quickstart_is_exactly_two_commands_and_ci_runs_the_test_one():
    (commands,) = _blocks("Quickstart")
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python3 dev\.py test\b", ci, flags=re.M)


def test_quickstart_demo_command_opens_the_demo(tmp_path):
    """`python3 dev.py demo`, with --screenshot so it closes itself once loaded."""
    python = shutil.which("python3") or sys.executable
    shot = tmp_path / "demo.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LIGHTBOX_CACHE_DIR=str(tmp_path))
    if Path(sys.prefix) != Path(sys.base_prefix):
        env["LIGHTBOX_VENV"] = sys.prefix  # reuse the environment running the tests
    done = subprocess.run(
        [python, "dev.py", "demo", "--screenshot", str(shot)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape[0] > 300 and pixels.shape[1] > 400
    assert pixels.std() > 10  # a window with an image in it, not a blank grab


def test_headless_commands_in_the_readme_run(tmp_path, pydicom_files):
    (usage,) = _blocks("Headless commands")
    assert [line.split()[1] for line in usage[:4]] == ["info", "render", "models", "infer"]
    lightbox = [sys.executable, "-m", "viewer"]
    ct = str(pydicom_files / "CT_small.dcm")
    info = subprocess.run([*lightbox, "info", ct, "--json"], capture_output=True, text=True)
    assert info.returncode == 0 and '"modality": "CT"' in info.stdout
    out = tmp_path / "out.png"
    render = subprocess.run(
        [*lightbox, "render", ct, "-o", str(out), "--frame", "0", "--window", "40,400"],
        capture_output=True, text=True,
    )
    assert render.returncode == 0 and out.is_file(), render.stderr


def test_models_and_infer_commands_in_the_readme_run(tmp_path):
    """`lightbox models`, then `lightbox infer` of a bundled model on the demo phantom."""
    from viewer.io.demo import write_phantom_series

    lightbox = [sys.executable, "-m", "viewer"]
    models = subprocess.run([*lightbox, "models", "--json"], capture_output=True, text=True)
    assert models.returncode == 0, models.stderr
    assert '"ct-lesion-det"' in models.stdout and '"available"' in models.stdout
    phantom = tmp_path / "phantom"
    write_phantom_series(phantom, slices=64, size=256)
    out = tmp_path / "out"
    infer = subprocess.run(
        [*lightbox, "infer", str(phantom), "--model", "ct-lesion-det", "--out", str(out),
         "--frame", "44"],
        capture_output=True, text=True,
    )
    assert infer.returncode == 0, infer.stderr
    assert (out / "ct-lesion-det-frame-0044.json").is_file()


def test_anonymize_and_self_test_commands_in_the_readme_run(tmp_path, pydicom_files):
    lightbox = [sys.executable, "-m", "viewer"]
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(pydicom_files / "CT_small.dcm", src / "ct.dcm")
    out = tmp_path / "out"
    done = subprocess.run([*lightbox, "anonymize", str(src), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (copy,) = out.rglob("*.dcm")
    assert b"CompressedSamples" not in copy.read_bytes()
    audit = subprocess.run([*lightbox, "audit", "verify"], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stderr
    test = subprocess.run([*lightbox, "--self-test", "--no-qt"], capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "Self-test passed" in test.stdout


def test_audit_export_and_signing_commands_in_the_readme_run(tmp_path):
    """A run is recorded, exported for a review and the export verified on its own; a key
    is made and an artifact signed with it, as IT and the approving team would."""
    from viewer.io.demo import write_phantom_series

    (usage,) = _blocks("Headless commands")
    assert {"lightbox audit export --from ISO --to ISO --out FILE",
            "lightbox model keygen --out DIR",
            "lightbox model sign ARTIFACT --key KEY.pem"} <= set(usage)
    lightbox = [sys.executable, "-m", "viewer"]
    phantom = tmp_path / "phantom"
    write_phantom_series(phantom, slices=64, size=256)
    infer = subprocess.run([*lightbox, "infer", str(phantom), "--model", "ct-body-seg",
                            "--out", str(tmp_path / "out"), "--frame", "32"],
                           capture_output=True, text=True)
    assert infer.returncode == 0, infer.stderr
    export = tmp_path / "review.jsonl"
    done = subprocess.run([*lightbox, "audit", "export", "--from", "2000-01-01",
                           "--to", "2100-01-01", "--out", str(export)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and export.is_file(), done.stderr
    checked = subprocess.run([*lightbox, "audit", "verify", "--export", str(export)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    keys = tmp_path / "keys"
    made = subprocess.run([*lightbox, "model", "keygen", "--out", str(keys)],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    (private,) = keys.glob("*.pem")
    artifact = tmp_path / "ct-lesion-cls"
    shutil.copytree(ROOT / "models" / "ct-lesion-cls", artifact)
    signed = subprocess.run([*lightbox, "model", "sign", str(artifact), "--key", str(private)],
                            capture_output=True, text=True)
    assert signed.returncode == 0, signed.stderr
    assert "trusted_keys" in made.stdout  # the line IT pastes into the site file



def test_the_hospital_network_commands_in_the_readme_run(tmp_path):
    """`lightbox serve --demo` answers with verified models and the web viewer's page;
    `lightbox batch` runs a model over a folder (the demo study the service wrote)."""
    from tests.service.server import running_service

    (commands,) = _blocks("On the hospital network")
    assert commands[0] == "pip install -e '.[server]'"  # what CI's `.[test]` holds too
    serve, batch = commands[1].split()[1:], commands[2].split()[1:]
    assert serve == ["serve", "--demo"]
    with running_service(tmp_path / "serve", args=serve[1:]) as service:
        models = service.get("/v1/models").json()["models"]
        assert models and all(m["verified"] for m in models), models
        page = service.get("/web/")
        if page.status == 503:  # npm missing where dev.py ran: the page says how to build it
            assert "npm" in page.body.decode()
        else:
            assert page.status == 200 and b"<canvas id=\"image\"" in page.body
    folder = next((tmp_path / "serve" / "cache" / "demo").glob("phantom*"))
    args = [str(folder) if a == "FOLDER" else a for a in batch]
    args = [str(tmp_path / "results") if a == "results/" else a for a in args]
    done = subprocess.run([sys.executable, "-m", "viewer", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((tmp_path / "results").rglob("*.json")), done.stdout
