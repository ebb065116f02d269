"""Verification of a model artifact (docs/model-artifact.md, "Verification").

In order: the manifest parses; its ``digest`` matches its content; the folder holds
exactly the files the manifest lists (and its detached ``signature.json``) and each
one's SHA-256 matches; the manifest digest is signed by a key the site trusts and has not
revoked (:mod:`viewer.inference.signing`); the ONNX graph's inputs and outputs match the
manifest; replaying ``golden.npz`` through the installed ONNX Runtime gives the stored
outputs within ``tolerance``.

Nothing is cached across processes: a cache in the user's folder is writable by the user,
so a line in it could make a model that fails its replay look verified. The replay of the
three bundled models costs about 0.1 s more than a cache hit did (docs/security.md), so
every start proves it again.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.inference.digest import manifest_digest, sha256_file
from viewer.inference.errors import (
    ArtifactError,
    GoldenMismatchError,
    NotVerifiedError,
)
from viewer.inference.manifest import MANIFEST, Manifest, Tolerance, read_manifest
from viewer.inference.session import create_session, runtime_version
from viewer.inference.signing import SIGNATURE, Trust, TrustPolicy, check_trust

if TYPE_CHECKING:
    import onnxruntime

log = logging.getLogger(__name__)

_ONNX_TYPES = {"float32": "tensor(float)"}

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
    """The ONNX inputs and outputs agree with the manifest (names, order, types, axes)."""
    folder = manifest.folder
    graph_inputs = {i.name: i for i in session.get_inputs()}
    wanted = {i.name for i in manifest.inputs}
    if set(graph_inputs) != wanted:
        raise ArtifactError(
            folder,
            f"model.onnx takes inputs {sorted(graph_inputs)}, the manifest declares {sorted(wanted)}",
        )
    for spec in manifest.inputs:
        node = graph_inputs[spec.name]
        if node.type != _ONNX_TYPES[spec.dtype]:
            raise ArtifactError(
                folder, f"model.onnx input {spec.name!r} is {node.type}, not {spec.dtype}"
            )
        _check_axes(folder, f"input {spec.name!r}", spec.shape, node.shape)
    graph_outputs = session.get_outputs()
    names = [o.name for o in graph_outputs]
    if names != [o.name for o in manifest.outputs]:
        raise ArtifactError(
            folder,
            f"model.onnx gives outputs {names}, the manifest declares "
            f"{[o.name for o in manifest.outputs]} (same order expected)",
        )
    for out_spec, node in zip(manifest.outputs, graph_outputs, strict=True):
        # issue 12 (volume branch, minimal): a label map holds integers; the contract
        # helper's viewer/inference/contract.py owns the element types per kind -- merge.
        integers = out_spec.kind == "label_map" and node.type in (
            "tensor(int64)", "tensor(int32)", "tensor(uint8)")
        if node.type != "tensor(float)" and not integers:
            raise ArtifactError(
                folder, f"model.onnx output {out_spec.name!r} is {node.type}, not float32"
            )
        _check_axes(folder, f"output {out_spec.name!r}", out_spec.shape, node.shape)


def _check_axes(folder: Path, what: str, declared: tuple[Any, ...], actual: Any) -> None:
    if actual is None or len(actual) != len(declared):
        raise ArtifactError(
            folder, f"model.onnx {what} has shape {actual}, the manifest {list(declared)}"
        )
    for axis, (want, got) in enumerate(zip(declared, actual, strict=True)):
        if isinstance(want, int) and isinstance(got, int) and want != got:
            raise ArtifactError(
                folder, f"model.onnx {what} axis {axis} is {got}, the manifest says {want}"
            )
        if want == "batch" and isinstance(got, int):
            raise ArtifactError(
                folder, f"model.onnx {what} has its batch axis frozen at {got} (must be dynamic)"
            )


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
    batches = {arrays[key].shape[0] if arrays[key].ndim else None for key in needed}
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
        for name, actual in zip(names, got, strict=True):
            expected = golden[f"output:{name}"][rows]
            result = compare(manifest, name, np.asarray(actual), expected, manifest.tolerance)
            old = parity.get(name)
            if old is None or result.max_abs > old.max_abs:
                parity[name] = result
    return parity


def compare(
    manifest: Manifest, name: str, actual: np.ndarray, expected: np.ndarray, tol: Tolerance
) -> OutputParity:
    if actual.shape != expected.shape:
        raise GoldenMismatchError(
            manifest.folder,
            f"golden replay: output {name!r} has shape {actual.shape}, golden.npz {expected.shape}",
        )
    a = actual.astype(np.float64)
    b = expected.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    max_abs = float(diff.max()) if diff.size else 0.0
    rel = diff / np.maximum(np.abs(b), np.finfo(np.float32).tiny)
    max_rel = float(np.nan_to_num(rel, nan=np.inf).max()) if rel.size else 0.0
    if not np.all(diff <= tol.atol + tol.rtol * np.abs(np.nan_to_num(b))):
        raise GoldenMismatchError(
            manifest.folder,
            f"golden replay: output {name!r} differs from the stored result by up to "
            f"{max_abs:.3g} (tolerance atol {tol.atol:g}, rtol {tol.rtol:g})",
        )
    return OutputParity(max_abs, max_rel)
