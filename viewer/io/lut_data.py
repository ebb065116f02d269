"""LUT Data as numbers, in the file's byte order (palette, modality and VOI lookup tables).

pydicom hands an OW value back as the bytes of the file. Read as little-endian words
whatever the file says, a big-endian table comes out byte-swapped: a 16-bit palette whose
entries run to 0xFF00 tops out at 0x00FF and the image shows black. Every table is read
here, with the byte order the data set was actually read in.

Entries per the LUT Descriptor (PS3.3 C.7.6.3.1.5, C.11.1.1): the first value is the number
of entries, 0 meaning 65536; the third the bits per entry. 16-bit entries are words; 8-bit
entries come either one per word (the high byte unused) or packed two to a word. A value
that pydicom has already turned into numbers (VR US/SS) is taken as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pydicom.dataset import Dataset


def is_little_endian(header: Dataset) -> bool:
    """The byte order ``header`` was read in (the transfer syntax when pydicom kept none)."""
    encoding = getattr(header, "original_encoding", (None, None))
    if encoding[1] is not None:
        return bool(encoding[1])
    syntax = getattr(getattr(header, "file_meta", None), "TransferSyntaxUID", None)
    if not syntax:
        return True
    from pydicom.uid import UID  # only for a header pydicom read: it is imported already

    return bool(UID(str(syntax)).is_little_endian)


def entry_count(descriptor_first: int) -> int:
    return int(descriptor_first) or 65536


def lut_entries(raw: Any, entries: int, bits: int, little_endian: bool) -> np.ndarray | None:
    """The ``entries`` values of one LUT Data element, or None when it holds too few."""
    if isinstance(raw, bytes | bytearray):
        if len(raw) >= 2 * entries:
            words = np.frombuffer(raw, dtype="<u2" if little_endian else ">u2", count=entries)
            return words.astype(np.uint16)
        if bits == 8 and len(raw) >= entries:
            data = bytes(raw)
            if not little_endian:
                # Packed 8-bit entries in an OW value: big endian swaps each pair.
                even = data[: len(data) // 2 * 2]
                data = np.frombuffer(even, ">u2").astype("<u2").tobytes() + data[len(even):]
            return np.frombuffer(data, dtype=np.uint8, count=entries).copy()
        return None
    values = np.asarray(list(raw) if _is_multi(raw) else [raw])
    return values[:entries] if values.size >= entries else None


def _is_multi(value: Any) -> bool:
    return not isinstance(value, str | bytes) and hasattr(value, "__len__")
