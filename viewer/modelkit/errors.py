"""Why a build stopped: one error, with a message written for the model's author."""

from __future__ import annotations

from viewer.errors import LightboxError


class BuildError(LightboxError):
    """The model cannot become an artifact; ``str()`` names the cause and what to do.

    ``check`` says which step refused it (``recipe``, ``weights``, ``eval_mode``,
    ``determinism``, ``batch_independence``, ``export``, ``parity``, ``write``) so tests
    and scripts can tell the causes apart without parsing the message.
    """

    def __init__(self, check: str, message: str) -> None:
        self.check = check
        super().__init__(message)

    def __reduce__(self) -> tuple[type[BuildError], tuple[str, str]]:
        return (type(self), (self.check, str(self)))
