"""STOW-RS of Lightbox's results to a configured DICOMweb node, as C-STORE does.

The same objects :mod:`viewer.net.send` allows (:data:`~viewer.net.send.SENDABLE`: SEG,
SR, key-object selections, presentation states, secondary captures; never images), read
by the same :func:`~viewer.net.send.read_objects`, sent as their bytes on disk (the file
the writer wrote, not re-encoded), one object per request so that each has its own
answer and a cancel stops between objects. The outcome is the same
:class:`~viewer.net.send.SendOutcome`, which the caller records in the audit log.

A 200 answer is "sent"; 202 (stored with a warning, or some failed: the answer's
FailedSOPSequence says) and 409 (refused) are read object by object; 401/403 stop the
send as a refusal (the credentials), every other failure stops it with its reason and
the objects without an answer are "not sent".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from viewer.host.dicomweb_nodes import DicomWebNode
from viewer.host.settings import Settings
from viewer.net.errors import AssociationRefusedError, NetworkError
from viewer.net.send import ObjectOutcome, SendObject, SendOutcome, SendProgress
from viewer.net.web import client, failure
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)
_BOUNDARY = "lightbox-stow-2f6c1e0a9b"


def send(node: DicomWebNode, settings: Settings, objects: Sequence[SendObject], *,
         progress: Callable[[SendProgress], None] | None = None,
         token: CancelToken | None = None) -> SendOutcome:
    """STOW-RS ``objects`` to ``node``; every object's outcome (see the module)."""
    web = client(node, settings)  # NodeNotConfiguredError before any socket
    token = token or CancelToken()
    start = time.monotonic()
    done: list[ObjectOutcome] = []

    def finish(cancelled: bool = False, error: str = "", refused: bool = False) -> SendOutcome:
        rest = [ObjectOutcome(o, "not sent") for o in objects[len(done):]]
        return SendOutcome(node, (*done, *rest), time.monotonic() - start, cancelled,
                           error, refused)

    from dicomweb_client.web import _Transaction

    url = web._get_studies_url(_Transaction.STORE)
    for item in objects:
        if token.cancelled:
            return finish(cancelled=True)
        try:
            outcome = _store_one(web, url, item)
        except AssociationRefusedError as exc:
            return finish(error=str(exc), refused=True)
        except NetworkError as exc:
            return finish(error=str(exc))
        except Exception as exc:  # noqa: BLE001 - failure() names it or raises it again
            error = failure(node, settings, exc, "the send")
            return finish(error=str(error), refused=isinstance(error, AssociationRefusedError))
        done.append(outcome)
        if progress is not None:
            progress(SendProgress(len(done), len(objects), outcome))
    log.info("sent %d of %d object(s) to DICOMweb node %s", sum(o.stored for o in done),
             len(objects), node.name)
    return finish()


def _store_one(web: Any, url: str, item: SendObject) -> ObjectOutcome:
    data = item.path.read_bytes()
    body = b"".join((f"--{_BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode(),
                     data, f"\r\n--{_BOUNDARY}--\r\n".encode()))
    response = web._session.post(
        url, data=body, timeout=web._timeout,
        headers={"Content-Type": f'multipart/related; type="application/dicom"; '
                                 f'boundary={_BOUNDARY}',
                 "Accept": "application/dicom+json"})
    code = response.status_code
    if code in (200, 202, 409):
        failed, warned = _answer(response, item.sop_instance)
        if code == 200 and failed is None:
            return ObjectOutcome(item, "warning" if warned else "sent", None,
                                 "stored with a warning" if warned else "")
        if failed is None and code == 202:
            return ObjectOutcome(item, "warning", None, "HTTP 202 (stored with a warning)")
        reason = f" (failure reason 0x{failed:04X})" if failed else ""
        return ObjectOutcome(item, "failed", failed or None,
                             f"the node refused it (HTTP {code}){reason}")
    response.raise_for_status()  # 401/403/404/5xx: failure() says which
    return ObjectOutcome(item, "failed", None, f"unexpected HTTP {code}")


def _answer(response: Any, sop: str) -> tuple[int | None, bool]:
    """(the failure reason for ``sop`` when it failed, else None; whether it warned)."""
    try:
        answer = response.json() if response.content else {}
    except ValueError:
        return None, False
    failed: int | None = None
    for entry in (answer.get("00081198") or {}).get("Value", []):  # FailedSOPSequence
        if str((entry.get("00081155") or {}).get("Value", [""])[0]) == sop:
            reason = (entry.get("00081197") or {}).get("Value", [0])[0]
            failed = int(reason) if isinstance(reason, int) else 0
    warned = any("00081196" in entry  # WarningReason
                 for entry in (answer.get("00081199") or {}).get("Value", []))
    return failed, warned

