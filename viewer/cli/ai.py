"""``lightbox models`` and ``lightbox infer``: the AI path without a display.

    lightbox models [--models-dir DIR ...] [--json]
    lightbox infer PATH --model ID --out DIR [--models-dir DIR ...]
                   [--frame N | --all] [--series UID] [--input NAME=SERIES ...]
                   [--accept-warnings] [--dicom] [--dicom-sc] [--send | --send-to NODE]
                   [--server NAME]

``models`` lists every artifact with its verification status (exit 0 when all verify,
1 when any is unavailable or none is found). ``infer`` runs one verified model and writes,
per image, ``MODEL-frame-NNNN.json`` (provenance, probabilities, regression values, boxes in
original pixels, mask label counts, every source series), ``MODEL-frame-NNNN-overlay.png``
(the overlay alone, transparent) and
``MODEL-frame-NNNN-image.png`` (the image as displayed with the overlay blended). Exit 0 on
success, 1 on failure (message on stderr), 2 on bad usage, 130 when interrupted. Neither
imports Qt or torch. A model reading other series of the study takes each with
``--input NAME=SERIES`` (a UID or a path), else the proposed one (:mod:`viewer.cli.ai_inputs`).
``--send`` (to the site's ``results_destination``) or ``--send-to NODE`` also writes the
DICOM (``--dicom``) and sends that SEG/SR to the PACS with C-STORE, recorded in the audit
log (:mod:`viewer.cli.pacs_send`); a site with ``results_auto_send = true`` sends every
run's as if ``--send`` were given. A send that fails leaves the results written and exits 1.

``--server NAME`` runs the model on the configured inference server NAME
(``inference_servers``; :mod:`viewer.inference.remote`) instead of here, on the whole
series, after checking that it serves the same verified artifact; the files written are
the same, their provenance naming the server and its execution provider.

A run of several images reports its progress on stderr every ``PROGRESS_EVERY`` images.
Ctrl+C cancels it (between batches, audited as cancelled); results are written into a
hidden folder inside ``--out`` and moved into place only when all are written, so an
interrupted run leaves no file behind, whole or partial. A second Ctrl+C stops at once.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.cli.ai_inputs import InputUsageError, choose_inputs, input_choice
from viewer.cli.args import frame_index, output_folder
from viewer.errors import Cancelled, LightboxError
from viewer.host.settings import Settings, load_settings
from viewer.inference.result_json import result_summary
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from viewer.inference.registry import ModelRegistry

#: A progress line on stderr every this many images (and one at the end).
PROGRESS_EVERY = 10
#: The exit status of a run stopped by Ctrl+C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def _registry(dirs: list[str] | None, settings: Settings) -> ModelRegistry:
    from viewer.inference.registry import ModelRegistry

    missing = [d for d in dirs or [] if not Path(d).is_dir()]
    if missing:  # a typo would otherwise read as "no models found"
        print(f"lightbox: --models-dir {missing[0]}: no such folder", file=sys.stderr)
        raise SystemExit(2)
    return ModelRegistry([Path(d) for d in dirs] if dirs else None, settings=settings)


def _models_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models-dir",
        action="append",
        metavar="DIR",
        help="use the model artifacts in DIR instead of the installed ones (repeatable)",
    )


# --- lightbox models -----------------------------------------------------------------


def models_main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """``lightbox models``; ``settings`` as :func:`viewer.cli.main.main` built them (read
    here when this is called as its own entry point)."""
    parser = argparse.ArgumentParser(
        prog="lightbox models", description="List the AI models and whether each one verifies."
    )
    _models_dir_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = settings if settings is not None else load_settings()
    registry = _registry(ns.models_dir, settings)
    listing = [_entry_summary(e) for e in registry.entries]
    missing = [str(d) for d in registry.missing_dirs]
    for folder in missing:  # said on stderr, so a script reading the listing still can
        print(f"lightbox models: the model folder {folder} does not exist (model_dirs in "
              f"{settings.site_file} or your preferences): ask IT", file=sys.stderr)
    if settings.failed_closed:
        for problem in settings.problems:
            print(f"lightbox models: {problem}", file=sys.stderr)
    if ns.json:
        json.dump(
            {"models": listing, "dirs": [str(d) for d in registry.dirs],
             "missing_dirs": missing, "site_failed_closed": settings.failed_closed},
            sys.stdout, indent=2,
        )
        sys.stdout.write("\n")
    else:
        from viewer.inference.signing import UNSIGNED_MARK

        for item in listing:
            title = f"{item['name']} {item['version']}".strip()
            line = f"{item['id']:<24} {item['status']:<12} {title}"
            if item["not_for_clinical_use"]:
                line += "  [demonstration, not for clinical use]"
            if item["unsigned"]:
                line += f"  [{UNSIGNED_MARK}]"
            print(line)
            if item["reason"]:
                print(f"    reason: {item['reason']}")
        if not listing:
            print("No models found in " + ", ".join(str(d) for d in registry.dirs))
    # A model the site chose not to allow is policy, not a failure; one that failed
    # verification is, and so are a broken site configuration and a missing folder.
    from viewer.inference.registry import NOT_ALLOWED

    failed = [e for e in registry.entries if not e.available and e.reason != NOT_ALLOWED]
    broken = settings.failed_closed or bool(missing)
    return 0 if listing and not failed and not broken else 1


def _entry_summary(entry: Any) -> dict[str, Any]:
    manifest = entry.manifest
    return {
        "id": entry.id,
        "status": entry.status,
        "reason": entry.reason,
        "name": entry.name,
        "version": entry.version,
        "digest": manifest.digest if manifest else None,
        "not_for_clinical_use": bool(manifest and manifest.not_for_clinical_use),
        "modality": list(manifest.intended_use.modality) if manifest else [],
        "body_part": list(manifest.intended_use.body_part) if manifest else [],
        "outputs": [o.kind for o in manifest.outputs] if manifest else [],
        "folder": str(entry.folder),
        "unsigned": entry.unsigned,
        "signed_by": entry.model.trust.key_id if entry.model else None,
    }


# --- lightbox infer ------------------------------------------------------------------


def infer_main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """``lightbox infer``; ``settings`` as :func:`viewer.cli.main.main` built them (read
    here when this is called as its own entry point)."""
    parser = argparse.ArgumentParser(
        prog="lightbox infer",
        description="Run a verified AI model on an image or series; write JSON and PNGs.",
    )
    parser.add_argument("path", help="a DICOM file, a folder or an image")
    parser.add_argument(
        "--model", required=True, metavar="ID", help="the model's id (see 'lightbox models')"
    )
    parser.add_argument("--out", required=True, metavar="DIR", type=output_folder,
                        help="folder for the results (created if new)")
    _models_dir_option(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--frame", type=frame_index, metavar="N",
        help="image N of the series (0-based reading order)"
    )
    which.add_argument("--all", action="store_true", help="every image of the series")
    parser.add_argument("--series", metavar="UID", help="the series to use when PATH holds several")
    parser.add_argument(
        "--input", action="append", type=input_choice, default=[], metavar="NAME=SERIES",
        help="for a model that reads other series of the study: the series of input NAME, "
        "a series UID of PATH or a file or folder (repeatable; default: the proposed match)",
    )
    parser.add_argument(
        "--accept-warnings",
        action="store_true",
        help="run even when the image is outside the model's intended use",
    )
    parser.add_argument(
        "--dicom", action="store_true",
        help="also write DICOM beside the JSON: SEG for masks, SR (TID 1500) for boxes "
        "and classifications",
    )
    parser.add_argument(
        "--dicom-sc", action="store_true",
        help="also write the overlays burned into RGB secondary captures (for archives "
        "that show neither SEG nor SR)",
    )
    sending = parser.add_mutually_exclusive_group()
    sending.add_argument(
        "--send", action="store_true",
        help="also send the SEG/SR to the PACS (the site's results_destination) with "
        "C-STORE, recorded in the audit log; implies --dicom",
    )
    sending.add_argument(
        "--send-to", metavar="NODE",
        help="as --send, to the configured DICOM node NODE",
    )
    parser.add_argument(
        "--server", metavar="NAME",
        help="run on the inference server NAME the site configured (inference_servers), "
        "on the whole series, once it serves the same verified model",
    )
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return _infer(ns, settings if settings is not None else load_settings())
    except Cancelled:
        _error("cancelled; no result was written")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:  # the second Ctrl+C: stopped wherever it was
        _error("interrupted")
        return EXIT_INTERRUPTED
    except InputUsageError as exc:
        _error(str(exc))
        return 2
    except LightboxError as exc:
        _error(str(exc))
        return 1


def _error(message: str) -> None:
    print(f"lightbox infer: {message}", file=sys.stderr)


def _infer(ns: argparse.Namespace, settings: Settings) -> int:
    from viewer.audit.log import AuditLog
    from viewer.inference import IntendedUseError, run_model
    from viewer.io.scan import scan

    path = Path(ns.path)
    if ns.server is not None and ns.server not in settings.inference_servers:
        known = ", ".join(sorted(settings.inference_servers)) or "none is configured"
        _error(f"--server {ns.server}: no such inference server (the site's: {known})")
        return 2
    if ns.server is not None and (ns.frame is not None or ns.input):
        _error("--server runs the whole series: leave out --frame and --input")
        return 2
    if not path.exists():
        _error(f"{path}: no such file or folder")
        return 1
    registry = _registry(ns.models_dir, settings)
    entry = registry.get(ns.model)
    if not entry.available:
        _error(f"model {entry.id} is unavailable: {entry.reason}")
        return 1
    result = scan([path])
    candidates = [s for s in result.all_series() if s.has_images]
    if ns.series:
        candidates = [s for s in candidates if s.uid == ns.series]
    if not candidates:
        reasons = "; ".join(f"{p.path.name}: {p.reason}" for p in result.problems[:3])
        _error(f"{path}: no image to run on" + (f" ({reasons})" if reasons else ""))
        return 1
    series = candidates[0]
    if len(candidates) > 1:
        print(
            f"{path} holds {len(candidates)} series; using {series.uid} (choose with --series)",
            file=sys.stderr,
        )
    manifest = getattr(entry, "manifest", None)
    volume = manifest is not None and manifest.volume is not None
    # a volume model reads the whole series: its masks go on every image unless --frame
    frames = None if volume and ns.frame is None else _frames(ns, series, path)
    if frames is not None and not all(0 <= f < len(series.frames) for f in frames):
        count = len(series.frames)
        valid = f"0 to {count - 1}" if count > 1 else "only 0"
        _error(f"--frame {ns.frame} is out of range: the series has {count} "
               f"image{'s' if count != 1 else ''} ({valid})")
        return 2
    assert entry.manifest is not None  # an available entry has its manifest
    node = _send_destination(ns, settings)  # a wrong destination: before the run
    others = choose_inputs(entry.manifest, series, result.all_series(), ns.input)
    token = CancelToken()
    with ctrl_c_cancels(token):
        try:
            if ns.server is not None:
                from viewer.inference.remote import run_remote

                results = run_remote(entry, series, server=ns.server, settings=settings,
                                     audit_log=AuditLog.of(settings),
                                     accept_warnings=ns.accept_warnings,
                                     progress=_Progress(entry.id, "images"), cancel=token)
            else:
                results = run_model(entry, series, frames,
                                    accept_warnings=ns.accept_warnings,
                                    progress=_Progress(entry.id,
                                                       "steps" if volume else "images"),
                                    cancel=token, audit_log=AuditLog.of(settings),
                                    inputs=others)
        except IntendedUseError as exc:
            _error(f"model {exc.model} is not meant for this image:")
            for warning in exc.warnings:
                print(f"  - {warning}", file=sys.stderr)
            print("Run again with --accept-warnings to go on anyway.", file=sys.stderr)
            return 1
        written = write_results(results, series, Path(ns.out), token)
    try:
        dicom = _write_dicom(ns, results, series)
    except OSError as exc:  # a full disk, or a pipe where a file should go
        raise LightboxError(f"cannot write the DICOM results: {exc}") from exc
    written += [paths for paths in dicom if paths]
    unlike = sum(1 for r in results if r.domain is not None and r.domain.unlike)
    if unlike:  # said once on stderr; each image's reason is in its JSON ("ood")
        first = next(r.domain for r in results if r.domain is not None and r.domain.unlike)
        print(f"warning: {unlike} of {len(results)} image(s): {first.message}", file=sys.stderr)
    summary = results[0].volume if results else None
    if summary is not None:  # a volume model's measurement of the whole series
        from viewer.inference.volume_summary import volume_lines

        for line in volume_lines(summary):
            print(f"{entry.id}: {line}")
    for paths in written:
        print(" ".join(str(p) for p in paths))
    if node is not None and dicom[0]:
        return _send(node, settings, dicom[0], automatic=not (ns.send or ns.send_to))
    if node is not None:
        print("lightbox infer: nothing was sent: these results hold no mask, box, class or "
              "value that a SEG or SR carries", file=sys.stderr)
    return 0


def _send_destination(ns: argparse.Namespace, settings: Settings) -> Any:
    """The node the run's SEG/SR go to (None: not sent); a wrong one is usage (2)."""
    if not (ns.send or ns.send_to or settings.results_auto_send):
        return None
    from viewer.cli.pacs_send import SendUsageError, destination

    ns.dicom = True  # what is sent is what --dicom writes
    try:
        return destination(settings, ns.send_to)
    except SendUsageError as exc:
        raise InputUsageError(str(exc)) from None


