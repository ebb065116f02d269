"""Verification of a model artifact (docs/model-artifact.md, "Verification").

In order: the manifest parses; its ``digest`` matches its content; the folder holds
exactly the files the manifest lists (and its detached ``signature.json``) and each
one's SHA-256 matches; the manifest digest is signed by a key the site trusts and has not
revoked (:mod:`viewer.inference.signing`); the ONNX graph's inputs and outputs match the
manifest (:mod:`viewer.inference.contract`, the check the build ran too); replaying
``golden.npz`` through the installed ONNX Runtime gives the stored outputs within
``tolerance``, by the rule the build used (:mod:`viewer.inference.agreement`).

Nothing is cached across processes: a cache in the user's folder is writable by the user,
so a line in it could make a model that fails its replay look verified. The replay of the
three bundled models costs about 0.1 s more than a cache hit did (docs/security.md), so
every start proves it again.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.inference.agreement import Tolerance, agreement
from viewer.inference.contract import graph_problem
from viewer.inference.digest import manifest_digest, sha256_file
from viewer.inference.errors import (
    ArtifactError,
    GoldenMismatchError,
    ModelError,
    NotVerifiedError,
)
from viewer.inference.manifest import MANIFEST, Manifest, read_manifest
from viewer.inference.session import CPU, create_session, runtime_version
from viewer.inference.signing import SIGNATURE, Trust, TrustPolicy, check_trust

if TYPE_CHECKING:
    import onnxruntime

log = logging.getLogger(__name__)

_verified_lock = threading.Lock()
#: (resolved folder, manifest digest) of every artifact that verified in this process.
_verified: set[tuple[Path, str]] = set()


@dataclass(frozen=True)
class OutputParity:
    """Worst difference of one output between golden.npz and ONNX Runtime."""

    max_abs: float
    max_rel: float


@dataclass(frozen=True, eq=False)
class VerifiedModel:
    """A model that passed verification in this process: the only thing the runner runs."""

    manifest: Manifest
    runtime: str
    trust: Trust  # who signed it, or unsigned in developer mode
    parity: Mapping[str, OutputParity] = field(default_factory=dict)
    _session: list[Any] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The execution provider the session runs on: the CPU unless :func:`serve_on` moved it.
    _provider: list[str] = field(default_factory=lambda: [CPU], repr=False)

    @property
    def provider(self) -> str:
        return self._provider[0]

    @property
    def unsigned(self) -> bool:
        """Runs only because the site file turned developer mode on: marked everywhere."""
        return self.trust.unsigned

    @property
    def key(self) -> tuple[Path, str]:
        return (self.manifest.folder.resolve(), self.manifest.digest)

    def session(self) -> onnxruntime.InferenceSession:
        """The ONNX Runtime session, built once from bytes re-hashed against the manifest."""
        with _verified_lock:
            if self.key not in _verified:
                raise NotVerifiedError(self.manifest.id, "has not been verified; it cannot run")
        with self._lock:
            if not self._session:
                data = _verified_bytes(self.manifest, "model.onnx")
                self._session.append(create_session(data))
            session: onnxruntime.InferenceSession = self._session[0]
            return session


def serve_on(model: VerifiedModel, provider: str, options: dict[str, str] | None = None
             ) -> str | None:
    """Move ``model`` to a session on ``provider`` once its golden vectors replay there
    within the manifest's tolerance (:func:`replay_golden`, the rule of the CPU's replay):
    GPU kernels and reduced precision give other numbers than the CPU the model was
    verified on. None when it moved; else why not, and the model stays where it was."""
    if provider == model.provider:
        return None
    try:
        data = _verified_bytes(model.manifest, "model.onnx")
        with warnings.catch_warnings():  # ONNX Runtime's warning is the reason returned
            warnings.simplefilter("ignore")
            session = create_session(data, provider=provider, options=options)
    except ModelError as exc:
        return exc.reason
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's own errors (libraries missing)
        return f"no {provider} session ({type(exc).__name__}: {str(exc)[:200]})"
    if provider not in session.get_providers():
        return f"ONNX Runtime could not load {provider} (its libraries or device are missing)"
    try:
        replay_golden(model.manifest, session)
    except ModelError as exc:
        return f"golden vectors do not replay on {provider}: {exc.reason}"
    with model._lock:  # noqa: SLF001 - the one place that swaps the served session
        model._session[:] = [session]  # noqa: SLF001
        model._provider[:] = [provider]  # noqa: SLF001
    return None


def is_verified(model: VerifiedModel) -> bool:
    with _verified_lock:
        return model.key in _verified


def verify_artifact(
    folder: str | Path,
    *,
    trust: TrustPolicy | None = None,
) -> VerifiedModel:
    """Verify the artifact in ``folder``. Raises a :class:`ModelError` naming what failed.

    ``trust``: the site's policy (:meth:`TrustPolicy.of` the settings); None is a site
    file that lists no keys. Verification is never cached (see the module docstring).
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    with _verified_lock:  # a model that failed once must pass again before it runs
        _verified.discard((folder.resolve(), manifest.digest))
    check_digests(manifest)
    signer = check_trust(manifest, trust if trust is not None else TrustPolicy())
    runtime = runtime_version()
    data = _verified_bytes(manifest, "model.onnx")
    session = create_session(data)
    check_signature(manifest, session)
    parity = replay_golden(manifest, session)
    model = VerifiedModel(manifest, runtime, signer, parity=parity, _session=[session])
    with _verified_lock:
        _verified.add(model.key)
    return model


# --- digests ---------------------------------------------------------------------------


