"""The trimmed ICU data (packaging/icu_data.py) on Qt's real ICU library.

The frozen build swaps Qt's 31 MB ICU data for a trimmed copy; these tests prove the
package format round-trips byte for byte and that the trimmed copy keeps what Qt reads
(collation, time-zone names for the shipped languages) and loses what it never reads.
Collation and time-zone names through Qt itself are checked in a child process that
loads the trimmed library in place of the original.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bundle
import icu_data
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="Qt's wheels ship ICU as a separate library on Linux only")


@pytest.fixture(scope="module")
def qt_icu() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found or not icu_data.tools_available():
        pytest.skip("no ICU data library in this PySide6, or no binutils")
    return found[0]


@pytest.fixture(scope="module")
def package(qt_icu) -> tuple[bytes, icu_data.Package]:
    _, offset, size = icu_data._symbol(qt_icu)
    blob = qt_icu.read_bytes()[offset : offset + size]
    return blob, icu_data.parse_package(blob)


def test_package_rebuilds_byte_for_byte(package) -> None:
    blob, parsed = package
    assert len(parsed.items) > 1000
    assert icu_data.build_package(parsed) == blob


def test_trimmed_package_keeps_what_qt_reads(package) -> None:
    _, parsed = package
    trimmed = icu_data.trim(parsed, bundle.LANGUAGES)
    names = [name.split("/", 1)[1] for name, _ in trimmed.items]
    for needed in ("coll/ucadata.icu", "coll/root.res", "coll/ja.res", "coll/en.res",
                   "zone/ja.res", "zone/root.res", "zoneinfo64.res", "cnvalias.icu",
                   "res_index.res", "ja.res"):
        assert needed in names, needed
    for dropped in ("brkitr/cjdict.dict", "coll/zh.res", "translit/root.res", "curr/ja.res",
                    "unames.icu", "gb18030.cnv"):
        assert dropped not in names, dropped
    assert names == sorted(names, key=lambda n: n.encode())  # ICU bisects the TOC
    assert icu_data.parse_package(icu_data.build_package(trimmed)).items == trimmed.items
    assert trimmed.size < parsed.size / 4


QT_PROBE = """
from PySide6.QtCore import QCollator, QLocale, QTimeZone
words = ["カキク", "あいう", "Zebra", "apple", "Apple", "äpfel"]
for name in ("ja_JP", "en_US", "de_DE"):
    print(name, sorted(words, key=QCollator(QLocale(name)).sortKey))
tokyo = QTimeZone(b"Asia/Tokyo")
for name in ("ja_JP", "en_US"):
    print(tokyo.displayName(QTimeZone.StandardTime, QTimeZone.LongName, QLocale(name)))
print(QLocale("tr_TR").toUpper("i"), QLocale("en_US").toUpper("straße"))
"""


def _probe(preload: Path | None) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)
    done = subprocess.run([sys.executable, "-c", QT_PROBE], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_qt_sorts_and_names_time_zones_the_same_with_the_trimmed_data(qt_icu, tmp_path) -> None:
    trimmed = tmp_path / qt_icu.name
    before, after = icu_data.trim_library(qt_icu, trimmed, bundle.LANGUAGES)
    assert after < before
    assert trimmed.stat().st_size < qt_icu.stat().st_size / 4
    full, small = _probe(None), _probe(trimmed)
    assert "日本標準時" in full and "Japan Standard Time" in full
    assert small == full
