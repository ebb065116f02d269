"""Uploads streamed to a spool folder, never held whole in memory nor kept.

A run request is ``multipart/form-data`` with one part per DICOM instance (any field
name; the client's file names are never used: they can hold patient names or ``../``).
Each part is written as it arrives to ``NNNNN.dcm`` in a private temporary folder that
:func:`spooled` removes whatever happens. The byte limit is enforced as the body arrives
(:mod:`viewer.service.limits`), the count here; a part that does not start like a DICOM
file (the 128-byte preamble and ``DICM``) is refused (415) before the next one is read.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from viewer.service.problems import ServiceError

MAGIC_AT, MAGIC = 128, b"DICM"
#: A form field that is not a file (not used today, but a client may send one).
MAX_FIELD = 64 * 1024


@dataclass
class Upload:
    folder: Path
    files: list[Path] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


@asynccontextmanager
async def spooled(request: Request, max_files: int) -> AsyncIterator[Upload]:
    """The request's instances in a temporary folder, removed on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="lightbox-serve-"))
    try:
        upload = Upload(folder)
        await _receive(request, upload, max_files)
        yield upload
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Parts:
    """The parser's callbacks: headers of each part, then its bytes to a file."""

    def __init__(self, upload: Upload, max_files: int) -> None:
        self.upload, self.max_files = upload, max_files
        self.header_field, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.out: IO[bytes] | None = None
        self.head = b""
        self.field_name: str | None = None
        self.field_value = bytearray()

    def part_begin(self) -> None:
        self.headers, self.head, self.field_name, self.field_value = {}, b"", None, bytearray()

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"filename" in options:
            if len(self.upload.files) >= self.max_files:
                raise ServiceError("too_many_files", f"more than {self.max_files} files in one "
                                   "request (service_max_instances); send fewer")
            path = self.upload.folder / f"{len(self.upload.files):05d}.dcm"
            self.upload.files.append(path)
            self.out = path.open("wb")
        else:
            self.field_name = options.get(b"name", b"").decode(errors="replace")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.out is None:
            self.field_value += chunk
            if len(self.field_value) > MAX_FIELD:
                raise ServiceError("too_large", f"form field {self.field_name!r} is over "
                                   f"{MAX_FIELD} bytes")
            return
        if len(self.head) < MAGIC_AT + len(MAGIC):
            self.head += chunk[: MAGIC_AT + len(MAGIC) - len(self.head)]
        self.out.write(chunk)

    def part_end(self) -> None:
        if self.out is None:
            if self.field_name is not None:
                self.upload.fields[self.field_name] = self.field_value.decode(errors="replace")
            return
        self.out.close()
        self.out = None
        if self.head[MAGIC_AT:MAGIC_AT + len(MAGIC)] != MAGIC:
            number = len(self.upload.files)
            raise ServiceError("not_dicom", f"file {number} of the upload is not a DICOM file "
                               "(no 'DICM' after the 128-byte preamble); send DICOM Part 10 "
                               "files only")

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


async def _receive(request: Request, upload: Upload, max_files: int) -> None:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ServiceError("unsupported_media_type", "send the DICOM instances as "
                           "multipart/form-data, one file part per instance")
    parts = _Parts(upload, max_files)
    parser = MultipartParser(boundary, {
        "on_part_begin": parts.part_begin,
        "on_header_field": parts.header_field_data,
        "on_header_value": parts.header_value_data,
        "on_header_end": parts.header_end,
        "on_headers_finished": parts.headers_finished,
        "on_part_data": parts.part_data,
        "on_part_end": parts.part_end,
    })
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ServiceError:
        raise
    except Exception as exc:  # python-multipart's own parse errors
        raise ServiceError("bad_request", f"the multipart body cannot be read ({exc})") from None
    finally:
        parts.close()
    if not upload.files:
        raise ServiceError("no_series", "the request holds no file; send the DICOM instances "
                           "of one series as multipart/form-data file parts")
