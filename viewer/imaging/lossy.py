"""Was this image compressed with loss? (what the corner text marks as "LOSSY")

A reader must know when the pixels are not what the modality acquired: PS3.3 C.7.6.1.1.5
says Lossy Image Compression "01" once an image has ever been lossy-compressed (even if it
was stored uncompressed since). The transfer syntax says it too: JPEG baseline/extended
and the video syntaxes are always lossy; JPEG 2000, JPEG-LS near-lossless, HTJ2K and JPEG
XL may be either, and then an explicit "00" is believed, else the image is marked lossy
(better a needless mark than a missing one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ALWAYS_LOSSY = frozenset({
    "1.2.840.10008.1.2.4.50",  # JPEG baseline (process 1)
    "1.2.840.10008.1.2.4.51",  # JPEG extended (processes 2 & 4)
    *(f"1.2.840.10008.1.2.4.{n}" for n in range(100, 108)),  # MPEG-2, MPEG-4, HEVC
})
_MAYBE_LOSSY = frozenset({
    "1.2.840.10008.1.2.4.81",  # JPEG-LS lossy (near-lossless)
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.93",  # JPEG 2000 part 2 multi-component
    "1.2.840.10008.1.2.4.203",  # HTJ2K
    "1.2.840.10008.1.2.4.111",  # JPEG XL JPEG recompression (of a lossy JPEG)
    "1.2.840.10008.1.2.4.112",  # JPEG XL
})


@dataclass(frozen=True, slots=True)
class Lossy:
    """How an image was compressed with loss: ratios ("10:1") and methods, as recorded."""

    ratios: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()

    def detail(self) -> str:
        """"10:1 ISO_10918_1" (the parts the file records, empty when none)."""
        return " ".join([*(f"{r}:1" for r in self.ratios), *self.methods])


def _values(header: Any, keyword: str) -> tuple[str, ...]:
    try:
        value = header.get(keyword)
    except Exception:  # noqa: BLE001 - a malformed value loses the detail, not the mark
        return ()
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, (str, int, float)) else list(value)
    return tuple(_short(v) for v in items if str(v).strip())


def _short(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value).strip()
    return f"{number:.3g}" if number < 100 else f"{number:.0f}"


def lossy(header: Any, transfer_syntax: str = "") -> Lossy | None:
    """How the image was lossy-compressed, or None when nothing says it was."""
    flag = ""
    if header is not None:
        try:
            flag = str(header.get("LossyImageCompression", "") or "").strip()
        except Exception:  # noqa: BLE001 - malformed: fall back on the transfer syntax
            flag = ""
    syntax = transfer_syntax.strip()
    if flag == "01" or syntax in _ALWAYS_LOSSY or (syntax in _MAYBE_LOSSY and flag != "00"):
        if header is None:
            return Lossy()
        return Lossy(_values(header, "LossyImageCompressionRatio"),
                     _values(header, "LossyImageCompressionMethod"))
    return None
