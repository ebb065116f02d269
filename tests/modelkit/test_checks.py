"""Traps: training mode, batch dependence, Monte-Carlo dropout, a frozen batch axis."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from tests.modelkit.conftest import LABELS, mask, save_weights, write_recipe  # noqa: E402
from tests.modelkit.test_build import UNET  # noqa: E402
from viewer.modelkit import BuildError, build_artifact  # noqa: E402

TRAIN_MODE_TRAP = """
class Trap(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4, 2)

    def forward(self, image):
        x = F.adaptive_avg_pool2d(F.relu(self.norm(self.conv(image))), 1).flatten(1)
        return torch.softmax(self.fc(self.drop(x)), dim=1)
"""


def _skew_running_stats(model):
    # Running statistics far from any batch's own: training mode would change the answer.
    with torch.no_grad():
        model.norm.running_mean.fill_(3.0)
        model.norm.running_var.fill_(9.0)


def test_train_mode_trap_is_exported_in_eval_mode(tmp_path):
    recipe = write_recipe(tmp_path / "trap", TRAIN_MODE_TRAP, "Trap", [LABELS])
    weights = save_weights(recipe, tmp_path / "trap.pt", tweak=_skew_running_stats)
    folder = build_artifact(recipe, weights, tmp_path / "models")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checks"]["train_mode_modules"] == ["BatchNorm2d", "Dropout"]
    assert manifest["checks"]["exported_in_eval_mode"] is True

    from viewer.modelkit import load_recipe

    model = load_recipe(recipe).instantiate()
    model.load_state_dict(torch.load(weights, weights_only=True))
    with np.load(folder / "golden.npz", allow_pickle=False) as golden:
        x = golden["input:image"]
    torch.manual_seed(0)
    with torch.no_grad():
        trained_mode = model.train()(torch.from_numpy(x)).numpy()
        eval_mode = model.eval()(torch.from_numpy(x)).numpy()
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"image": x})
    assert np.allclose(onnx_out, eval_mode, atol=1e-5)
    assert not np.allclose(onnx_out, trained_mode, atol=1e-2)  # the trap was real


def test_model_normalising_over_the_batch_is_refused(recipe_factory, tmp_path):
    source = """
    class BatchNormaliser(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 3, 1)

        def forward(self, image):
            x = self.conv(image)
            return x - x.mean(dim=0, keepdim=True)
    """
    recipe, weights = recipe_factory("batchy", source, "BatchNormaliser", [mask(3)])
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    assert caught.value.check == "batch_independence"
    assert "other samples in its batch" in str(caught.value)
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize(
    ("source", "names_module"),
    [
        (
            """
            class MCDropout(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32 * 32, 2)

                def forward(self, image):
                    x = F.dropout(image.flatten(1), p=0.5, training=True)
                    return torch.softmax(self.fc(x), dim=1)
            """,
            None,
        ),
        (
            """
            class StubbornDropout(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.sampler = nn.Dropout(0.5)
                    self.fc = nn.Linear(32 * 32, 2)

                def forward(self, image):
                    self.sampler.train()  # Monte-Carlo dropout, kept on at inference
                    return torch.softmax(self.fc(self.sampler(image.flatten(1))), dim=1)
            """,
            "sampler",
        ),
    ],
    ids=["functional", "module-forced-to-train"],
)
def test_monte_carlo_dropout_is_refused(recipe_factory, tmp_path, source, names_module):
    cls = source.split("class ")[1].split("(")[0]
    recipe, weights = recipe_factory("mc", source, cls, [LABELS])
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    message = str(caught.value)
    assert caught.value.check == "determinism"
    assert "Monte-Carlo dropout" in message and "silently removed" in message
    if names_module:
        assert names_module in message
    assert not (tmp_path / "models").exists()


FROZEN_BATCH = """
class FrozenBatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=4, padding=1)
        self.fc = nn.Linear(2 * 8 * 8, 2)

    def forward(self, image):
        x = self.conv(image)
        # int() turns the batch size into a constant when traced for export
        x = x.reshape(int(x.shape[0]), 2 * 8 * 8)
        return torch.softmax(self.fc(x), dim=1)
