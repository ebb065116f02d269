"""``lightbox studies``: the local study list (docs/pacs.md, "The local study list").

    lightbox studies [--search TEXT] [--json] [--show-identity]
                                                  list what was retrieved, received, opened
    lightbox studies --evict-to GB                trim the local store now

Each line: date, patient ID, name, accession, modalities, series, images, size, where it
came from, complete or partial, AI (results exist), folder. ``--search`` keeps the studies
whose name, ID, accession, date, description or a modality holds every word. Reading the
list repairs it from the store's folder first (a crash, an eviction cut half way). Where
the site hides patient identity, the name reads "Identity hidden" and the ID and accession
are left out (:mod:`viewer.cli.identity`).

Exit status: 0 success; 1 the list's database cannot be used (the reason is printed);
2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace

from viewer.cli.identity import IDENTITY_HIDDEN, IdentityLocked, add_flag, hides_identity
from viewer.host.settings import Settings, load_settings
from viewer.io.person_names import person_name

OK, FAILED, USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lightbox studies",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--search", default="", help="words to look for")
    parser.add_argument("--json", action="store_true", help="one JSON object per study")
    parser.add_argument("--evict-to", type=float, metavar="GB",
                        help="remove least recently opened complete studies until the "
                        "store holds at most GB gigabytes")
    add_flag(parser)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.evict_to is not None and args.evict_to < 0:
        print("lightbox studies: --evict-to must be 0 or more gigabytes", file=sys.stderr)
        return USAGE
    settings = settings if settings is not None else load_settings()
    try:
        hidden = hides_identity(settings, args.show_identity)
    except IdentityLocked as exc:
        print(f"lightbox studies: {exc}", file=sys.stderr)
        return USAGE
    from viewer.net.cache import GB, evict_to
    from viewer.net.errors import LocalStoreError
    from viewer.net.index import StudyIndex

    try:
        with StudyIndex.open(settings.pacs_store_dir) as index:
            if index.notice:
                print(f"lightbox studies: {index.notice}", file=sys.stderr)
            if args.evict_to is not None:
                gone = evict_to(index, int(args.evict_to * GB))
                print(f"{len(gone)} studies removed; the store holds "
                      f"{index.cached_bytes() / GB:.3f} GB", file=sys.stderr)
                return OK
            rows = index.search(args.search)
    except LocalStoreError as exc:
        print(f"lightbox studies: {exc}", file=sys.stderr)
        return FAILED
    for row in rows:
        if hidden:
            row = replace(row, patient_name="", patient_id="", accession="")
        if args.json:
            print(json.dumps({**asdict(row), "origin": row.origin,
                              **({"identity_hidden": True} if hidden else {})},
                             ensure_ascii=False))
            continue
        print("\t".join([row.study_date, row.patient_id,
                         IDENTITY_HIDDEN if hidden else person_name(row.patient_name), row.accession,
                         "/".join(row.modalities), str(row.series), str(row.images),
                         f"{row.bytes / 1e6:.1f} MB", row.origin,
                         "partial" if row.partial else "complete", "AI" if row.ai else "",
                         row.folder]))
    print(f"{len(rows)} studies", file=sys.stderr)
    return OK
