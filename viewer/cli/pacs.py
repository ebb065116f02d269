"""``lightbox pacs``: IT's tools for the DICOM and DICOMweb nodes the site configured
(docs/pacs.md).

    lightbox pacs nodes                                   list the configured nodes
    lightbox pacs echo [NODE]                             C-ECHO (DICOMweb: a QIDO-RS
                                                          search, limit 1): does it answer?
    lightbox pacs find [--patient-name NAME] [--patient-id ID] [--accession NUMBER]
                       [--date FROM-TO] [--modality MOD] [--level study|series]
                       [--study UID] [--limit N] [--json] [--show-identity] [NODE]
    lightbox pacs get --study UID [--series UID] [--move] [NODE]
    lightbox pacs listen                                  receive studies the PACS pushes
    lightbox pacs send NODE FILE...                       C-STORE results Lightbox wrote

NODE is a node's name from the site configuration (default: the user's ``default_node``):
a DICOM node (C-FIND, C-GET/C-MOVE, C-STORE) or a DICOMweb node (QIDO-RS, WADO-RS,
STOW-RS), the same commands and results either way (:mod:`viewer.net.nodes`).
``get`` stores into the local store (``pacs_store_dir``), prints progress on stderr, and
resumes a retrieve that stopped: what is already stored is skipped. ``listen`` opens the
storage port for the configured nodes until Ctrl+C and stores what they send. ``send``
sends SEG, SR, key-object selections, presentation states and secondary captures that
Lightbox wrote, and records what went where in the audit log (:mod:`viewer.cli.pacs_send`).
Where the site hides patient identity, ``find`` prints "Identity hidden" for the name and
leaves the ID and accession number out; ``--show-identity`` shows them where the site
leaves it to the user (:mod:`viewer.cli.identity`).

Exit status: 0 success; 1 the node or the transfer failed (what arrived is kept; run
``get`` again to resume), or a search matched more than the limit (the first matches are
printed, narrow it); 2 usage (a wrong key, an unknown node, no node configured); 130
interrupted (Ctrl+C; run again to resume; for ``listen``, Ctrl+C is how it ends: 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, replace

from viewer.cli.identity import IDENTITY_HIDDEN, IdentityLocked, add_flag, hides_identity
from viewer.errors import Cancelled, LightboxError
from viewer.host.dicomweb_nodes import AnyNode
from viewer.host.settings import Settings, load_settings
from viewer.io.person_names import person_name
from viewer.tasks.cancel import CancelToken

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lightbox pacs", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("nodes", help="list the DICOM and DICOMweb nodes the site configured")
    echo = commands.add_parser("echo", help="C-ECHO a node (DICOMweb: a QIDO-RS search, limit 1)")
    echo.add_argument("node", nargs="?")
    find = commands.add_parser("find", help="C-FIND (or QIDO-RS) studies or series")
    find.add_argument("--patient-name", default="", help="wildcards * and ? allowed")
    find.add_argument("--patient-id", default="")
    find.add_argument("--accession", default="")
    find.add_argument("--date", default="",
                      help="YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD")
    find.add_argument("--modality", default="")
    find.add_argument("--level", choices=("study", "series"), default="study")
    find.add_argument("--study", default="", help="series level: the study UID")
    find.add_argument("--limit", type=int, help="most matches (default: the site's)")
    find.add_argument("--json", action="store_true", help="one JSON object per match")
    add_flag(find)
    find.add_argument("node", nargs="?")
    get = commands.add_parser("get", help="retrieve a study or series (C-GET, C-MOVE or WADO-RS)")
    get.add_argument("--study", required=True, help="Study Instance UID")
    get.add_argument("--series", help="Series Instance UID (default: the whole study)")
    get.add_argument("--move", action="store_true",
                     help="C-MOVE to Lightbox's storage port (default: the node's "
                     "retrieve, C-GET unless IT set \"move\")")
    get.add_argument("node", nargs="?")
    commands.add_parser("listen", help="store the studies the configured nodes push "
                        "(C-STORE to the storage port) until Ctrl+C")
    send = commands.add_parser("send", help="C-STORE results Lightbox wrote (SEG, SR, key "
                               "images, annotations) to a node; recorded in the audit log")
    send.add_argument("node")
    send.add_argument("files", nargs="+", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    settings = settings if settings is not None else load_settings()
    if args.command == "nodes":
        return _nodes(settings)
    if args.command == "listen":
        return _listen(settings)
    if args.command == "send":
        from viewer.cli.pacs_send import send_command

        return send_command(args.node, args.files, settings)
    # Only now is anything of the network loaded, and only for a configured node.
    from viewer.net.errors import NodeNotConfiguredError, QueryKeyError
    from viewer.net.nodes import node_named

    try:
        node = node_named(settings, args.node)
        if args.command == "echo":
            return _echo(node, settings)
        if args.command == "find":
            return _find(node, args, settings)
        return _get(node, args, settings)
    except (NodeNotConfiguredError, QueryKeyError) as exc:
        print(f"lightbox pacs {args.command}: {exc}", file=sys.stderr)
        return USAGE
    except LightboxError as exc:
        print(f"lightbox pacs {args.command}: {exc}", file=sys.stderr)
        return FAILED


def _nodes(settings: Settings) -> int:
    if not settings.dicom_nodes and not settings.dicomweb_nodes:
        print("no DICOM or DICOMweb node is configured: Lightbox opens no network "
              f"connection (site configuration: {settings.site_file})")
        return OK
    print(f"this workstation: AE title {settings.local_ae_title}, storage port "
          f"{settings.storage_port}")
    for node in settings.dicom_nodes.values():
        default = "  (default)" if node.name == settings.default_node else ""
        tls = "  (DICOM over TLS)" if node.tls else ""
        print(f"{node.name}: {node.address}{tls}{default}")
    for web in settings.dicomweb_nodes.values():
        default = "  (default)" if web.name == settings.default_node else ""
        auth = f", auth {web.auth}" if web.auth != "none" else ""
        print(f"{web.name}: DICOMweb {web.url}{auth}{default}")
    return OK


def _echo(node: AnyNode, settings: Settings) -> int:
    from viewer.net.nodes import echo, protocol

    echo(node, settings)
    if protocol(node) == "DICOMweb":
        how = "QIDO-RS"
    else:
        how = "C-ECHO over TLS" if getattr(node, "tls", False) else "C-ECHO"
    print(f"{node.name}: {node.address} answers ({how})")
    return OK


def _find(node: AnyNode, args: argparse.Namespace, settings: Settings) -> int:
    from viewer.net.nodes import find
    from viewer.net.query import Query, StudyMatch

    if args.limit is not None and args.limit < 1:
        print("lightbox pacs find: --limit must be 1 or more", file=sys.stderr)
        return USAGE
    query = Query(patient_name=args.patient_name, patient_id=args.patient_id,
                  accession=args.accession, study_date=args.date, modality=args.modality,
                  study_uid=args.study, level=args.level)
    try:
        hidden = hides_identity(settings, args.show_identity)
    except IdentityLocked as exc:
        print(f"lightbox pacs find: {exc}", file=sys.stderr)
        return USAGE
    result = find(node, query, settings, limit=args.limit)
    for match in result.matches:
        if hidden and isinstance(match, StudyMatch):
            match = replace(match, patient_name="", patient_id="", accession="")
        if args.json:
            print(json.dumps({**asdict(match), **({"identity_hidden": True} if hidden
                                                  and isinstance(match, StudyMatch) else {})},
                             ensure_ascii=False))
        elif isinstance(match, StudyMatch):
            print("\t".join([match.study_date, match.patient_id,
                             IDENTITY_HIDDEN if hidden else person_name(match.patient_name),
                             match.accession, "/".join(match.modalities),
                             str(match.instance_count or ""), match.description,
                             match.study_uid]))
        else:
            print("\t".join([str(match.number or ""), match.modality,
                             str(match.instance_count or ""), match.description,
                             match.series_uid]))
    print(f"{len(result.matches)} match(es)", file=sys.stderr)
    if result.more:
        print(f"lightbox pacs find: {result.advice}", file=sys.stderr)
        return FAILED
    return OK


def _get(node: AnyNode, args: argparse.Namespace, settings: Settings) -> int:
    from viewer.net.nodes import protocol, retrieve
    from viewer.net.receiver import Progress

    if args.move and protocol(node) == "DICOMweb":
        print(f"lightbox pacs get: --move (C-MOVE) is for DICOM nodes; {node.name} is a "
              "DICOMweb node, retrieved with WADO-RS: leave --move out", file=sys.stderr)
        return USAGE
    token = CancelToken()
    lock = threading.Lock()

    shown = [-1]

    def show(p: Progress) -> None:
        # About twenty lines for a whole retrieve, and always the last one.
        step = max(1, p.total // 20)
        with lock:
            if p.done == shown[0] or (p.done % step and p.done < p.total):
                return
            shown[0] = p.done
            print(f"{p.done}/{p.total} images ({p.stored} received, {p.skipped} already "
                  f"here, {p.failed} refused)", file=sys.stderr, flush=True)

    try:
        outcome = retrieve(node, settings, args.study, args.series, move=args.move,
                           progress=show, token=token)
    except KeyboardInterrupt:
        token.cancel()
        print("lightbox pacs get: interrupted; run the same command again to resume",
              file=sys.stderr)
        return INTERRUPTED
    except Cancelled:
        return INTERRUPTED
    for problem in outcome.problems:
        print(f"lightbox pacs get: {problem}", file=sys.stderr)
    folder = settings.pacs_store_dir / outcome.study_uid
    if not outcome.complete:
        print(f"lightbox pacs get: incomplete: {outcome.total - outcome.stored - outcome.skipped}"
              f" of {outcome.total} images missing in {folder}; run again to resume",
              file=sys.stderr)
        return FAILED
    print(folder)
    return OK


def _listen(settings: Settings) -> int:
    import time

    from viewer.net.errors import NodeNotConfiguredError
    from viewer.net.push import receive_pushes
    from viewer.net.receiver import Progress

    def show(p: Progress) -> None:
        print(f"{p.stored} images received ({p.skipped} already here, {p.failed} refused)",
              file=sys.stderr, flush=True)

    try:
        with receive_pushes(settings, progress=show) as receiver:
            print(f"listening on port {settings.storage_port} as {settings.local_ae_title} "
                  f"for {', '.join(sorted(settings.dicom_nodes))}; Ctrl+C to stop",
                  file=sys.stderr, flush=True)
            try:
                while True:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
    except NodeNotConfiguredError as exc:
        print(f"lightbox pacs listen: {exc}", file=sys.stderr)
        return USAGE
    except LightboxError as exc:
        print(f"lightbox pacs listen: {exc}", file=sys.stderr)
        return FAILED
    print(f"stopped: {receiver.stored} images of {len(receiver.studies)} studies stored in "
          f"{settings.pacs_store_dir}", file=sys.stderr)
    for study in sorted(receiver.studies):
        print(settings.pacs_store_dir / study)
    return OK