def _send(node: Any, settings: Settings, paths: list[Path], *, automatic: bool) -> int:
    from viewer.cli.pacs_send import SendUsageError, report, send_and_record

    token = CancelToken()
    try:
        with ctrl_c_cancels(token):
            outcome = send_and_record(node, settings, paths, token=token,
                                      trigger="automatic" if automatic else "reader")
    except SendUsageError as exc:
        _error(f"results written, not sent: {exc}")
        return 1
    except KeyboardInterrupt:
        _error("interrupted while sending; the results are written")
        return EXIT_INTERRUPTED
    except LightboxError as exc:
        _error(f"results written, not sent: {exc}")
        return 1
    return report(outcome, "lightbox infer")


def _write_dicom(ns: argparse.Namespace, results: Sequence[Any], series: Any) -> list[list[Path]]:
    """The DICOM files written: ``write_dicom``'s (SEG/SR: what is sent; [] without
    --dicom) first, then the secondary captures'."""
    written: list[list[Path]] = [[]]
    if ns.dicom:
        from viewer.inference.dicom_export import write_dicom

        written[0] = write_dicom(results, series, Path(ns.out))
    if ns.dicom_sc:
        from viewer.inference.dicom_capture import write_secondary_captures

        written.append(write_secondary_captures(list(results), series, Path(ns.out)))
    return written


