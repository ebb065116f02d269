"""Patient identity in the study-listing commands (``lightbox studies``, ``lightbox pacs
find``), by the viewer's rule.

The viewer starts with identity hidden where ``hide_identity`` is true, and a reader may
show it from the View menu unless the site locked it. The commands do the same: where
``hide_identity`` is true they print "Identity hidden" in place of the patient's name and
leave the patient ID and accession number out (JSON: empty, with ``identity_hidden``);
``--show-identity`` shows them, unless the site locked ``hide_identity`` (then the flag
is refused: exit status 2). What IT needs to find and fetch a study stays: the search
keys work as before (an accession number typed finds its study) and each line keeps the
study's UID and folder.
"""

from __future__ import annotations

import argparse

from viewer.host.settings import Settings

IDENTITY_HIDDEN = "Identity hidden"
FLAG = "--show-identity"


class IdentityLocked(Exception):
    """``--show-identity`` where the site locked ``hide_identity``."""


def add_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(FLAG, action="store_true",
                        help="print patient names, IDs and accession numbers where the "
                        "site hides identity but leaves it to the user")


def hides_identity(settings: Settings, show: bool) -> bool:
    """Whether names, IDs and accession numbers are left out; raises
    :class:`IdentityLocked` (with the message) for ``show`` against the site's lock."""
    if not settings.hide_identity:
        return False
    if settings.is_locked("hide_identity"):
        if show:
            raise IdentityLocked(
                f"{FLAG} is not allowed: the site hides patient identity (hide_identity is "
                "locked); search by accession number or study UID, which still work")
        return True
    return not show
