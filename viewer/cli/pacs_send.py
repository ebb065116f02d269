"""Results back to the PACS: send files, then record the send in the audit log.

The one path for ``lightbox pacs send NODE FILE...`` and ``lightbox infer ... --send``
(and the automatic send a site turns on with ``results_auto_send``): the files' headers
are read and the audit log checked *before* anything goes (a send that could not be
recorded does not start), the objects go over one association, or by STOW-RS to a
DICOMweb node (:func:`viewer.net.nodes.send`), and the record of what went where, object by object, is
appended and fsynced (:mod:`viewer.audit.sends`) before the command says it is done. A
send that fails half-way is recorded too, with each object's outcome.

Exit status (as the other pacs commands): 0 every object stored (a warning status is
printed); 1 an object failed or was refused, the node refused or broke off, or the audit
could not be written; 2 usage (an unknown node, a file that is not one Lightbox sends);
130 interrupted (Ctrl+C stops between objects; the record says which went).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.errors import Cancelled, LightboxError
from viewer.host.dicomweb_nodes import AnyNode, DicomWebNode
from viewer.host.settings import Settings
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from viewer.net.send import SendOutcome, SendProgress

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130


class SendUsageError(LightboxError):
    """Nothing was sent: no destination, an unknown node, a file Lightbox does not send."""


def destination(settings: Settings, name: str | None) -> AnyNode:
    """The node ``name``, or the site's ``results_destination`` when None."""
    from viewer.net.errors import NodeNotConfiguredError
    from viewer.net.nodes import node_named

    chosen = name or settings.results_destination
    if chosen is None:
        raise SendUsageError(
            "no destination for results: name a node (--send-to NODE), or IT sets "
            f"results_destination in the site configuration ({settings.site_file}); see "
            "docs/pacs.md, 'Sending results back'")
    try:
        return node_named(settings, chosen)
    except NodeNotConfiguredError as exc:
        raise SendUsageError(str(exc)) from None


def send_and_record(node: AnyNode, settings: Settings, paths: Sequence[Path], *,
                    trigger: str = "reader", token: CancelToken | None = None,
                    quiet: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> SendOutcome:
    """Send ``paths`` to ``node`` and append the audit record; the outcome.

    Raises :class:`SendUsageError` when a file cannot go (nothing sent),
    :class:`~viewer.audit.signing.AuditError` when the audit cannot take the record
    (before sending: nothing sent; after: the message says what went)."""
    from viewer.audit.log import AuditLog
    from viewer.audit.sends import SentObject, send_record
    from viewer.net.nodes import send
    from viewer.net.send import SendFileError, read_objects

    try:
        objects = read_objects(paths)
    except SendFileError as exc:
        raise SendUsageError(str(exc)) from None
    if not objects:
        raise SendUsageError("there is nothing to send: no SEG, SR or other result was written")
    audit = AuditLog.of(settings)
    audit.check()  # a send that cannot be recorded does not start

    def show(p: SendProgress) -> None:
        if progress is not None:
            progress(p.done, p.total)
        if not quiet and p.last is not None:
            o = p.last
            print(f"{p.done}/{p.total} {o.status}: {o.object.path.name} ({o.object.kind})",
                  file=sys.stderr, flush=True)

    outcome = send(node, settings, objects, progress=show, token=token)
    result = ("ok" if outcome.ok else "cancelled" if outcome.cancelled
              else "refused" if outcome.refused else "error")
    record = send_record(
        node.name, node.ae_title,
        node.url if isinstance(node, DicomWebNode) else f"{node.host}:{node.port}",
        [SentObject(o.object.sop_class, o.object.sop_instance, o.object.series_uid,
                    o.object.study_uid, o.object.references, o.status, o.code, o.detail,
                    o.object.model) for o in outcome.objects],
        outcome=result, duration_s=outcome.duration_s,
        message="; ".join(outcome.problems())[:500], trigger=trigger)
    try:
        audit.append(record)
    except LightboxError as exc:
        if outcome.sent:
            raise type(exc)(f"{outcome.sent} object(s) went to {node.name!r}, but the send "
                            f"was not recorded: {exc}") from None
        raise
    return outcome


def report(outcome: SendOutcome, command: str) -> int:
    """The outcome on stderr and its exit status."""
    node = outcome.node
    for problem in outcome.problems():
        print(f"{command}: {problem}", file=sys.stderr)
    total = len(outcome.objects)
    if outcome.cancelled:
        print(f"{command}: interrupted: {outcome.sent} of {total} object(s) sent to "
              f"{node.name} ({node.address}); the audit log says which", file=sys.stderr)
        return INTERRUPTED
    if not outcome.ok:
        print(f"{command}: {outcome.sent} of {total} object(s) stored by {node.name} "
              f"({node.address}); the audit log records each", file=sys.stderr)
        return FAILED
    print(f"{total} object(s) sent to {node.name} ({node.address}) and recorded in the "
          "audit log", file=sys.stderr)
    return OK


def send_command(name: str, files: Sequence[str], settings: Settings) -> int:
    """``lightbox pacs send NODE FILE...``."""
    from viewer.cli.ai import ctrl_c_cancels

    command = "lightbox pacs send"
    token = CancelToken()
    try:
        node = destination(settings, name)
        with ctrl_c_cancels(token, command):
            outcome = send_and_record(node, settings, [Path(f) for f in files], token=token)
    except SendUsageError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except LightboxError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return FAILED
    return report(outcome, command)


#: What the viewer's "Send AI results to PACS" calls on its worker thread: the files, the
#: job's cancel token and progress, whether the site's auto-send sent them; (objects
#: stored, objects, problems). Raises Cancelled (the record says what went), or a
#: LightboxError that says what is wrong.
ResultsSender = Callable[[Sequence[Path], CancelToken, Callable[[int, int], None], bool],
                         tuple[int, int, tuple[str, ...]]]


def results_sender(settings: Settings) -> ResultsSender | None:
    """The viewer's sender to the site's ``results_destination``; None when there is none
    (the action is then disabled). Handed to the GUI by ``lightbox`` (viewer.cli.main):
    ``viewer.ui`` may not load the network layer itself, and does not until a send."""
    if settings.results_destination is None:
        return None

    def send_results(paths: Sequence[Path], token: CancelToken,
                     progress: Callable[[int, int], None],
                     automatic: bool) -> tuple[int, int, tuple[str, ...]]:
        node = destination(settings, None)
        outcome = send_and_record(node, settings, paths, token=token, quiet=True,
                                  progress=progress,
                                  trigger="automatic" if automatic else "reader")
        if outcome.cancelled:
            raise Cancelled()
        return outcome.sent, len(outcome.objects), tuple(outcome.problems())

    return send_results
