"""docs/inference.md's "Running" example runs as written, on the demo phantom."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "inference.md"


def test_the_running_example_segments_a_phantom_slice(phantom_dir, tmp_path, monkeypatch):
    snippet = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                         re.DOTALL | re.MULTILINE)[0]  # "Running"; "Volume models" below
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    # The example's placeholders: a study folder, and a slice that this small phantom has.
    code = snippet.replace("/path/to/study", str(phantom_dir)).replace("[44]", "[6]")
    names: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), names)  # noqa: S102 - the documentation's own code
    mask = names["mask"]
    assert mask.shape == (96, 96) and mask.max() > 0  # the phantom's organs are labelled
    assert (tmp_path / "audit").is_dir()  # the run was audited where the settings say


def test_the_volume_example_measures_the_phantom_box(volume_model, axial_phantom_dir, tmp_path,
                                                     monkeypatch):
    from tests.inference.volumes3d import BOX_ML

    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Volume models"):]
    snippet = re.findall(r"^```python\n(.*?)^```", section, re.DOTALL | re.MULTILINE)[0]
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    code = (snippet.replace("/path/to/models", str(volume_model.parent))
            .replace("/path/to/ct", str(axial_phantom_dir)))
    names: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), names)  # noqa: S102 - the documentation's own code
    volumes = names["volumes"]
    assert abs(sum(volumes.values()) - BOX_ML) < 0.1
