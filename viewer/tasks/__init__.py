"""Background work shared by every layer: cancellation and the one job mechanism."""

from viewer.tasks.cancel import CancelToken
from viewer.tasks.jobs import Job, Jobs, Outcome

__all__ = ["CancelToken", "Job", "Jobs", "Outcome"]
