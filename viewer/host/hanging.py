"""Hanging protocols the reader saves: how a study of one modality and body part is laid
out when it opens (the ``hanging_protocols`` user preference, docs/pacs.md).

Kept deliberately small: a protocol says whether the study hangs alone or beside its
most recent comparable prior, which side the current study takes, whether the two scroll
linked by position, and the window preset of each side. It is keyed by ``"MODALITY/BODY
PART"`` (``"CT/CHEST"``), or by the modality alone (``"CT"``), which any body part of that
modality falls back to. Qt-free and in ``host`` so that the settings can check the value
they read; the viewer's state (``viewer.state.hanging``) applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = ("left", "right")
FIELDS = ("comparison", "current", "link", "presets")


@dataclass(frozen=True)
class HangingProtocol:
    """One saved hanging."""

    comparison: bool = True  # current and its most recent comparable prior, side by side
    current: Side = "left"  # where the current study hangs (the prior takes the other side)
    link: bool = True  # scroll linked by position (an offset where frames of reference differ)
    presets: tuple[str, str] = ("", "")  # window preset (current, prior); "": the file's

    def to_json(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "current": self.current, "link": self.link,
                "presets": list(self.presets)}


def protocol_key(modality: str, body_part: str = "") -> str:
    """``"CT/CHEST"``, or ``"CT"`` with no body part (upper case, spaces trimmed)."""
    modality, body_part = modality.strip().upper(), body_part.strip().upper()
    return f"{modality}/{body_part}" if body_part else modality


def protocol_for(protocols: Mapping[str, HangingProtocol], modality: str,
                 body_part: str = "") -> tuple[str, HangingProtocol] | None:
    """The protocol for this modality and body part, else the modality's own, else None."""
    for key in (protocol_key(modality, body_part), protocol_key(modality)):
        if key in protocols:
            return key, protocols[key]
    return None


def check_protocol(value: Any) -> tuple[HangingProtocol | None, str]:
    """(the protocol, "") or (None, what is wrong with ``value``)."""
    if not isinstance(value, dict):
        return None, "must be a table of comparison, current, link and presets"
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        return None, f"has unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})"
    comparison, link = value.get("comparison", True), value.get("link", True)
    if not isinstance(comparison, bool) or not isinstance(link, bool):
        return None, "comparison and link must be true or false"
    current = value.get("current", "left")
    if current not in SIDES:
        return None, f"current must be \"left\" or \"right\", not {current!r}"
    presets = value.get("presets", ["", ""])
    if not (isinstance(presets, list) and len(presets) == 2
            and all(isinstance(p, str) for p in presets)):
        return None, "presets must be two preset names (current, prior), \"\" for the file's"
    return HangingProtocol(comparison, current, link, (presets[0].strip(), presets[1].strip())), ""


def check_protocols(value: Any) -> tuple[dict[str, HangingProtocol] | None, str]:
    """The ``hanging_protocols`` value: {"CT/CHEST": {...}, "MR": {...}}."""
    if not isinstance(value, dict):
        return None, ("must map \"MODALITY/BODY PART\" (or \"MODALITY\") to a protocol, "
                      "e.g. {\"CT/CHEST\": {\"comparison\": true}}")
    protocols: dict[str, HangingProtocol] = {}
    for key, item in value.items():
        modality, _, body_part = str(key).partition("/")
        if not isinstance(key, str) or not modality.strip() or "/" in body_part:
            return None, f"has the key {key!r}, which is not \"MODALITY\" or \"MODALITY/BODY PART\""
        protocol, reason = check_protocol(item)
        if protocol is None:
            return None, f"{key}: {reason}"
        protocols[protocol_key(modality, body_part)] = protocol
    return protocols, ""


def protocols_json(protocols: Mapping[str, HangingProtocol]) -> dict[str, Any]:
    """What the preferences file holds."""
    return {key: protocol.to_json() for key, protocol in sorted(protocols.items())}
