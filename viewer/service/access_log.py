"""The access log without patient identifiers: uvicorn logs each request's path and query,
and the web viewer's paths hold study and series UIDs (``/v1/series/<uid>/frames/3``) and
its PACS search the patient's name or ID (``/v1/studies?source=pacs&patient_name=...``).
The audit keeps series only as keyed hashes; the log must not undo that. :class:`Redact`
rewrites those parts to ``…`` before any handler sees the line (the method, the route's
shape and the status stay: enough for IT to read the log)."""

from __future__ import annotations

import logging
import re

#: A UID after /studies/ or /series/, and the query of those routes (search keys).
_UID = re.compile(r"/(studies|series)/[^/?]+")
_QUERY = re.compile(r"^(/v1/(?:studies|series)[^?]*)\?.*$")


def redact(path: str) -> str:
    return _QUERY.sub(r"\1?…", _UID.sub(r"/\1/…", path))


class Redact(logging.Filter):
    """For ``uvicorn.access``: its third argument is the path with the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install() -> None:
    """After uvicorn configured its logging (``uvicorn.Config``), before it serves."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, Redact) for f in logger.filters):
        logger.addFilter(Redact())