def check_digests(manifest: Manifest) -> None:
    """The manifest digest, then every listed file's SHA-256; no unlisted files."""
    folder = manifest.folder
    if manifest_digest(dict(manifest.raw)) != manifest.digest:
        raise ArtifactError(folder, f"{MANIFEST} does not match its digest (edited or damaged)")
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue  # file-manager droppings (.DS_Store); never loaded
        if relative in (MANIFEST, SIGNATURE):
            continue  # the signature signs the manifest digest; it cannot be listed in it
        if path.is_file() and relative not in manifest.files:
            raise ArtifactError(folder, f"{relative} is not listed in the manifest's files")
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise ArtifactError(folder, f"{name} is missing")
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise ArtifactError(folder, f"{name} cannot be read ({exc.strerror})") from None
        if actual != expected:
            raise ArtifactError(folder, f"{name} does not match its digest (modified or damaged)")


def _verified_bytes(manifest: Manifest, name: str) -> bytes:
    """A file's bytes, after checking them against the manifest's digest."""
    import hashlib

    try:
        data = (manifest.folder / name).read_bytes()
    except OSError as exc:
        raise ArtifactError(manifest.folder, f"{name} cannot be read ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != manifest.files.get(name):
        raise ArtifactError(
            manifest.folder, f"{name} does not match its digest (modified or damaged)"
        )
    return data


# --- the graph's signature ---------------------------------------------------------------


def check_signature(manifest: Manifest, session: onnxruntime.InferenceSession) -> None:
    """The ONNX inputs and outputs agree with the manifest (names, order, ranks, sizes,
    element types per output kind): :func:`contract.graph_problem`, the build's check."""
    problem = graph_problem(manifest, session.get_inputs(), session.get_outputs())
    if problem:
        raise ArtifactError(manifest.folder, f"model.onnx {problem}")


# --- golden replay ---------------------------------------------------------------------


def load_golden(manifest: Manifest) -> dict[str, np.ndarray]:
    data = _verified_bytes(manifest, "golden.npz")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: np.asarray(npz[key]) for key in npz.files}
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(manifest.folder, f"golden.npz cannot be read ({exc})") from None
    needed = [f"input:{i.name}" for i in manifest.inputs] + [
        f"output:{o.name}" for o in manifest.outputs
    ]
    missing = [key for key in needed if key not in arrays]
    if missing:
        raise ArtifactError(manifest.folder, f"golden.npz lacks {', '.join(missing)}")
    # variable-length outputs have one row per detection of the whole batch, not per image
    per_image = [f"input:{i.name}" for i in manifest.inputs] + [
        f"output:{o.name}" for o in manifest.outputs if o.batch_first
    ]
    batches = {arrays[key].shape[0] if arrays[key].ndim else None for key in per_image}
    if len(batches) != 1 or None in batches or 0 in batches:
        raise ArtifactError(manifest.folder, "golden.npz arrays do not share one leading batch")
    return arrays


def replay_golden(
    manifest: Manifest, session: onnxruntime.InferenceSession
) -> dict[str, OutputParity]:
    """Run golden inputs through ``session``: the whole batch, then the first sample alone
    (a batch axis frozen by the exporter shows up there)."""
    golden = load_golden(manifest)
    feed = {i.name: golden[f"input:{i.name}"].astype(np.float32) for i in manifest.inputs}
    names = [o.name for o in manifest.outputs]
    parity: dict[str, OutputParity] = {}
    batch = next(iter(feed.values())).shape[0]
    runs = [(feed, slice(None))]
    if batch > 1:
        runs.append(({k: v[:1] for k, v in feed.items()}, slice(0, 1)))
    for run_feed, rows in runs:
        try:
            got = session.run(names, run_feed)
        except Exception as exc:  # noqa: BLE001 - any runtime failure makes the model unusable
            raise ArtifactError(
                manifest.folder,
                f"golden replay fails in ONNX Runtime ({type(exc).__name__}: {exc})",
            ) from None
        first_image = _first_image_rows(manifest, golden) if rows != slice(None) else {}
        for name, actual in zip(names, got, strict=True):
            expected = golden[f"output:{name}"][first_image.get(name, rows)]
            result = compare(manifest, name, np.asarray(actual), expected, manifest.tolerance)
            old = parity.get(name)
            if old is None or result.max_abs > old.max_abs:
                parity[name] = result
    return parity


def _first_image_rows(manifest: Manifest, golden: Mapping[str, np.ndarray]
                      ) -> dict[str, np.ndarray]:
    """For each variable-length output: which of its golden rows belong to image 0 (what
    the replay of the first image alone must give)."""
    rows: dict[str, np.ndarray] = {}
    for spec in manifest.outputs:
        if spec.kind == "boxes" and spec.layout == "variable" and spec.batch_index:
            which = golden[f"output:{spec.batch_index}"].reshape(-1) == 0
            for name in (spec.name, spec.scores, spec.classes_output, spec.batch_index):
                rows[str(name)] = which
    return rows


def compare(
    manifest: Manifest, name: str, actual: np.ndarray, expected: np.ndarray, tol: Tolerance
) -> OutputParity:
    """The rule the build proved the artifact with (:func:`agreement`), on this runtime."""
    if actual.shape != expected.shape:
        raise GoldenMismatchError(
            manifest.folder,
            f"golden replay: output {name!r} has shape {actual.shape}, golden.npz {expected.shape}",
        )
    found = agreement(actual, expected, tol)
    if not found.agrees:
        raise GoldenMismatchError(
            manifest.folder,
            f"golden replay: output {name!r} differs from the stored result by up to "
            f"{found.max_abs:.3g} (golden sample {found.worst[0]}: {found.worst_diff:.3g} where "
            f"{found.worst_allowed:.3g} is allowed; output scale {found.scale:.3g}; "
            f"tolerance {tol.describe()})",
        )
    return OutputParity(found.max_abs, found.max_rel)