"""


def test_exporter_that_freezes_the_batch_axis_is_caught(tmp_path):
    recipe = write_recipe(tmp_path / "frozen", FROZEN_BATCH, "FrozenBatch", [LABELS])
    weights = save_weights(recipe, tmp_path / "frozen.pt")
    out = tmp_path / "models"
    # an older good artifact of the same id stays untouched by the failed rebuild
    good = write_recipe(tmp_path / "good", UNET, "UNet", [mask(3)])
    old = build_artifact(good, save_weights(good, tmp_path / "good.pt"), out)
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, out)
    message = str(caught.value)
    # the contract's graph check (the viewer's own) sees it before parity runs
    assert caught.value.check == "contract"
    assert "batch axis frozen at 2" in message and "int(x.shape[0])" in message
    assert [p.name for p in out.iterdir()] == ["tiny-model"]  # no staging folder left
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before


BRANCHY = """
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32 * 32, 2)

    def forward(self, image):
        x = image.flatten(1)
        if float(x.min()) >= -1.0:  # data-dependent: torch.export cannot capture it
            x = x * 2.0
        return torch.softmax(self.fc(x), dim=1)
"""


def test_torchscript_fallback_is_recorded(recipe_factory, tmp_path):
    recipe, weights = recipe_factory("branchy", BRANCHY, "Branchy", [LABELS])
    folder = build_artifact(recipe, weights, tmp_path / "models")
    provenance = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["provenance"]
    assert provenance["exporter"] == "torchscript"
    assert provenance["export_fallback_reason"]
    assert "\x1b" not in provenance["export_fallback_reason"]
    assert "torchscript" in (folder / "CARD.md").read_text(encoding="utf-8")


DROPOUT_NET = """
class DropoutNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=4, padding=1)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4 * 8 * 8, 2)

    def forward(self, image):
        x = F.relu(self.conv(image)).flatten(1)
        return torch.softmax(self.fc(self.drop(x)), dim=1)
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter's notices
def test_dropout_exported_in_training_mode_hides_behind_the_optimiser_but_fails_parity(
        tmp_path):
    """The trap parity runs with optimisations off for: a graph exported in training mode
    keeps a Dropout that really drops, and ONNX Runtime's default optimiser deletes it, so
    a check with the default session alone would pass the broken artifact."""
    import onnx

    from viewer.modelkit import load_recipe
    from viewer.modelkit.golden import golden_inputs
    from viewer.modelkit.parity import check_parity

    recipe_dir = write_recipe(tmp_path / "drop", DROPOUT_NET, "DropoutNet", [LABELS])
    weights = save_weights(recipe_dir, tmp_path / "drop.pt")
    recipe = load_recipe(recipe_dir)
    model = recipe.instantiate()
    model.load_state_dict(torch.load(weights, weights_only=True))
    inputs = golden_inputs(recipe.spec, None, seed=0)
    onnx_path = tmp_path / "trained.onnx"
    model.train()  # the mistake: exported as it was left after training
    torch.onnx.export(
        model, (torch.from_numpy(inputs[0][:2]),), str(onnx_path), dynamo=False,
        input_names=["image"], output_names=["probs"], opset_version=18,
        dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}},
        training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
    )
    assert "Dropout" in [n.op_type for n in onnx.load(str(onnx_path)).graph.node]
    model.eval()  # what PyTorch validated

    hidden = check_parity(model, onnx_path, inputs, ["image"], ["probs"], recipe.tolerance,
                          (1, 2), levels=("all",))
    assert hidden["outputs"]["probs"]["max_abs"] <= recipe.tolerance.atol  # looks fine

    with pytest.raises(BuildError) as caught:
        check_parity(model, onnx_path, inputs, ["image"], ["probs"], recipe.tolerance, (1, 2))
    message = str(caught.value)
    assert caught.value.check == "parity"
    assert "output 'probs'" in message and "optimisations disabled" in message
    assert "training mode" in message


STUBBORN_DROPOUT = """
class AlwaysDropping(nn.Dropout):
    def train(self, mode=True):
        return super().train(True)  # ignores eval(): would be exported dropping


class Stubborn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=4, padding=1)
        self.sampler = AlwaysDropping(0.5)
        self.fc = nn.Linear(4 * 8 * 8, 2)

    def forward(self, image):
        x = F.relu(self.conv(image)).flatten(1)
        return torch.softmax(self.fc(self.sampler(x)), dim=1)
"""


def test_a_module_that_stays_in_training_mode_is_refused_before_export(recipe_factory,
                                                                       tmp_path):
    recipe, weights = recipe_factory("stubborn", STUBBORN_DROPOUT, "Stubborn", [LABELS])
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    message = str(caught.value)
    assert caught.value.check == "eval_mode"
    assert "sampler" in message and "still in training mode" in message
    assert not (tmp_path / "models").exists()
