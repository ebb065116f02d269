"""Regression values on screen: a model built by ``model build`` that gives numbers is
listed in the AI panel, the findings and the overlay line with names and units, always
marked as AI output of that model."""
# The shared fixtures come from test_ai_panel; pytest passes them in as arguments.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.ui.helpers import grab_array
from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    demo_dir,
    ready_window,
    run_and_wait,
)

torch = pytest.importorskip("torch")

SIZER = """
class Sizer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, image):
        stats = torch.stack([image.mean(dim=(1, 2, 3)), image.std(dim=(1, 2, 3))], dim=1)
        return self.fc(stats) * 10.0
"""
VALUES = {"name": "measures", "kind": "values", "shape": ["batch", 2], "decimals": 2,
          "labels": [{"name": "density", "unit": "%"}, {"name": "spread", "unit": "HU"}]}


@pytest.fixture(scope="module")
def values_models(tmp_path_factory):
    from tests.inference.artifacts import DEMO_KEY
    from tests.modelkit.conftest import save_weights, write_recipe
    from viewer.modelkit import build_artifact

    root = tmp_path_factory.mktemp("values-models")
    recipe = write_recipe(root / "recipe", SIZER, "Sizer", [VALUES], recipe_id="sizer")
    weights = save_weights(recipe, root / "sizer.pt")
    build_artifact(recipe, weights, root / "models", key=DEMO_KEY)
    return root / "models"


def test_values_are_listed_with_units_and_marked_ai(make_main_window, qtbot, values_models,
                                                    demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, values_models, demo_dir)
    panel = window.ai_panel
    assert run_and_wait(qtbot, panel, "sizer") == "ok"
    (run,) = window.viewport.overlays.runs(window.viewport.series.uid)
    (result,) = run.results.values()
    (values,) = result.values
    density, spread = values.items()
    assert density[1].endswith(" %") and spread[1].endswith(" HU")
    texts = panel.results.image_texts()
    model = "sizer (test) 0.1.0"
    assert f"AI · demonstration, not for clinical use · {model}" in texts
    assert f"AI · {model} · density {density[1]}" in texts
    assert f"AI · {model} · spread {spread[1]}" in texts
    # the findings list: one row per value under the model's AI heading
    heads = [panel.results.findings_tree.topLevelItem(i).text(0)
             for i in range(panel.results.findings_tree.topLevelItemCount())]
    assert heads == [f"AI · {model} · demonstration"]
    rows = [item.text(0) for item in panel.results.finding_items()]
    assert len(rows) == 2
    assert rows[0].startswith(f"density · {density[1]} · Im ")
    assert rows[1].startswith(f"spread · {spread[1]} · Im ")
    # and on the image itself, in the overlay's AI line of that model
    viewport = window.viewport
    grab_array(viewport)
    banner = viewport.ai_layer.drawn.banner
    assert banner[0] == "AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE"
    assert f"AI · {model} · density {density[1]} · spread {spread[1]}" in banner
