"""The frozen build's cut of highdicom's module table answers every question highdicom
asks of it exactly as the full table does (fast, no build; see highdicom_tables.py)."""

from __future__ import annotations

import json
from pathlib import Path

import highdicom
import highdicom_tables
import pytest

STANDARD = Path(highdicom.__file__).parent / "_standard"


@pytest.fixture(scope="module")
def tables():
    def load(name: str):
        return json.loads((STANDARD / name).read_text(encoding="utf-8"))

    full = load("module_attribute_map.json")
    iods = load("iod_module_map.json")
    return full, highdicom_tables.cut(full, iods), iods, load("sop_class_iod_map.json")


def _in_iod(table, iods, iod: str, keyword: str) -> bool:
    # highdicom._standard_utils.is_attribute_in_iod, without exclusions (none are passed
    # for these keywords) over the given table; a module missing from both (as highdicom
    # ships it) raises there for either table alike.
    return any(a["keyword"] == keyword for m in iods[iod] for a in table.get(m["key"], ()))


def test_the_cut_is_a_fraction_of_the_full_table(tables):
    full, cut, _, _ = tables
    size = len(json.dumps(cut, separators=(",", ":")))
    assert size < len(json.dumps(full, separators=(",", ":"))) / 8
    assert set(cut) == set(full)  # every module name still known (image.py checks keys)


def test_whole_modules_are_untouched(tables):
    full, cut, iods, _ = tables
    for key in highdicom_tables.whole_modules(iods):
        assert cut[key] == full[key], key


def test_root_attributes_of_every_module_are_kept(tables):
    # What _copy_root_attributes_of_module copies from a source image of any modality.
    full, cut, _, _ = tables
    for key, entries in full.items():
        assert [e for e in cut[key] if not e["path"]] == [e for e in entries if not e["path"]]


def test_is_attribute_in_iod_answers_alike_for_every_sop_class(tables):
    full, cut, iods, sop_classes = tables
    for iod in set(sop_classes.values()):
        for keyword in highdicom_tables.LOOKED_UP:
            assert _in_iod(cut, iods, iod, keyword) == _in_iod(full, iods, iod, keyword), (
                iod, keyword)


def test_highdicom_asks_only_for_what_the_cut_keeps():
    """If a new highdicom asks is_attribute_in_iod about another keyword, or names
    another module in its code, this fails before a frozen build ships without it."""
    import re

    root = Path(highdicom.__file__).parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    asked = set(re.findall(r"is_attribute_in_iod\(\s*'(\w+)'", text))
    named = set(re.findall(r"module='([\w-]+)'", text))
    assert asked <= set(highdicom_tables.LOOKED_UP)
    assert named - {"microscopy-bulk-simple-annotations"} <= set(highdicom_tables.WHOLE_MODULES)
