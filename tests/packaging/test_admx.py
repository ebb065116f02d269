"""The Group Policy template (packaging/windows/admx) is whole and writes what Lightbox maps.

The Group Policy editor refuses an ADMX whose strings or presentations are missing from
its ADML, and shows nothing for a policy whose presentation names no element of it: these
tests catch that here, with no Windows machine. They also hold the template to
``viewer.host.grouppolicy``: one policy per key it maps, in the registry layout it reads.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from viewer.host import grouppolicy
from viewer.host.site_keys import KEYS, LANGUAGES, check_value

ROOT = Path(__file__).resolve().parents[2]
ADMX_DIR = ROOT / "packaging" / "windows" / "admx"
ADMX = ADMX_DIR / "Lightbox.admx"
LANGS = ("en-US", "ja-JP")
NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
ELEMENTS = {"list": "listBox", "text": "textBox", "enum": "dropdownList",
            "decimal": "decimalTextBox", "boolean": "checkBox"}


def admx() -> ET.Element:
    return ET.parse(ADMX).getroot()


def adml(lang: str) -> ET.Element:
    return ET.parse(ADMX_DIR / lang / "Lightbox.adml").getroot()


def strings(lang: str) -> dict[str, str]:
    return {s.get("id", ""): s.text or "" for s in adml(lang).iterfind(".//p:string", NS)}


def presentations(lang: str) -> dict[str, ET.Element]:
    return {p.get("id", ""): p for p in adml(lang).iterfind(".//p:presentation", NS)}


def policies() -> dict[str, ET.Element]:
    return {p.get("name", ""): p for p in admx().iterfind(".//p:policy", NS)}


def test_the_files_are_well_formed_utf8_xml() -> None:
    for path in [ADMX, *(ADMX_DIR / lang / "Lightbox.adml" for lang in LANGS)]:
        path.read_bytes().decode("utf-8")
        ET.parse(path)


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_and_presentation_the_admx_names_is_in_the_adml(lang: str) -> None:
    text = ADMX.read_text(encoding="utf-8")
    table, shown = strings(lang), presentations(lang)
    for ref in re.findall(r"\$\(string\.([^)]+)\)", text):
        assert table.get(ref, "").strip(), f"{lang}: string {ref} is missing or empty"
    for ref in re.findall(r"\$\(presentation\.([^)]+)\)", text):
        assert ref in shown, f"{lang}: presentation {ref} is missing"


@pytest.mark.parametrize("lang", LANGS)
def test_each_presentation_shows_exactly_its_policy_s_elements(lang: str) -> None:
    shown = presentations(lang)
    for name, policy in policies().items():
        elements = {e.get("id"): e.tag.split("}")[1]
                    for e in policy.iterfind("p:elements/*", NS)}
        ref = policy.get("presentation")
        if ref is None:
            assert not elements, f"{name} has elements but no presentation"
            continue
        controls = {c.get("refId"): c.tag.split("}")[1] for c in
                    shown[ref.removeprefix("$(presentation.").removesuffix(")")]}
        assert controls == {i: ELEMENTS[kind] for i, kind in elements.items()}, name


def test_categories_and_supported_on_refer_to_definitions() -> None:
    root = admx()
    categories = {c.get("name") for c in root.iterfind(".//p:category", NS)}
    supported = {d.get("name") for d in root.iterfind(".//p:definition", NS)}
    for ref in root.iterfind(".//p:parentCategory", NS):
        assert ref.get("ref") in categories
    for policy in policies().values():
        assert policy.find("p:parentCategory", NS) is not None
        (on,) = policy.iterfind("p:supportedOn", NS)
        assert on.get("ref") in supported


def test_the_translations_have_the_same_entries() -> None:
    en, ja = strings("en-US"), strings("ja-JP")
    assert en.keys() == ja.keys()
    assert presentations("en-US").keys() == presentations("ja-JP").keys()
    for name in policies():
        assert ja[f"{name}_Help"] != en[f"{name}_Help"], f"{name}: not translated"
        assert f"{name}." in en[f"{name}_Help"] or f": {name}" in ja[f"{name}_Help"]


def test_one_machine_policy_per_key_the_reader_maps() -> None:
    found = policies()
    assert set(found) == set(grouppolicy.POLICY_KEYS)
    assert set(found) <= set(KEYS)
    for name, policy in found.items():
        assert policy.get("class") == "Machine", name  # HKLM: only administrators
        assert policy.get("key") == grouppolicy.POLICY_KEY, name
        elements = list(policy.iterfind("p:elements/*", NS))
        if name in grouppolicy.FLAGS or name in grouppolicy.SUBKEYS:
            assert policy.get("valueName") == name
            assert policy.find("p:enabledValue/p:decimal", NS).get("value") == "1"  # type: ignore[union-attr]
            assert policy.find("p:disabledValue/p:decimal", NS).get("value") == "0"  # type: ignore[union-attr]
        if name in grouppolicy.SUBKEYS:  # the lists, and the nodes: one entry a line
            (element,) = elements
            assert element.tag.endswith("}list")
            assert element.get("key") == f"{grouppolicy.POLICY_KEY}\\{name}"
            assert element.get("valuePrefix") == ""  # values named 1, 2, …
        elif name in grouppolicy.TEXTS + grouppolicy.REALS + grouppolicy.INTEGERS:
            (element,) = elements
            assert element.get("valueName") == name
            assert element.get("required") == "true"
            # Whole numbers are DWORDs (a decimal element), the rest REG_SZ (text).
            assert element.tag.endswith("}decimal") == (name in grouppolicy.INTEGERS), name
        else:
            assert name in grouppolicy.FLAGS and not elements


def test_the_language_policy_offers_the_languages_lightbox_has() -> None:
    (enum,) = policies()["language"].iterfind("p:elements/p:enum", NS)
    codes = [v.text for v in enum.iterfind("p:item/p:value/p:string", NS)]
    assert tuple(codes) == LANGUAGES


def test_the_number_policies_take_the_range_the_site_file_does() -> None:
    found = policies()
    for name, low, high in (("storage_port", 1, 65535), ("pacs_max_results", 1, 100000),
                            ("dicom_timeout_s", 1, 3600)):
        (element,) = found[name].iterfind("p:elements/p:decimal", NS)
        assert (element.get("minValue"), element.get("maxValue")) == (str(low), str(high))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", grouppolicy.TABLES)
def test_the_example_entries_in_a_table_policy_s_help_are_accepted(lang: str, name: str) -> None:
    """What the editor shows IT as an example is an entry the mapping and the site file's
    checks accept (the examples are those after "for instance" / "例: ")."""
    help_text = strings(lang)[f"{name}_Help"]
    found = re.search(r"(?:for instance |例: )(.+?)(?:\.\s|）)", help_text)
    assert found, help_text
    entries = found.group(1).replace("、", " or ").split(" or ")
    lists = {name: {str(n): e.strip() for n, e in enumerate(entries, start=1)}}
    site, problems = grouppolicy.site_values({name: 1}, lists)
    assert problems == [] and len(site[name]) == len(entries), problems  # type: ignore[arg-type]
    assert check_value(KEYS[name], site[name], None)[1] == ""
