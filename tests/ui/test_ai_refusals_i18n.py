"""A model reading several series refuses in the reader's language, with the core's values.

The refusals are the real ones: a two-series model built by the real build path runs on a
study written by pydicom (tests/inference/multi_series.py) with an other series that is in
another frame of reference, too far away, the series itself, or not given at all. Each
message the core raises (English, as support staff search logs for it) must reach a
Japanese reader in Japanese, keeping the model id and the numbers it carries.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from tests.inference.multi_series import (  # noqa: E402
    MODEL_ID,
    POST,
    POST_FAR,
    POST_OTHER_FRAME,
    PRE,
    T2,
    build_model,
    write_study,
)
from viewer.audit.log import AuditLog  # noqa: E402
from viewer.host.settings import load_settings  # noqa: E402
from viewer.inference import ModelInputError, ModelRegistry, run_model  # noqa: E402
from viewer.inference.series_match import propose  # noqa: E402
from viewer.io.scan import scan  # noqa: E402
from viewer.ui.i18n import install_translators, remove_translators  # noqa: E402
from viewer.ui.problem_text import problem_text  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("multi-model"))


@pytest.fixture
def refusals(models, tmp_path, private_audit, monkeypatch) -> list[str]:
    """The core's own words for five ways the other series cannot be used."""
    monkeypatch.delenv("LIGHTBOX_MODEL_DIRS", raising=False)
    entry = ModelRegistry([models], settings=load_settings()).get(MODEL_ID)
    write_study(tmp_path / "study", POST_OTHER_FRAME, POST_FAR)
    (found,) = scan([tmp_path / "study"]).studies
    study = {s.description: s for s in found.series}
    pre = study[PRE.description]
    audit = AuditLog.of(load_settings())
    tries = [{"post": study[POST_OTHER_FRAME.description]},
             {"post": study[POST_FAR.description]},
             {"post": pre},
             {},
             {"post": study[POST.description], "flair": study[T2.description]}]
    messages = []
    for inputs in tries:
        with pytest.raises(ModelInputError) as caught:
            run_model(entry, pre, [2], inputs=inputs, audit_log=audit)
        messages.append(str(caught.value))
    others = [s for s in found.series if s.uid != pre.uid and s.description != POST.description
              and "POST" not in s.description]
    (nothing,) = propose(entry.manifest, pre, [pre, *others])
    assert nothing.proposed is None
    messages.append(nothing.reason)
    return messages


def test_every_refusal_of_an_other_series_reads_in_japanese(qapp, refusals) -> None:
    assert [problem_text(m) for m in refusals] == refusals  # English: the core's words
    translators = install_translators(qapp, "ja")
    try:
        shown = [problem_text(m) for m in refusals]
    finally:
        remove_translators(qapp, translators)
    for english, japanese in zip(refusals, shown, strict=True):
        assert japanese != english, english  # a template in the catalogue matched it
        if english.startswith("model "):
            assert japanese.startswith(f"モデル {MODEL_ID}: "), japanese
    far, itself = shown[1], shown[2]
    assert "54.00 mm" in far and "1.50 mm" in far  # the numbers the reader needs stay
    assert "モデルを実行するシリーズそのものです" in itself
