"""Patient identity in the study-listing commands (``lightbox studies``, ``lightbox pacs
find``), by the viewer's rule (:mod:`viewer.host.identity`, shared with the web viewer's
study list).

Where ``hide_identity`` is true they print "Identity hidden" in place of the patient's
name and leave the patient ID and accession number out (JSON: empty, with
``identity_hidden``); ``--show-identity`` shows them, unless the site locked
``hide_identity`` (then the flag is refused: exit status 2). What IT needs to find and
fetch a study stays: the search keys work as before (an accession number typed finds its
study) and each line keeps the study's UID and folder.
"""

from __future__ import annotations

import argparse

from viewer.host.identity import FLAG, IDENTITY_HIDDEN, IdentityLocked, hides_identity

__all__ = ["FLAG", "IDENTITY_HIDDEN", "IdentityLocked", "add_flag", "hides_identity"]


def add_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(FLAG, action="store_true",
                        help="print patient names, IDs and accession numbers where the "
                        "site hides identity but leaves it to the user")
