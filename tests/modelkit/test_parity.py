"""Parity that tells truth from noise: real MONAI networks that normalise each image build
with the default tolerance and verify in the viewer; a changed model, a graph the
TorchScript fallback got wrong, and a tolerance the viewer would refuse are still refused,
each with the sample, the output, the amounts and the exporter named."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
import yaml

from tests.modelkit.conftest import LABELS, mask, save_weights, write_recipe
from viewer.inference import verify_artifact
from viewer.inference.agreement import DEFAULT_SCALE_RTOL, MAX_SCALE_RTOL
from viewer.inference.signing import TrustPolicy
from viewer.modelkit import BuildError, build_artifact, load_recipe
from viewer.modelkit.export import export_onnx
from viewer.modelkit.golden import golden_samples
from viewer.modelkit.parity import check_parity

pytest.importorskip("monai")

MONAI = """
from monai.networks.nets import BasicUNet, DynUNet, SegResNet, UNet


class SharpSegResNet(SegResNet):
    \"\"\"Logits of a hundred, as a trained network's often are: rounding grows with them.\"\"\"

    def forward(self, x):
        return super().forward(x) * 100.0
"""

# Small but whole: the same blocks (and norms) as the full-size networks.
NETWORKS = {
    "BasicUNet": ({"spatial_dims": 2, "in_channels": 1, "out_channels": 3,
                   "features": [8, 8, 16, 16, 32, 8]}, "InstanceNorm2d"),
    "SegResNet": ({"spatial_dims": 2, "in_channels": 1, "out_channels": 3,
                   "init_filters": 8, "blocks_down": [1, 2, 2], "blocks_up": [1, 1]},
                  "GroupNorm"),
    "DynUNet": ({"spatial_dims": 2, "in_channels": 1, "out_channels": 3,
                 "kernel_size": [3, 3, 3], "strides": [1, 2, 2], "upsample_kernel_size": [2, 2],
                 "filters": [8, 16, 32], "norm_name": "instance"}, "InstanceNorm2d"),
    "UNet": ({"spatial_dims": 2, "in_channels": 1, "out_channels": 3, "channels": [8, 16, 32],
              "strides": [2, 2], "num_res_units": 1}, "InstanceNorm2d"),
}


def default_tolerance(folder):
    """The recipe says nothing about tolerance: what a new recipe gets."""
    path = folder / "spec.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    del spec["tolerance"]
    spec["intended_use"]["population"] = "none: random weights"  # the viewer needs the text
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def monai_recipe(tmp_path, cls):
    kwargs, _ = NETWORKS["SegResNet" if cls == "SharpSegResNet" else cls]
    folder = write_recipe(tmp_path / cls.lower(), MONAI, cls, [mask(3)], kwargs=kwargs)
    default_tolerance(folder)
    return folder, save_weights(folder, tmp_path / f"{cls}.pt")


@pytest.mark.parametrize("cls", list(NETWORKS))
def test_monai_networks_that_normalise_each_image_build_and_verify(tmp_path, cls):
    recipe, weights = monai_recipe(tmp_path, cls)
    folder = build_artifact(recipe, weights, tmp_path / "models")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tolerance"] == {"atol": 1e-4, "rtol": 1e-3, "scale_rtol": DEFAULT_SCALE_RTOL}
    assert manifest["provenance"]["exporter"] == "torch.export"
    assert manifest["checks"]["parity"]["outputs"]["logits"]["max_abs"] < 1e-4
    # rounding: a few millionths of the output's scale, within the scale term by itself
    assert 0 < manifest["checks"]["parity"]["outputs"]["logits"]["max_of_scale"] < 1e-5
    assert "| max of scale |" in (folder / "CARD.md").read_text(encoding="utf-8")
    # the viewer's start-up check, by the same rule, on the manifest the build wrote
    verified = verify_artifact(folder, trust=TrustPolicy(developer_mode=True))
    assert verified.manifest.tolerance.scale_rtol == DEFAULT_SCALE_RTOL
    assert verified.parity["logits"].max_abs < 1e-4


def test_the_scale_term_is_what_lets_large_logits_through(tmp_path):
    """Rounding of 1e-6 of values near a hundred is 1e-4 at every pixel, also where a logit
    is near zero and atol + rtol·|x| allows 1e-4: the absolute rule alone refuses a correct
    model, the default scale term (1e-5 of the output's largest value) does not."""
    recipe, weights = monai_recipe(tmp_path, "SharpSegResNet")
    folder = build_artifact(recipe, weights, tmp_path / "models")
    figures = json.loads((folder / "manifest.json").read_text())["checks"]["parity"]
    assert figures["outputs"]["logits"]["max_abs"] > 1e-4  # beyond atol: only scale_rtol allows
    spec = yaml.safe_load((recipe / "spec.yaml").read_text(encoding="utf-8"))
    spec["tolerance"] = {"atol": 1e-4, "rtol": 1e-3, "scale_rtol": 0.0}
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(BuildError, match="output scale"):
        build_artifact(recipe, weights, tmp_path / "models2")


@pytest.mark.parametrize("cls", list(NETWORKS))
def test_monai_networks_in_3d_agree_with_the_default_tolerance(tmp_path, cls):
    """The same networks with spatial_dims=3 on 16³ patches (BasicUNet, which halves four
    times, on 32³): parity only (a 3-D artifact's manifest is the volume contract's; the
    graph and the rule are these)."""
    from monai.networks import nets

    kwargs = NETWORKS[cls][0] | {"spatial_dims": 3}
    torch.manual_seed(0)
    model = getattr(nets, cls)(**kwargs).eval()
    side = 32 if cls == "BasicUNet" else 16
    spec = {"inputs": [{"name": "image", "shape": ["batch", 1, side, side, side],
                        "intensity": {"kind": "window"}}]}
    golden = golden_samples(spec, None)
    onnx_path = tmp_path / "model.onnx"
    exported = export_onnx(model, [torch.from_numpy(golden.inputs[0][:2])], ["image"],
                           ["logits"], onnx_path)
    assert exported.exporter == "torch.export"
    figures = check_parity(model, onnx_path, golden.inputs, ["image"], ["logits"],
                           load_recipe_tolerance(), (1, 2), origins=golden.origins,
                           exported=exported)
    assert figures["outputs"]["logits"]["max_abs"] < 1e-4


def load_recipe_tolerance():
    from viewer.modelkit.recipe import spec_tolerance

    return spec_tolerance({})


def test_basic_unet_on_an_all_zero_image_differs_by_a_large_share_of_its_output(tmp_path):
    """What refused it before: the old edge case, a constant image. Its InstanceNorm divides
    rounding by a variance of zero, so PyTorch and ONNX Runtime differ by a large share of
    the output, which no tolerance can tell from a changed model. The refusal says which
    image and points at the norm, not at training mode."""
    recipe_dir, weights = monai_recipe(tmp_path, "BasicUNet")
    recipe = load_recipe(recipe_dir)
    model = recipe.instantiate()
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    zero = np.zeros((2, 1, 32, 32), np.float32)
    onnx_path = tmp_path / "model.onnx"
    exported = export_onnx(model, [torch.from_numpy(zero)], ["image"], ["logits"], onnx_path)
    with pytest.raises(BuildError) as caught:
        check_parity(model, onnx_path, [zero], ["image"], ["logits"], recipe.tolerance, (1,),
                     origins=["all zero", "all zero"], exported=exported)
    message = str(caught.value)
    assert "golden sample 0 (all zero)" in message and "output 'logits'" in message
    assert "InstanceNorm2d" in message and "near) constant" in message
    assert "training mode" not in message and "written by torch.export" in message
    share = float(re.search(r"the difference is ([0-9.e+-]+) of it", message).group(1))
    assert share > 0.5  # not rounding: more than half the output's scale


def test_a_model_changed_after_export_is_refused_naming_sample_output_amount_exporter(tmp_path):
    recipe_dir, weights = monai_recipe(tmp_path, "SegResNet")
    recipe = load_recipe(recipe_dir)
    model = recipe.instantiate()
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    golden = golden_samples(recipe.spec, None)
    onnx_path = tmp_path / "model.onnx"
    exported = export_onnx(model, [torch.from_numpy(golden.inputs[0][:2])], ["image"],
                           ["logits"], onnx_path)
    with torch.no_grad():  # a 1% change of the last layer after the graph was written
        model.conv_final[-1].conv.weight.mul_(1.01)
    with pytest.raises(BuildError) as caught:
        check_parity(model, onnx_path, golden.inputs, ["image"], ["logits"], recipe.tolerance,
                     origins=golden.origins, exported=exported)
    message = str(caught.value)
    assert caught.value.check == "parity"
    assert "output 'logits' at batch size 1 (ONNX Runtime optimisations disabled)" in message
    assert "golden sample 0 (generated 'low': near-constant at the input's low end" in message
    assert "max abs" in message and "output scale" in message
    assert f"scale_rtol {DEFAULT_SCALE_RTOL:g}·scale" in message
    assert "written by torch.export" in message and "weights changed after export" in message


BRANCH_ON_BRIGHTNESS = """
class Brightness(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32 * 32, 2)

    def forward(self, image):
        x = image.flatten(1)
        if float(image.mean()) > 0.6:  # data-dependent: torch.export cannot capture it
            x = x * 3.0
        return torch.softmax(self.fc(x), dim=1)
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter's notices
def test_a_data_dependent_branch_falls_back_to_torchscript_and_the_refusal_says_why(tmp_path):
    """TorchScript traces the branch the export example took (dark images); a bright golden
    sample takes the other one in PyTorch. The refusal names the sample and the fallback."""
    recipe = write_recipe(tmp_path / "bright", BRANCH_ON_BRIGHTNESS, "Brightness", [LABELS],
                          golden=["low", "noise", "high"])
    weights = save_weights(recipe, tmp_path / "bright.pt")
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    message = str(caught.value)
    assert caught.value.check == "parity"
    assert "output 'probs'" in message
    assert "golden sample 2 (generated 'high'" in message
    assert "TorchScript exporter, because torch.export could not capture the model (" in message
    assert "branch or loop on tensor values" in message
    assert not (tmp_path / "models" / "tiny-model").exists()


@pytest.mark.parametrize(("tolerance", "field"), [
    ({"atol": 0.05, "rtol": 1e-3}, "tolerance.atol"),
    ({"atol": 1e-4, "rtol": 1e-3, "scale_rtol": 10 * MAX_SCALE_RTOL}, "tolerance.scale_rtol"),
    ({"atol": 1e-4, "rtol": -1e-3}, "tolerance.rtol"),
])
def test_a_tolerance_the_viewer_would_refuse_is_refused_at_build(tmp_path, tolerance, field):
    recipe = write_recipe(tmp_path / "loose", BRANCH_ON_BRIGHTNESS, "Brightness", [LABELS])
    spec = yaml.safe_load((recipe / "spec.yaml").read_text(encoding="utf-8"))
    spec["tolerance"] = tolerance
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_recipe(recipe)
    assert caught.value.check == "recipe"
    assert field in str(caught.value) and "the viewer would refuse" in str(caught.value)
