"""The models this workstation offers: bundled ones and site-configured folders.

Each artifact folder is verified on load; one that fails is listed as unavailable with
its reason and the others still work. Folders: the bundled ``models/`` (beside the
package, or in PyInstaller's bundle when frozen), then every folder in
``LIGHTBOX_MODEL_DIRS`` (``os.pathsep``-separated; honoured in developer mode only, see
``host.settings``), then the site configuration's ``model_dirs`` (and the user's, unless
IT locked them); or exactly the folders given. A configured folder that does not exist
is named in ``ModelRegistry.missing_dirs``.

The site configuration's ``allowed_models`` applies whichever folders are used: a model
it does not name is listed as unavailable, "not allowed by the site configuration", and
is not even verified. A site configuration with a mistake allows none (it fails closed),
and each model says so.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from viewer.host.settings import Settings
from viewer.inference.errors import ManifestError, ModelError
from viewer.inference.intended_use import UseCheck, check_intended_use
from viewer.inference.manifest import MANIFEST, Manifest, read_manifest
from viewer.inference.signing import TrustPolicy, UntrustedModelError
from viewer.inference.verify import VerifiedModel, verify_artifact
from viewer.io.model import Series

log = logging.getLogger(__name__)

NOT_ALLOWED = "not allowed by the site configuration"
SITE_BROKEN = ("the site configuration has a mistake, so no model runs until IT corrects "
               "it (`lightbox --self-test` names the file and line)")
#: Reasons that are policy, not a failure of the model.
POLICY_REASONS = (NOT_ALLOWED, SITE_BROKEN)
#: What to do about an artifact that failed verification (it never runs as it is).
REINSTALL = ("It will not run: reinstall it from its original source (or reinstall "
             "Lightbox for a bundled model) and ask IT if it fails again")
#: Sub-folders of a models folder that are not artifacts.
NOT_ARTIFACTS = {"recipes", "keys", "__pycache__"}


def bundled_models_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "models"
    return Path(__file__).resolve().parents[2] / "models"


def default_model_dirs(settings: Settings) -> list[Path]:
    dirs = [bundled_models_dir(), *settings.environment_model_dirs, *settings.model_dirs]
    return list(dict.fromkeys(dirs))  # a folder named twice is read once


@dataclass(frozen=True, eq=False)
class ModelEntry:
    """One artifact folder: ``model`` when it verified, else ``reason`` says why not."""

    id: str
    folder: Path
    model: VerifiedModel | None
    reason: str = ""
    manifest: Manifest | None = None  # parsed even when verification failed later

    @property
    def available(self) -> bool:
        return self.model is not None

    @property
    def status(self) -> str:
        return "available" if self.available else "unavailable"

    @property
    def name(self) -> str:
        return self.manifest.name if self.manifest else self.id

    @property
    def version(self) -> str:
        return self.manifest.version if self.manifest else ""

    @property
    def title(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def unsigned(self) -> bool:
        """Available only through the site's developer mode: marked wherever it is listed."""
        return self.model is not None and self.model.unsigned


@dataclass(frozen=True, eq=False)
class Applicability:
    """Whether a model applies to a series; when not, ``reason`` says why (for a greyed
    entry). ``check.warnings`` can be overridden by an explicit choice; problems cannot."""

    entry: ModelEntry
    check: UseCheck

    @property
    def applies(self) -> bool:
        return self.entry.available and self.check.ok

    @property
    def can_run(self) -> bool:
        """Available and no hard problem (warnings need ``accept_warnings=True``)."""
        return self.entry.available and not self.check.problems

    @property
    def reason(self) -> str:
        if not self.entry.available:
            return f"unavailable: {self.entry.reason}"
        return "; ".join(self.check.problems + self.check.warnings)


