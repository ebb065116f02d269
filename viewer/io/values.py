"""Fast reading of the few header values a scan needs.

pydicom converts a raw element through a chain of hooks, validators and value classes;
for the ~25 attributes read per file during a scan that conversion costs as much as
parsing the whole header (about 0.3 ms a file, a third of a 300-slice scan). Text VRs
that carry no character set (UI, CS, IS, DS, DA, TM, AS) and US are decoded here
straight from the raw bytes; anything unusual (person names, non-ASCII, malformed
numbers, sequences) falls back to pydicom, so the result is never less correct.
The dataset itself is left untouched: the tag browser still sees pydicom's own values.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom.dataelem import RawDataElement

_TEXT = frozenset({"UI", "CS", "DA", "TM", "AS"})
_NUMBER = frozenset({"IS", "DS"})


@cache
def _tag_and_vr(keyword: str) -> tuple[int | None, str | None]:
    from pydicom.datadict import dictionary_VR, tag_for_keyword

    tag = tag_for_keyword(keyword)
    if tag is None:
        return None, None
    try:
        return tag, dictionary_VR(tag)
    except KeyError:
        return tag, None


@cache
def _raw_element() -> type[RawDataElement]:
    from pydicom.dataelem import RawDataElement

    return RawDataElement


def fast_get(ds: Any, keyword: str, default: Any = None) -> Any:
    """``ds.get(keyword, default)``, decoded from the raw bytes when that is safe.

    ``ds`` is a pydicom data set, or anything else with ``get`` (a quick header decodes
    its own values): pydicom is imported only for a data set, which implies it."""
    if not hasattr(ds, "_dict"):
        return ds.get(keyword, default)
    tag, dict_vr = _tag_and_vr(keyword)
    raw = ds._dict.get(tag) if tag is not None else None
    if isinstance(raw, _raw_element()) and raw.value is not None:
        vr = raw.VR or dict_vr
        try:
            if vr in _TEXT or vr in _NUMBER:
                text = raw.value.decode("ascii").strip("\x00 ")
                if not text:
                    return default
                parts = [p.strip() for p in text.split("\\")]
                if vr in _NUMBER:
                    values: list[Any] = [int(p) if vr == "IS" else float(p) for p in parts]
                    if not all(math.isfinite(v) for v in values):
                        raise ValueError("not a finite number")
                else:
                    values = parts
                return values[0] if len(values) == 1 else values
            if vr == "US" and len(raw.value) == 2:
                little = getattr(ds, "original_encoding", (None, True))[1] is not False
                return int.from_bytes(raw.value, "little" if little else "big")
        except (UnicodeDecodeError, ValueError):
            pass  # unusual bytes: let pydicom decide what they mean
    return ds.get(keyword, default)


def safe_value(ds: Any, keyword: str, default: Any = None) -> Any:
    """An attribute's value, or ``default`` when missing, empty or malformed (a damaged
    element raises anything pydicom can raise; a header read must never do so)."""
    try:
        value = fast_get(ds, keyword, default)
    except Exception:
        return default
    return default if value is None or value == "" else value


def safe_int(ds: Any, keyword: str, default: int | None = None) -> int | None:
    value = safe_value(ds, keyword)
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default

