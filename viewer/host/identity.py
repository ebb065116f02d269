"""Whether patient identity is shown, by the viewer's rule, for every surface that lists
studies without a reader at a screen: the study-listing commands (``lightbox studies``,
``lightbox pacs find``: :mod:`viewer.cli.identity` adds their flag) and the web viewer's
study list (``lightbox serve``, :mod:`viewer.service.routes_studies`).

The viewer starts with identity hidden where ``hide_identity`` is true, and a reader may
show it from the View menu unless the site locked it. A command asked to show it where
the site locked ``hide_identity`` is refused (:class:`IdentityLocked`).
"""

from __future__ import annotations

from viewer.host.settings import Settings

IDENTITY_HIDDEN = "Identity hidden"
FLAG = "--show-identity"


class IdentityLocked(Exception):
    """``--show-identity`` where the site locked ``hide_identity``."""


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
