"""A smaller ICU data library for the frozen Qt (Linux): 31 MB down to about 5 MB.

Qt's wheels ship ICU's complete data (``libicudata.so.73``): every locale's currency,
unit, language and region names, transliterators, word-break dictionaries and some 200
legacy code pages. Qt itself asks ICU for four things only (checked against the symbols
``libQt6Core`` imports): collation (``ucol_*``), converters for named legacy encodings
(``ucnv_*``), time-zone ids and names (``ucal_*``) and case mapping (``u_strTo*``, whose
tables live in ``libicuuc``, not here). This module keeps the data those need for the
languages Lightbox ships and drops the rest; ICU falls back to its root data for a
language it does not find, and a legacy encoding Qt cannot open is reported as
unavailable, never a crash.

The data is ICU's "common data" package (``CmnD``): a header, a table of contents
sorted by item name (ICU searches it by bisection), then the items. The trimmed package
keeps the header and the order, and is linked into a one-symbol shared library with
binutils (``as``, ``ld``), which PyInstaller needs on Linux anyway.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: Trees of ICU data nothing in Qt reads (no break iterators, number/unit formatting,
#: display names of currencies, languages or regions, transliteration, spell-out rules).
DROP_TREES = ("brkitr", "unit", "curr", "lang", "region", "translit", "rbnf")
#: Single items nothing in Qt reads: legacy code-page tables (``.cnv``), character names,
#: string preparation profiles and confusable tables.
DROP_SUFFIXES = (".cnv", ".spp", ".cfu", "unames.icu")
#: Trees Qt does read, kept for the shipped languages (plus root, pool and index).
LANGUAGE_TREES = ("coll", "zone")
_ALIGN = 16
_FILL = b"\xaa"  # what ICU's pkgdata pads with, so an untrimmed package rebuilds byte-exact


@dataclass(frozen=True)
class Package:
    """An ICU common-data package: its header bytes and its items in TOC order."""

    header: bytes
    items: list[tuple[str, bytes]]

    @property
    def size(self) -> int:
        return len(self.header) + sum(len(data) for _, data in self.items)


def parse_package(blob: bytes) -> Package:
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    if blob[8] != 0:  # isBigEndian
        raise ValueError("big-endian ICU data is not supported")
    toc = blob[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(entries):
        name = toc[name_offset : toc.index(b"\0", name_offset)].decode("ascii")
        end = entries[i + 1][1] if i + 1 < count else len(toc)
        items.append((name, toc[data_offset:end]))
    return Package(blob[:header_size], items)


def _pad(data: bytes) -> bytes:
    return data + _FILL * (-len(data) % _ALIGN)


def build_package(package: Package) -> bytes:
    """The package's bytes; item offsets stay 16-byte aligned, as ICU's pkgdata writes."""
    count = len(package.items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in package.items)
    names_start = 4 + 8 * count
    data_start = names_start + len(names)
    data_start += -(len(package.header) + data_start) % _ALIGN
    entries, name_offset, data_offset = [], names_start, data_start
    for name, data in package.items:
        entries.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name) + 1
        data_offset += len(_pad(data))
    toc = struct.pack("<I", count) + b"".join(entries) + names
    toc += _FILL * (data_start - len(toc))
    return package.header + toc + b"".join(_pad(data) for _, data in package.items)


def keeper(languages: Iterable[str]) -> Callable[[str], bool]:
    """Whether an item (``icudt73l/coll/ja.res``) belongs in the trimmed package."""
    wanted = tuple(languages)

    def keep(name: str) -> bool:
        parts = name.split("/")[1:]  # without the package prefix
        if parts[0] in DROP_TREES or name.endswith(DROP_SUFFIXES):
            return False
        if parts[0] in LANGUAGE_TREES and name.endswith(".res"):  # not coll/ucadata.icu
            stem = parts[-1].split(".")[0]
            return stem in ("root", "pool", "res_index") or stem.split("_")[0] in wanted
        return True

    return keep


def trim(package: Package, languages: Iterable[str]) -> Package:
    keep = keeper(languages)
    return Package(package.header, [(n, d) for n, d in package.items if keep(n)])


def _symbol(library: Path) -> tuple[str, int, int]:
    """Name, file offset and size of the ``icudtNN_dat`` symbol in an ICU data library."""
    listing = subprocess.run(["nm", "-D", "-S", str(library)], check=True,
                             capture_output=True, text=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[3].startswith("icudt") and fields[3].endswith("_dat"):
            address, size = int(fields[0], 16), int(fields[1], 16)
            return fields[3], _file_offset(library, address), size
    raise ValueError(f"{library.name} holds no icudtNN_dat symbol")


def _file_offset(library: Path, address: int) -> int:
    header = library.read_bytes()[:64]
    phoff, = struct.unpack_from("<Q", header, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
    data = library.read_bytes()[phoff : phoff + phentsize * phnum]
    for i in range(phnum):
        kind, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from(
            "<IIQQQQ", data, i * phentsize)
        if kind == 1 and vaddr <= address < vaddr + filesz:  # PT_LOAD
            return offset + address - vaddr
    raise ValueError(f"address {address:#x} is outside {library.name}'s loaded segments")


def tools_available() -> bool:
    return all(shutil.which(tool) for tool in ("as", "ld", "nm"))


def trim_library(source: Path, target: Path, languages: Iterable[str]) -> tuple[int, int]:
    """Write a trimmed copy of ICU data library ``source`` to ``target``.

    Returns the item counts before and after. The copy keeps the soname and exports the
    same symbol, so ``libicuuc`` loads it in place of the original.
    """
    symbol, offset, size = _symbol(source)
    original = parse_package(source.read_bytes()[offset : offset + size])
    trimmed = trim(original, languages)
    soname = source.name
    with tempfile.TemporaryDirectory(prefix="icu-") as tmp:
        work = Path(tmp)
        (work / "data.bin").write_bytes(build_package(trimmed))
        (work / "data.s").write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "data.bin"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        subprocess.run(["as", "-o", "data.o", "data.s"], cwd=work, check=True)
        partial = target.with_name(target.name + ".part")
        subprocess.run(["ld", "-shared", "-soname", soname, "-o", str(partial), "data.o"],
                       cwd=work, check=True)
        partial.replace(target)
    return len(original.items), len(trimmed.items)
