"""The web page's unit tests (Vitest, web/tests/) as part of the suite, and the desktop
fixture they compare against kept true to the desktop's code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.web.desktop_fixture import FIXTURE, build
from viewer.inference.result_arrays import ENCODING, decode_array

WEB = Path(__file__).resolve().parents[2] / "web"


def _plain(item: Any) -> Any:
    """The fixture with its arrays decoded (zlib's bytes may differ between builds of it;
    the values may not)."""
    if isinstance(item, dict):
        if item.get("encoding") == ENCODING:
            array = decode_array(item)
            return {"dtype": array.dtype.name, "shape": list(array.shape),
                    "values": array.ravel().tolist()}
        return {key: _plain(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_plain(value) for value in item]
    return item


def test_desktop_fixture_is_what_the_desktop_computes() -> None:
    assert FIXTURE.is_file(), "run: python -m tests.web.desktop_fixture"
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert _plain(committed) == _plain(json.loads(json.dumps(build()))), (
        "web/tests/fixtures/desktop.json is stale: the desktop's LUT, orientation letters, "
        "array encoding or overlay colours changed; regenerate it with "
        "`python -m tests.web.desktop_fixture` and make the page follow")


def test_vitest_unit_tests_pass() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (the web page's unit tests need Node and npm)")
    if not (WEB / "node_modules" / ".bin" / "vitest").exists():
        pytest.skip("web/node_modules is missing: run `cd web && npm ci --no-audit --no-fund`")
    done = subprocess.run([npm, "test", "--silent"], cwd=WEB, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


def _page_words() -> dict[str, str]:
    """web/src/i18n.ts's dictionary (one "English": "Japanese" pair a line)."""
    source = (WEB / "src" / "i18n.ts").read_text(encoding="utf-8")
    block = source[source.index("const JA"):source.index("};", source.index("const JA"))]
    return {m[0]: m[1] for m in re.findall(r'^\s*"((?:[^"\\]|\\.)*)":\s*"((?:[^"\\]|\\.)*)",?\s*$',
                                            block, flags=re.M)}


def test_the_page_says_what_the_desktop_says_in_japanese() -> None:
    """A term the desktop translates is translated the same way on the page."""
    from assets.translations.ja_glossary import JA

    words = _page_words()
    assert len(words) > 30
    shared = {k: v for k, v in words.items() if k in JA}
    assert len(shared) >= 10, sorted(shared)
    assert {k: JA[k] for k in shared} == shared
    # the demonstration banner is the first sentence of the desktop's model card warning
    card = next(k for k in JA if k.startswith("Demonstration model — not for clinical use."))
    banner = "Demonstration model — not for clinical use"
    assert card.startswith(banner + ".")
    assert JA[card].startswith(words[banner])
