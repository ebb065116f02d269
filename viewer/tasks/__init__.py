"""Background work shared by every layer: cancellation (and, above it, the job mechanism)."""

from viewer.tasks.cancel import CancelToken

__all__ = ["CancelToken"]
