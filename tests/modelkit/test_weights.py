"""Weights are a state_dict; anything else is refused with the reason and the fix."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.modelkit.conftest import LABELS, mask, write_recipe  # noqa: E402
from tests.modelkit.test_build import CNN, UNET  # noqa: E402
from viewer.modelkit import BuildError, build_artifact, load_recipe  # noqa: E402
from viewer.modelkit.weights import apply_state_dict, load_state_dict  # noqa: E402


@pytest.fixture
def cnn_recipe(tmp_path):
    return write_recipe(tmp_path / "cnn", CNN, "Classifier", [LABELS])


def test_a_pickled_whole_model_is_refused_with_the_explanation(cnn_recipe, tmp_path):
    model = load_recipe(cnn_recipe).instantiate()
    pickled = tmp_path / "whole.pt"
    torch.save(model, pickled)
    with pytest.raises(BuildError) as caught:
        build_artifact(cnn_recipe, pickled, tmp_path / "models")
    message = str(caught.value)
    assert caught.value.check == "weights"
    assert "whole.pt" in message and "not a state_dict" in message
    assert "never unpickles" in message and "torch.save(model.state_dict()" in message
    assert not (tmp_path / "models").exists()


def test_wrong_keys_are_listed_by_name(cnn_recipe, tmp_path):
    model = load_recipe(cnn_recipe).instantiate()
    state = model.state_dict()
    del state["fc.bias"]
    state["head.weight"] = torch.zeros(2)
    state["features.0.weight"] = torch.zeros(5, 1, 3, 3)
    with pytest.raises(BuildError) as caught:
        apply_state_dict(model, state, "w.pt")
    message = str(caught.value)
    assert "missing keys: fc.bias" in message
    assert "unexpected keys: head.weight" in message
    assert "mis-shaped keys: features.0.weight (file (5, 1, 3, 3), model (4, 1, 3, 3))" in message


def test_safetensors_weights_build(tmp_path):
    from safetensors.torch import save_file

    recipe = write_recipe(tmp_path / "unet", UNET, "UNet", [mask(3)])
    torch.manual_seed(0)
    weights = tmp_path / "unet.safetensors"
    save_file(load_recipe(recipe).instantiate().state_dict(), str(weights))
    assert set(load_state_dict(weights)) >= {"enc1.0.weight", "head.bias"}
    assert (build_artifact(recipe, weights, tmp_path / "models") / "model.onnx").is_file()


def test_a_training_checkpoint_is_not_a_state_dict(cnn_recipe, tmp_path):
    model = load_recipe(cnn_recipe).instantiate()
    checkpoint = tmp_path / "ckpt.pt"
    torch.save({"model": model.state_dict(), "epoch": torch.tensor(3)}, checkpoint)
    with pytest.raises(BuildError) as caught:
        load_state_dict(checkpoint)
    assert "training checkpoint" in str(caught.value) and "model" in str(caught.value)


def test_garbage_and_wrong_suffix(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(BuildError, match="junk.pt: not a readable PyTorch file"):
        load_state_dict(junk)
    other = tmp_path / "weights.bin"
    other.write_bytes(b"")
    with pytest.raises(BuildError, match="weights must be"):
        load_state_dict(other)