class _Progress:
    """``MODEL: 20/64 images`` on stderr every PROGRESS_EVERY images of a longer run (a
    volume model counts steps: images read, then patches run)."""

    def __init__(self, model_id: str, unit: str = "images") -> None:
        self.model_id, self.unit, self.shown = model_id, unit, 0

    def __call__(self, done: int, total: int) -> None:
        if total > 1 and done and (done - self.shown >= PROGRESS_EVERY or done == total):
            self.shown = done
            print(f"{self.model_id}: {done}/{total} {self.unit}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def ctrl_c_cancels(token: CancelToken, command: str = "lightbox infer") -> Iterator[None]:
    """The first Ctrl+C cancels ``token`` (the run stops at its next check and is audited
    as cancelled); a second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; an embedding caller cancels
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # installed outside Python: Python's own is the sane way back
        previous = signal.default_int_handler

    def cancel(_signum: int, _frame: object) -> None:
        token.cancel()
        print(f"{command}: cancelling (Ctrl+C again to stop at once)…", file=sys.stderr,
              flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, cancel)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _frames(ns: argparse.Namespace, series: Any, path: Path) -> list[int] | None:
    if ns.all:
        return None
    if ns.frame is not None:
        return [ns.frame]
    if path.is_file():  # the file named on the command line, not the first of its series
        for i, ref in enumerate(series.frames):
            if ref.instance.path.resolve() == path.resolve():
                return [i]
    return [0]


# --- writing results -----------------------------------------------------------------


def overlay_layers(res: Any) -> list[Any]:
    """The default rendering of a result's overlays: heatmaps, then masks, then boxes."""
    from viewer.inference.dicom_capture import default_layers

    return default_layers(res)


def write_results(results: Sequence[Any], series: Any, out: Path,
                  cancel: CancelToken | None = None) -> list[list[Path]]:
    """Write every result, all or nothing: into a hidden folder inside ``out`` first, then
    each file renamed into place (no cancel is heeded once the renaming has begun)."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lightbox-infer-", dir=out))
    try:
        staged = []
        for res in results:
            if cancel is not None:
                cancel.check()
            staged.append(write_result(res, series, staging))
        if cancel is not None:
            cancel.check()
        for paths in staged:  # all checked before any is renamed: all or nothing
            for p in paths:
                _check_target(out / p.name)
        written = []
        for paths in staged:
            written.append([out / p.name for p in paths])
            for p in paths:
                _check_target(out / p.name)  # again, just before: never over a pipe
                os.replace(p, out / p.name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_target(path: Path) -> None:
    """A result file may replace an older result, never a pipe, a device or a folder."""
    from viewer.errors import FileProblemError
    from viewer.host.files import NotRegularFileError, check_replaceable

    try:
        check_replaceable(path, "move it away or choose another --out folder")
    except NotRegularFileError as exc:
        raise FileProblemError(path, exc.reason) from exc


def write_result(res: Any, series: Any, out: Path) -> list[Path]:
    import numpy as np
    from PIL import Image

    from viewer.host.files import write_atomic
    from viewer.imaging.ai_layers import blend, stack_rgba
    from viewer.imaging.render import render_frame
    from viewer.io.pixels import read_frame

    # One name per model and image: results of several models in one folder never
    # overwrite each other.
    stem = f"{res.provenance.model_id}-frame-{res.provenance.frame_index:04d}"
    ref = series.frames[res.provenance.frame_index]
    layers = overlay_layers(res)
    overlay = stack_rgba(*layers) if layers else np.zeros((*res.shape, 4), dtype=np.uint8)
    shown = render_frame(read_frame(ref), ref.instance, ref.frame, None)
    paths = [out / f"{stem}.json", out / f"{stem}-overlay.png", out / f"{stem}-image.png"]
    text = json.dumps(result_summary(res), indent=2, ensure_ascii=False) + "\n"
    write_atomic(paths[0], text, mode=0o600)
    write_atomic(paths[1], _png(Image.fromarray(overlay, "RGBA")), mode=0o600)
    write_atomic(paths[2], _png(Image.fromarray(blend(shown, *layers), "RGB")), mode=0o600)
    return paths


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
