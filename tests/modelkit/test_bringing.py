"""docs/modelkit.md, "Bringing a model", run as an engineer would: every block, in order.

A real MONAI 3-D UNet, its state_dict, the documented spec.yaml, the documented commands
through the real ``lightbox`` entry point, the documented site file; then the installed
artifact as ``lightbox models`` lists it.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("monai")

from viewer.cli.main import main as lightbox  # noqa: E402

DOC = Path(__file__).resolve().parents[2] / "docs" / "modelkit.md"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Bringing a model")
    return text[start : text.index("\n## ", start + 1)]


def block(info: str, text: str) -> list[str]:
    return re.findall(rf"^```{re.escape(info)}\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def commands(text: str) -> list[list[str]]:
    lines = [ln for b in block("sh", text) for ln in b.splitlines() if ln.strip()]
    assert all(ln.startswith("lightbox ") for ln in lines), lines
    return [shlex.split(ln)[1:] for ln in lines]


def test_a_monai_3d_unet_becomes_a_signed_installed_artifact(tmp_path, monkeypatch, capsys):
    text = section()
    monkeypatch.chdir(tmp_path)
    recipe = tmp_path / "brain-unet"
    recipe.mkdir()
    (model_py,) = block("python model.py", text)
    (recipe / "model.py").write_text(model_py, encoding="utf-8")
    (spec,) = [b for b in block("yaml", text) if b.startswith("id: brain-unet")]
    (recipe / "spec.yaml").write_text(spec, encoding="utf-8")
    (save,) = block("python save-weights", text)
    exec(compile(save, str(DOC), "exec"), {})  # noqa: S102 - our own docs
    assert (recipe / "weights.pt").is_file()

    keygen, build, listing = commands(text)
    assert lightbox(keygen) == 0
    assert lightbox(build) == 0, capsys.readouterr().err
    built = tmp_path / "models" / "brain-unet"
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["volume"]["axes"] == "SPL" and manifest["intended_use"]["input"] == "volume"
    assert manifest["outputs"][0]["shape"] == ["batch", 4, 32, 32, 32]
    assert (built / "signature.json").is_file()

    # IT's part: the artifact copied into the site's model folder, the key trusted.
    (site_toml,) = block("toml", text)
    installed = tmp_path / "lightbox-models"
    shutil.copytree(built, installed / "brain-unet")
    public = (tmp_path / "keys" / "approvers.pub").read_text(encoding="ascii").strip()
    site = site_toml.replace("/opt/hospital/lightbox-models", installed.as_posix())
    site = site.replace("ed25519:<base64 from approvers.pub>", public)
    (tmp_path / "lightbox.toml").write_text(site, encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "lightbox.toml"))
    capsys.readouterr()
    lightbox(listing)
    assert "brain-unet" in capsys.readouterr().out
    lightbox([*listing, "--json"])
    models = {m["id"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    entry = models["brain-unet"]
    assert entry["status"] == "available", entry
    # the bundled demo models are not trusted once a site lists keys of its own
    assert models["ct-body-seg"]["status"] == "unavailable"
