"""Every way to make an untrusted model look trusted is refused (docs/security.md,
"Signed models"): a forged cache line, a self-signed model, an unsigned one, a revoked
key or digest, a tolerance of 1e308, and manifests that hurt (deep, a FIFO, huge)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.inference.artifacts import DEMO_KEY, base_manifest, build, seal, specs, write_artifact
from viewer.audit.log import AuditLog
from viewer.cli.main import main
from viewer.errors import LightboxError
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, run_model
from viewer.inference.manifest import MAX_MANIFEST_BYTES
from viewer.inference.session import runtime_version
from viewer.inference.signing import (
    ASK_IT,
    DEMO_PUBLIC_KEY,
    SIGNATURE,
    UNSIGNED_MARK,
    generate_key,
    key_id,
    load_private_key,
    public_key_text,
    sign_digest,
)

ROOT = Path(__file__).resolve().parents[2]


def _site(tmp_path: Path, monkeypatch, text: str):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(path))
    settings = load_settings()
    assert not settings.problems, settings.problems
    return settings


def _registry(models_dir: Path, settings=None) -> ModelRegistry:
    return ModelRegistry([models_dir], settings=settings or load_settings())


def _own_key(tmp_path: Path) -> tuple[Path, str]:
    private, public = generate_key(tmp_path / "keys", "approvers")
    return private, public.read_text(encoding="ascii").strip()


def _resign(folder: Path, key: Path | None) -> None:
    seal(folder, json.loads((folder / "manifest.json").read_text()), key=key)


def test_the_demo_key_in_the_repository_is_the_one_the_viewer_knows():
    assert public_key_text(load_private_key(DEMO_KEY)) == DEMO_PUBLIC_KEY


def test_signing_again_gives_the_bundled_signatures_byte_for_byte():
    """Ed25519 is deterministic: the demo key signs each bundled model's digest to the
    very signature.json the earlier signing library wrote (keys and files unchanged)."""
    private = load_private_key(DEMO_KEY)
    for folder in sorted(p.parent for p in (ROOT / "models").glob("*/" + SIGNATURE)):
        written = (folder / SIGNATURE).read_text(encoding="utf-8")
        digest = json.loads(written)["digest"]
        assert json.dumps(sign_digest(digest, private), indent=2) + "\n" == written, folder.name


def test_a_key_file_of_another_kind_is_refused_with_the_reason(tmp_path, capsys):
    key = tmp_path / "rsa.pem"
    key.write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n")
    graph, inputs, outputs = specs("threshold")
    folder = write_artifact(tmp_path / "m" / "x", base_manifest("x", inputs, outputs), graph)
    assert main(["model", "sign", str(folder), "--key", str(key)]) == 1
    err = capsys.readouterr().err
    assert "'RSA PRIVATE KEY' PEM block, not an Ed25519" in err
    assert "lightbox model keygen" in err


def test_the_bundled_models_are_signed_by_the_demo_key_and_available():
    registry = ModelRegistry(settings=load_settings())
    bundled = [e for e in registry if e.folder.parent.name == "models"]
    assert {e.id for e in bundled} == {"ct-body-seg", "ct-lesion-cls", "ct-lesion-det",
                                       "ct-body-seg3d", "mr-brain-tissue"}
    for entry in bundled:
        assert entry.available, entry.reason
        assert entry.model.trust.key_id == key_id(DEMO_PUBLIC_KEY) and not entry.unsigned


def test_a_forged_cache_line_cannot_make_a_failing_model_available(tmp_path, models_dir):
    """The attack of issue 10: the model fails its replay, the user vouches for it in the
    old cache file of their own folder; it stays unavailable."""
    folder = models_dir / "threshold"
    with np.load(folder / "golden.npz") as npz:
        golden = dict(npz)
    golden["output:logits"] = golden["output:logits"] + np.float32(0.5)
    with open(folder / "golden.npz", "wb") as f:
        np.savez(f, **golden)
    _resign(folder, DEMO_KEY)  # digests and signature fine: only the replay fails
    digest = json.loads((folder / "manifest.json").read_text())["digest"]
    cache = Path(os.environ["LIGHTBOX_CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    line = f"{digest}@{runtime_version()}"
    (cache / "model-verification.json").write_text(
        json.dumps({"version": 1, "verified": [line]}), encoding="utf-8")
    entry = ModelRegistry([models_dir], settings=load_settings()).get("threshold")
    assert not entry.available and "golden replay" in entry.reason


def test_a_self_signed_model_is_unavailable_and_says_ask_it(tmp_path, models_dir, phantom):
    private, _ = _own_key(tmp_path)
    _resign(models_dir / "threshold", private)
    entry = _registry(models_dir).get("threshold")
    assert not entry.available
    assert ASK_IT in entry.reason and key_id(_own_key_text(private)) in entry.reason
    assert "reinstall" not in entry.reason  # intact: nothing to reinstall, IT decides
    with pytest.raises(LightboxError, match="not signed by a key this site trusts"):
        run_model(entry, phantom, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings()))


def _own_key_text(private: Path) -> str:
    return public_key_text(load_private_key(private))


def test_an_unsigned_model_is_unavailable(models_dir):
    _resign(models_dir / "threshold", None)
    entry = _registry(models_dir).get("threshold")
    assert not entry.available and ASK_IT in entry.reason and SIGNATURE in entry.reason
    assert _registry(models_dir).get("classify").available  # the others still work


def test_a_signature_copied_from_another_model_or_flipped_does_not_verify(models_dir):
    (models_dir / "threshold" / SIGNATURE).write_bytes(
        (models_dir / "classify" / SIGNATURE).read_bytes())
    assert "signs another manifest" in _registry(models_dir).get("threshold").reason
    document = json.loads((models_dir / "detect" / SIGNATURE).read_text())
    document["signature"] = document["signature"][:10] + ("A" if document["signature"][10] != "A"
                                                          else "B") + document["signature"][11:]
    (models_dir / "detect" / SIGNATURE).write_text(json.dumps(document))
    assert "does not verify" in _registry(models_dir).get("detect").reason


def test_a_site_key_is_trusted_and_then_the_demo_key_is_not(tmp_path, monkeypatch, models_dir):
    private, public = _own_key(tmp_path)
    _resign(models_dir / "threshold", private)
    settings = _site(tmp_path, monkeypatch, f'trusted_keys = ["{public}"]\n')
    registry = _registry(models_dir, settings)
    assert registry.get("threshold").available
    assert registry.get("threshold").model.trust.key_id == key_id(public)
    demo = registry.get("classify")  # signed by the demo key, which this site does not list
    assert not demo.available and ASK_IT in demo.reason


def test_the_demo_key_vouches_only_for_demonstration_models(models_dir):
    folder = models_dir / "threshold"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["not_for_clinical_use"] = False
    seal(folder, manifest)  # signed with the demo key
    entry = _registry(models_dir).get("threshold")
    assert not entry.available and "demonstration key" in entry.reason


def test_a_revoked_key_is_refused_even_when_trusted(tmp_path, monkeypatch, models_dir):
    private, public = _own_key(tmp_path)
    _resign(models_dir / "threshold", private)
    settings = _site(tmp_path, monkeypatch, f'trusted_keys = ["{public}"]\n'
                     f'revoked_keys = ["{key_id(public)}"]\ndeveloper_mode = true\n')
    entry = _registry(models_dir, settings).get("threshold")
    assert not entry.available and "revoked" in entry.reason


def test_a_revoked_model_digest_is_refused(tmp_path, monkeypatch, models_dir):
    digest = json.loads((models_dir / "detect" / "manifest.json").read_text())["digest"]
    settings = _site(tmp_path, monkeypatch, f'revoked_models = ["{digest}"]\n')
    registry = _registry(models_dir, settings)
    assert not registry.get("detect").available and "revoked" in registry.get("detect").reason
    assert registry.get("threshold").available


def test_developer_mode_runs_unsigned_models_marked_everywhere(tmp_path, monkeypatch,
                                                               models_dir, phantom, capsys):
    _resign(models_dir / "threshold", None)
    settings = _site(tmp_path, monkeypatch, "developer_mode = true\n")
    entry = _registry(models_dir, settings).get("threshold")
    assert entry.available and entry.unsigned
    assert not _registry(models_dir, settings).get("classify").unsigned  # signed: no mark
    results = run_model(entry, phantom, [0], accept_warnings=True,
                        audit_log=AuditLog.of(settings))
    assert UNSIGNED_MARK in results[0].provenance.label
    assert main(["models", "--models-dir", str(models_dir)]) == 0
    listing = capsys.readouterr().out
    line = next(row for row in listing.splitlines() if row.startswith("threshold"))
    assert UNSIGNED_MARK in line
    assert UNSIGNED_MARK not in next(r for r in listing.splitlines() if r.startswith("classify"))
    out = tmp_path / "out"
    assert main(["infer", str(phantom.frames[0].instance.path), "--model", "threshold",
                 "--models-dir", str(models_dir), "--out", str(out), "--accept-warnings"]) == 0
    summary = json.loads(next(out.glob("*.json")).read_text())
    assert summary["unsigned"] is True and UNSIGNED_MARK in summary["marking"]


def test_developer_mode_and_keys_in_user_preferences_have_no_effect(tmp_path, models_dir,
                                                                    monkeypatch):
    _resign(models_dir / "threshold", None)
    settings0 = load_settings()
    settings0.user_file.parent.mkdir(parents=True, exist_ok=True)
    settings0.user_file.write_text(json.dumps({
        "schema_version": 3, "developer_mode": True, "trusted_keys": [DEMO_PUBLIC_KEY]}))
    settings = load_settings()
    assert not settings.developer_mode and not settings.trusted_keys
    assert any("developer_mode" in p for p in settings.problems)
    assert not _registry(models_dir, settings).get("threshold").available


def test_a_site_file_with_a_malformed_key_says_which(tmp_path, monkeypatch):
    path = tmp_path / "site.toml"
    path.write_text('trusted_keys = ["ed25519:short"]\nrevoked_models = ["abc"]\n')
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(path))
    settings = load_settings()
    assert not settings.trusted_keys and not settings.revoked_models
    assert any("trusted_keys" in p and "ed25519:short" in p for p in settings.problems)
    assert any("revoked_models" in p and "64 hex" in p for p in settings.problems)


@pytest.mark.parametrize("atol", [1e308, 1.0, 0.011])
def test_a_loose_tolerance_is_refused_with_the_reason(models_dir, atol):
    folder = models_dir / "threshold"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tolerance"] = {"atol": atol, "rtol": 1e-3}
    seal(folder, manifest)  # self-consistent and signed: only the tolerance is wrong
    entry = _registry(models_dir).get("threshold")
    assert not entry.available and "tolerance.atol" in entry.reason and "limit" in entry.reason


def test_a_deeply_nested_manifest_is_refused_and_the_others_listed(models_dir):
    (models_dir / "threshold" / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    registry = _registry(models_dir)
    assert "nests deeper" in registry.get("threshold").reason
    assert registry.get("classify").available and registry.get("detect").available


def test_a_manifest_that_is_a_named_pipe_is_refused_without_hanging(models_dir):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = models_dir / "detect" / "manifest.json"
    path.unlink()
    os.mkfifo(path)
    found: list[ModelRegistry] = []
    worker = threading.Thread(target=lambda: found.append(_registry(models_dir)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert found, "reading the models hung on a named pipe"
    assert "not a regular file" in found[0].get("detect").reason
    assert found[0].get("threshold").available


def test_a_huge_manifest_is_refused_unread(models_dir):
    path = models_dir / "classify" / "manifest.json"
    with open(path, "ab") as f:
        f.truncate(MAX_MANIFEST_BYTES + 1)
    registry = _registry(models_dir)
    assert "over the limit" in registry.get("classify").reason
    assert registry.get("threshold").available


def test_keygen_sign_and_a_site_that_lists_the_key(tmp_path, monkeypatch, capsys):
    graph, inputs, outputs = specs("threshold")
    root = tmp_path / "site-models"
    folder = write_artifact(root / "approved", base_manifest("approved", inputs, outputs), graph)
    (folder / SIGNATURE).unlink()
    assert main(["model", "keygen", "--out", str(tmp_path / "k"), "--name", "team"]) == 0
    assert (tmp_path / "k" / "team.pem").stat().st_mode & 0o077 == 0  # private to its owner
    public = (tmp_path / "k" / "team.pub").read_text().strip()
    assert f'trusted_keys = ["{public}"]' in capsys.readouterr().out
    assert main(["model", "sign", str(folder), "--key", str(tmp_path / "k" / "team.pem")]) == 0
    settings = _site(tmp_path, monkeypatch, f'trusted_keys = ["{public}"]\n')
    assert _registry(root, settings).get("approved").available
    (folder / "CARD.md").write_text("edited")  # sign refuses an artifact that changed
    assert main(["model", "sign", str(folder), "--key", str(tmp_path / "k" / "team.pem")]) == 1
    assert "CARD.md does not match" in capsys.readouterr().err


def test_build_helper_signs_by_default_for_the_tests(tmp_path):
    folder = build(tmp_path, "classify", "signed")
    assert json.loads((folder / SIGNATURE).read_text())["key"] == DEMO_PUBLIC_KEY
