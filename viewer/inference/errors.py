"""Errors of the inference layer; all are ``LightboxError`` so the UI shows ``str()``."""

from __future__ import annotations

from pathlib import Path

from viewer.errors import LightboxError


class ModelError(LightboxError):
    """A model cannot be used. Carries the model's folder (or id) and a short reason."""

    def __init__(self, model: str | Path, reason: str) -> None:
        self.model = str(Path(model).name if isinstance(model, Path) else model)
        self.reason = reason
        super().__init__(f"model {self.model}: {reason}")

    def __reduce__(self) -> tuple[type[ModelError], tuple[str, str]]:
        return (type(self), (self.model, self.reason))


class ManifestError(ModelError):
    """manifest.json is missing, does not parse, or a field is wrong."""


class ArtifactError(ModelError):
    """A file of the artifact is missing, unexpected or does not match its digest, or the
    ONNX graph's inputs and outputs disagree with the manifest."""


class GoldenMismatchError(ArtifactError):
    """Replaying golden.npz through ONNX Runtime falls outside the manifest's tolerance."""


class NotVerifiedError(ModelError):
    """A run was asked of a model that has not verified in this process."""


class ModelInputError(ModelError):
    """The image cannot satisfy the model's input (no pixels, too few slices, ...)."""


class IntendedUseError(ModelError):
    """The image is outside the model's intended use and the caller did not accept it.

    ``warnings`` lists each mismatch; run again with ``accept_warnings=True`` to go on.
    """

    def __init__(self, model: str | Path, warnings: list[str] | tuple[str, ...]) -> None:
        self.warnings = tuple(warnings)
        super().__init__(model, "outside intended use: " + "; ".join(self.warnings))

    def __reduce__(self) -> tuple[type[IntendedUseError], tuple[str, tuple[str, ...]]]:  # type: ignore[override]
        return (type(self), (self.model, self.warnings))
