"""One error tree for Lightbox.

The core raises these; the UI catches them at one boundary and shows ``str(error)``,
which is written for the user: what went wrong, with which file, and what to do.
``Cancelled`` is deliberately *not* a ``LightboxError``: a cancelled task is not a failure.
"""

from __future__ import annotations

from pathlib import Path


class LightboxError(Exception):
    """Base of every error the core raises on purpose. ``str()`` is user-facing."""


class FileProblemError(LightboxError):
    """A file cannot be used. Carries the path and a short reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")

    def __reduce__(self) -> tuple[type[FileProblemError], tuple[Path, str]]:
        # Rebuild from (path, reason): the default would call __init__ with the message
        # alone, so the error could not cross to or from a decoder process.
        return (type(self), (self.path, self.reason))


class UnreadableFileError(FileProblemError):
    """Not a DICOM file or image we can read, or corrupt / truncated."""


class NotAnImageError(FileProblemError):
    """A valid DICOM object without pixel data (SR, RT plan, waveform...)."""


class UnsupportedImageError(FileProblemError):
    """Valid file, but its encoding or pixel layout is not supported."""


class InconsistentImageError(UnsupportedImageError):
    """The header contradicts itself or the pixel data (bit depth, size, samples): shown,
    the image would be plausible garbage, so it is refused."""


class Cancelled(Exception):  # noqa: N818 - a control-flow signal, not an error
    """A background task was cancelled; not an error and never shown as one."""
