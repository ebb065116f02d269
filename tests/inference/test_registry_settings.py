"""The registry follows the site configuration: extra folders and the allowed list."""

from __future__ import annotations

import pytest

from tests.inference.artifacts import build
from viewer.audit.log import AuditLog
from viewer.errors import LightboxError
from viewer.host.settings import Settings, load_settings
from viewer.inference import run_model
from viewer.inference.registry import NOT_ALLOWED, ModelRegistry, default_model_dirs


def test_a_model_the_site_does_not_allow_is_listed_unavailable(models_dir) -> None:
    settings = Settings(allowed_models=frozenset({"threshold"}))
    registry = ModelRegistry([models_dir], settings=settings)
    assert registry.ids() == ["classify", "detect", "threshold"]
    assert [e.id for e in registry.available()] == ["threshold"]
    refused = registry.get("detect")
    assert refused.status == "unavailable" and refused.reason == NOT_ALLOWED
    assert refused.manifest is not None and refused.title  # still named in the list



def test_a_disallowed_model_is_not_even_verified(models_dir) -> None:
    (models_dir / "detect" / "model.onnx").write_bytes(b"damaged")
    everything = ModelRegistry([models_dir], settings=Settings())
    assert "model.onnx" in everything.get("detect").reason  # verification would catch it
    settings = Settings(allowed_models=frozenset({"threshold"}))
    registry = ModelRegistry([models_dir], settings=settings)
    assert registry.get("detect").reason == NOT_ALLOWED


def test_a_disallowed_model_cannot_run(models_dir, phantom) -> None:
    settings = Settings(allowed_models=frozenset())
    registry = ModelRegistry([models_dir], settings=settings)
    assert registry.available() == []
    with pytest.raises(LightboxError, match="not allowed by the site configuration"):
        run_model(registry.get("threshold"), phantom, [0], audit_log=AuditLog.of(load_settings()))
    reasons = {a.entry.id: a.reason for a in registry.applicable(phantom)}
    assert reasons["threshold"] == f"unavailable: {NOT_ALLOWED}"


def test_site_model_folders_are_read_after_the_bundled_ones(tmp_path, monkeypatch) -> None:
    site_models = tmp_path / "site-models"
    build(site_models, "threshold", "site-threshold")
    config = tmp_path / "lightbox.toml"
    config.write_text(f'model_dirs = ["{site_models.as_posix()}"]\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(config))
    settings = load_settings()
    dirs = default_model_dirs(settings)
    assert dirs[-1] == site_models and dirs[0].name == "models"
    registry = ModelRegistry(settings=settings)
    assert registry.get("site-threshold").available


def test_without_a_site_file_every_model_is_allowed(models_dir, tmp_path,
                                                    monkeypatch) -> None:
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    registry = ModelRegistry([models_dir], settings=load_settings())
    assert len(registry.available()) == 3