def load_entry(
    folder: Path, *, trust: TrustPolicy | None = None,
) -> ModelEntry:
    """Verify one folder into an entry; never raises for a bad artifact.

    ``trust``: the site's signing policy (None: a site file that lists no keys)."""
    manifest = None
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        return ModelEntry(folder.name, folder, None, f"{exc.reason}. {REINSTALL}")
    try:
        model = verify_artifact(folder, trust=trust)
    except UntrustedModelError as exc:  # intact, but not approved here: IT decides
        log.warning("model %s is unavailable: %s", folder.name, exc.reason)
        return ModelEntry(folder.name, folder, None, exc.reason, manifest)
    except ModelError as exc:
        log.warning("model %s is unavailable: %s", folder.name, exc.reason)
        return ModelEntry(folder.name, folder, None, f"{exc.reason}. {REINSTALL}", manifest)
    except Exception as exc:  # a verifier bug must not take the other models down
        log.exception("verifying model %s failed unexpectedly", folder.name)
        return ModelEntry(
            folder.name, folder, None, f"cannot be verified ({type(exc).__name__})", manifest
        )
    return ModelEntry(folder.name, folder, model, "", manifest)


def _not_allowed(folder: Path, reason: str = NOT_ALLOWED) -> ModelEntry:
    try:
        manifest: Manifest | None = read_manifest(folder)  # for its name in the list
    except ManifestError:
        manifest = None
    return ModelEntry(folder.name, folder, None, reason, manifest)


def artifact_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in NOT_ARTIFACTS
        and ((p / MANIFEST).exists() or (p / "model.onnx").exists())
    )


class ModelRegistry:
    """Every artifact in ``dirs`` (default: bundled + site folders), verified on creation.

    Verification costs a golden replay per artifact at every start (never cached: a cache
    the user can write could vouch for a failing model); create the registry off the GUI
    thread. Only models signed by a key the site trusts are available.
    """

    def __init__(
        self,
        dirs: Iterable[str | Path] | None = None,
        *,
        settings: Settings,
    ) -> None:
        """``settings``: the effective configuration, built once by the entry point; its
        allowed list and signing policy apply even to explicitly given ``dirs``."""
        self.settings = settings
        self.dirs = [
            Path(d) for d in (default_model_dirs(self.settings) if dirs is None else dirs)
        ]
        self._trust = TrustPolicy.of(settings)
        self.entries: list[ModelEntry] = []
        self.refresh()

    def refresh(self) -> None:
        entries: list[ModelEntry] = []
        seen: dict[str, Path] = {}
        for root in self.dirs:
            for folder in artifact_folders(root):
                if folder.name in seen:
                    entries.append(
                        ModelEntry(
                            folder.name,
                            folder,
                            None,
                            f"another model has this id (in {seen[folder.name]})",
                        )
                    )
                    continue
                seen[folder.name] = folder.parent
                if not self.settings.allows(folder.name):
                    entries.append(_not_allowed(folder, SITE_BROKEN if
                                                self.settings.failed_closed else NOT_ALLOWED))
                    continue
                entries.append(load_entry(folder, trust=self._trust))
        self.entries = entries

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def get(self, model_id: str) -> ModelEntry:
        for entry in self.entries:
            if entry.id == model_id:
                return entry
        known = ", ".join(self.ids()) or "none"
        raise ModelError(model_id, f"no such model (known: {known})")

    @property
    def missing_dirs(self) -> list[Path]:
        """Configured folders (site, user or environment) that do not exist."""
        configured = {*self.settings.model_dirs, *self.settings.environment_model_dirs}
        return [d for d in self.dirs if d in configured and not d.is_dir()]

    def available(self) -> list[ModelEntry]:
        return [e for e in self.entries if e.available]

    def applicable(
        self, series: Series, frames: Sequence[int] | None = None
    ) -> list[Applicability]:
        """Every model with whether it applies to ``series`` and, if not, why."""
        found = []
        for entry in self.entries:
            if entry.model is not None:
                check = check_intended_use(entry.model.manifest, series, frames)
            else:
                check = UseCheck()
            found.append(Applicability(entry, check))
        return found
