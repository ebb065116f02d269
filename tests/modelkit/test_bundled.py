"""The committed demonstration artifacts are whole, sealed and small; no torch needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from viewer.inference.digest import manifest_digest, sha256_file

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls", "ct-body-seg3d", "mr-brain-tissue")
KINDS = {"ct-body-seg": {"mask"}, "ct-lesion-det": {"boxes", "box_scores"},
         "ct-lesion-cls": {"labels", "heatmap"}, "ct-body-seg3d": {"mask"},
         "mr-brain-tissue": {"mask"}}
#: The 3-D models: a sliding window over the series (the manifest's volume section).
VOLUME = {"ct-body-seg3d": ("CT", 0.8, "IPL"), "mr-brain-tissue": ("MR", 2.0, "SPL")}


@pytest.fixture(params=BUNDLED)
def artifact(request) -> tuple[Path, dict]:
    folder = ROOT / "models" / request.param
    return folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_is_sealed_and_files_match(artifact):
    folder, m = artifact
    assert m["format_version"] == 1
    assert m["id"] == folder.name and re.fullmatch(r"[a-z0-9][a-z0-9-]*", m["id"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", m["version"])
    assert m["digest"] == manifest_digest(m)
    assert set(m["files"]) == {p.name for p in folder.iterdir()} - {"manifest.json",
                                                                     "signature.json"}
    signature = json.loads((folder / "signature.json").read_text(encoding="utf-8"))
    assert signature["digest"] == m["digest"]  # signed, detached, with the demo key
    assert set(m["files"]) == {"model.onnx", "golden.npz", "CARD.md"}
    for name, digest in m["files"].items():
        assert sha256_file(folder / name) == digest, name


def test_demonstration_models_say_so_and_fit_the_demo(artifact):
    folder, m = artifact
    assert m["not_for_clinical_use"] is True
    assert "not for clinical use" in (folder / "CARD.md").read_text(encoding="utf-8")
    use = m["intended_use"]
    modality, spacing, axes = VOLUME.get(folder.name, ("CT", 0.8, None))
    assert use["modality"] == [modality]
    assert use["input"] == ("volume" if axes else "slice")
    low, high = use["pixel_spacing_mm"]
    assert low <= spacing <= high  # the demo phantom's, the MNI152 series' spacing
    assert {o["kind"] for o in m["outputs"]} == KINDS[folder.name]
    if axes:  # 5-D logits over the patch the volume section cuts
        assert m["volume"]["axes"] == axes
        assert m["inputs"][0]["shape"][2:] == m["volume"]["patch_size"]
        assert all(len(o["shape"]) == 5 for o in m["outputs"])
    else:
        assert "volume" not in m
    checks = m["checks"]
    assert checks["exported_in_eval_mode"] and checks["deterministic"]
    norm = "BatchNorm3d" if axes else "BatchNorm2d"
    assert checks["batch_independent"] and norm in checks["train_mode_modules"]
    for figures in checks["parity"]["outputs"].values():
        assert figures["max_abs"] <= m["tolerance"]["atol"]
    # a volume model's golden outputs are C x 32^3 floats per sample, hardly compressible
    assert sum(p.stat().st_size for p in folder.iterdir()) < (2_500_000 if axes else 2_000_000)
    recipe = ROOT / "models" / "recipes" / folder.name
    assert {"model.py", "spec.yaml", "train.py"} <= {p.name for p in recipe.iterdir()}


def test_golden_replays_on_the_installed_runtime(artifact):
    ort = pytest.importorskip("onnxruntime")
    folder, m = artifact
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [i["name"] for i in m["inputs"]]
    assert [o.name for o in session.get_outputs()] == [o["name"] for o in m["outputs"]]
    with np.load(folder / "golden.npz", allow_pickle=False) as golden:
        feeds = {i["name"]: golden[f"input:{i['name']}"] for i in m["inputs"]}
        # typical slices plus edge cases; a volume model's outputs are 5-D (two typical
        # patches and the padding's constant patch keep it under 2 MB)
        assert len(next(iter(feeds.values()))) >= (3 if "volume" in m else 5)
        tol = m["tolerance"]
        for out, got in zip(m["outputs"], session.run(None, feeds), strict=True):
            want = golden[f"output:{out['name']}"]
            assert np.all(np.abs(got - want) <= tol["atol"] + tol["rtol"] * np.abs(want)), out["name"]
