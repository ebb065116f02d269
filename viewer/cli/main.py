"""The ``lightbox`` command.

    lightbox [PATH ...] [--demo] [--screenshot OUT.png]   open the viewer
    lightbox --self-test [--json] [--no-qt]               check this install (IT)
    lightbox info PATH ... [--json] [--identity]          print the study/series tree
    lightbox render FILE -o OUT.png [--frame N] [--window C,W]
    lightbox models [--models-dir DIR] [--json]               list models, verified or why not
    lightbox infer PATH --model ID --out DIR                  run a model, write JSON + PNGs
    lightbox anonymize SRC OUT                                de-identified copy (PS3.15)
    lightbox audit verify | export --from ISO --to ISO --out FILE   the AI-run log
    lightbox pacs nodes | echo | find | get | send            the site's DICOM nodes (IT)
    lightbox studies [--search TEXT] [--json] [--evict-to GB] the local study list
    lightbox batch SOURCE --model ID --out DIR [--ray local|ADDR]  a model over an archive
    lightbox batch --node NAME [--date ...] --model ID --out DIR    ... or a PACS node's studies
    lightbox serve [--host H] [--port P] | --hash-key         the models over HTTP (IT)
    lightbox model build RECIPE_DIR --weights FILE --out DIR  (build time, needs torch)
    lightbox model sign ARTIFACT --key KEY.pem                sign a model (approving team)
    lightbox model keygen --out DIR                           a new signing key pair

``info``, ``render``, ``models`` and ``infer`` are headless: they never import Qt, so they run on servers and in
scripts without a display. Exit status: 0 success, 1 nothing usable / failure, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer import __version__
from viewer.cli.args import frame_index, output_file
from viewer.cli.args import window as window_arg
from viewer.errors import LightboxError

if TYPE_CHECKING:
    from viewer.host.settings import Settings
    from viewer.io.model import ScanResult

#: A headless command: its arguments and the settings built once by :func:`main`.
Handler = Callable[[list[str], "Settings"], int]

SUBCOMMANDS = ("info", "render", "models", "infer", "model", "anonymize", "audit", "pacs",
               "studies", "serve", "batch")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in args:
        # IT runs this after every install: `lightbox --self-test [--json] [--no-qt]`.
        from viewer.cli.selftest import main as self_test

        return self_test([a for a in args if a != "--self-test"])
    if args and args[0] in SUBCOMMANDS:
        command, rest = args[0], args[1:]
        handler: Handler = {
            "info": _info,
            "render": _render,
            "models": _models,
            "infer": _infer,
            "model": _model,
            "anonymize": _anonymize,
            "audit": _audit,
            "pacs": _pacs,
            "studies": _studies,
            "serve": _serve,
            "batch": _batch,
        }[command]
        return _headless(command, handler, rest)
    return _gui(args)


def _headless(command: str, handler: Handler, rest: list[str]) -> int:
    """Run a headless command with the application log, and a crash report instead of a
    bare traceback if something unexpected breaks. The settings are read here, once, and
    handed to the command."""
    from viewer.host.logs import setup_logging, write_crash_report
    from viewer.host.settings import load_settings

    settings = load_settings()
    setup_logging(settings)
    try:
        return handler(rest, settings)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the one boundary of a headless command
        report = write_crash_report(exc, settings.log_dir)
        where = f"; a report (no patient data) was saved to {report}" if report else ""
        print(f"lightbox {command}: unexpected error ({type(exc).__name__}){where}",
              file=sys.stderr)
        return 70


def _models(argv: list[str], settings: Settings) -> int:
    from viewer.cli.ai import models_main

    return models_main(argv, settings)


def _infer(argv: list[str], settings: Settings) -> int:
    from viewer.cli.ai import infer_main

    return infer_main(argv, settings)


def _batch(argv: list[str], settings: Settings) -> int:
    from viewer.cli.batch import main as batch_main

    return batch_main(argv, settings)


def _serve(argv: list[str], settings: Settings) -> int:
    from viewer.cli.serve import main as serve_main

    return serve_main(argv, settings)


def _audit(argv: list[str], settings: Settings) -> int:
    from viewer.cli.audit import main as audit_main

    return audit_main(argv, settings)


def _pacs(argv: list[str], settings: Settings) -> int:
    from viewer.cli.pacs import main as pacs_main

    return pacs_main(argv, settings)


def _studies(argv: list[str], settings: Settings) -> int:
    from viewer.cli.studies import main as studies_main

    return studies_main(argv, settings)


def _anonymize(argv: list[str], settings: Settings) -> int:
    from viewer.cli.anonymize import main as anonymize_main

    return anonymize_main(argv)


def _model(argv: list[str], settings: Settings) -> int:
    """Build-time commands (PyTorch → artifact); need the ``modelkit`` extra."""
    try:
        # Imported by name: the viewer (and its frozen build) must not depend on the
        # build-time tools, which need torch.
        modelkit_main: Callable[[list[str]], int] = importlib.import_module(
            "viewer.modelkit.cli").main
    except ImportError as exc:
        print(
            "lightbox model: the model building tools are not installed here "
            f"({exc.name or exc}). They need PyTorch: pip install 'lightbox[modelkit]'. "
            "The viewer itself never needs them.",
            file=sys.stderr,
        )
        return 1
    return modelkit_main(argv)


def _gui(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox",
        description="Offline DICOM viewer. Headless commands (see 'lightbox COMMAND -h'): "
        + ", ".join(SUBCOMMANDS) + ".",
    )
    parser.add_argument("paths", nargs="*", help="DICOM files, folders, DICOMDIR or images")
    parser.add_argument("--demo", action="store_true", help="open the demo study")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        type=output_file,
        help="open, wait until the images are loaded, save a screenshot of the window, exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this install (Qt, ONNX Runtime, models, decoders, folders) and exit; "
        "also --json, --no-qt",
    )
    parser.add_argument("--version", action="version", version=f"Lightbox {__version__}")
    ns = parser.parse_args(argv)
    from viewer.cli.pacs_send import results_sender
    from viewer.ui.app import run_gui  # Qt is imported only for the GUI

    screenshot = None if ns.screenshot is None else str(ns.screenshot)
    return run_gui(ns.paths, demo=ns.demo, screenshot=screenshot, make_sender=results_sender)


# --- lightbox info -------------------------------------------------------------------


def _info(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox info", description="Print the studies and series found in PATHs."
    )
    parser.add_argument("paths", nargs="+", help="files, folders or DICOMDIR")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--identity",
        action="store_true",
        help="also print patient name and ID (hidden by default)",
    )
    ns = parser.parse_args(argv)
    from viewer.io.scan import scan

    # lexists: a broken link or a link loop is there, and the scan says what is wrong with it
    missing = [p for p in ns.paths if not os.path.lexists(p)]
    for p in missing:
        print(f"lightbox info: {p}: no such file or folder", file=sys.stderr)
    result = scan([p for p in ns.paths if os.path.lexists(p)])
    tree = scan_summary(result, identity=ns.identity)
    if ns.json:
        json.dump(tree, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_summary(tree))
    return 0 if result.studies else 1


def scan_summary(result: ScanResult, *, identity: bool = False) -> dict[str, Any]:
    """The scan as plain data (what ``info --json`` prints)."""
    from viewer.io.objects import object_note

    studies = []
    for study in result.studies:
        entry: dict[str, Any] = {
            "study_uid": study.uid,
            "date": study.date,
            "description": study.description,
            "series": [],
        }
        if identity:
            entry["patient_name"] = study.patient_name
            entry["patient_id"] = study.patient_id
        for series in study.series:
            first = series.first
            entry["series"].append(
                {
                    "series_uid": series.uid,
                    "number": series.number,
                    "modality": series.modality,
                    "description": series.description,
                    "instances": len(series.instances),
                    "images": len(series.frames),
                    "size": (
                        [first.pixel.columns, first.pixel.rows]
                        if first is not None and first.pixel is not None
                        else None
                    ),
                    "sorted_by": series.sorted_by,
                    "warnings": list(series.warnings),
                    "has_images": series.has_images,
                    "note": None if series.has_images else object_note(first),
                }
            )
        studies.append(entry)
    problems = [{"path": str(p.path), "reason": p.reason} for p in result.problems]
    return {"studies": studies, "problems": problems}


def format_summary(tree: dict[str, Any]) -> str:
    from viewer.io.person_names import person_name

    lines: list[str] = []
    for study in tree["studies"]:
        head = f"Study {study['study_uid']}"
        if study["date"]:
            d = study["date"]
            head += f"  {d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 else f"  {d}"
        if study["description"]:
            head += f"  {study['description']}"
        if "patient_name" in study:
            head += f"  [{person_name(study['patient_name'])} / {study['patient_id']}]"
        lines.append(head)
        for s in study["series"]:
            number = "" if s["number"] is None else f"#{s['number']} "
            desc = s["description"] or "(no description)"
            if s["has_images"]:
                size = f", {s['size'][0]}x{s['size'][1]}" if s["size"] else ""
                what = f"{s['images']} image(s){size}, sorted by {s['sorted_by']}"
            else:
                what = s["note"] or f"{s['instances']} object(s), no image to display"
            lines.append(f"  Series {number}{s['modality']}  {desc}: {what}")
            lines.extend(f"    warning: {w}" for w in s["warnings"])
    if not tree["studies"]:
        lines.append("No studies found.")
    for p in tree["problems"]:
        lines.append(f"cannot use {p['path']}: {p['reason']}")
    return "\n".join(lines) + "\n"


# --- lightbox render -----------------------------------------------------------------


def _render(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox render",
        description="Write one image as the viewer displays it, at its native pixel size.",
    )
    parser.add_argument("file", help="a DICOM file or plain image")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.png", type=output_file,
                        help="the PNG to write (a new name or a file to replace)")
    parser.add_argument("--frame", type=frame_index, default=0,
                        help="frame of a multi-frame file (0 is the first)")
    parser.add_argument(
        "--window", metavar="C,W", type=window_arg,
        help="window centre and width (default: the file's own)",
    )
    parser.add_argument("--invert", action="store_true")
    ns = parser.parse_args(argv)
    try:
        render_file(Path(ns.file), ns.output, ns.frame, ns.window, ns.invert)
    except FrameOutOfRangeError as exc:  # a usage error, known once the file is read
        print(f"lightbox render: --frame {ns.frame} is out of range: {exc.reason}",
              file=sys.stderr)
        return 2
    except LightboxError as exc:
        print(f"lightbox render: {exc}", file=sys.stderr)
        return 1
    return 0


class FrameOutOfRangeError(LightboxError):
    """``--frame`` names a frame the file does not have."""

    def __init__(self, path: Path, frame: int, frames: int) -> None:
        self.frame, self.frames = frame, frames
        valid = f"0 to {frames - 1}" if frames > 1 else "only 0"
        self.reason = f"{path.name} has {frames} frame{'s' if frames != 1 else ''} ({valid})"
        super().__init__(f"frame {frame} does not exist: {self.reason}")


def render_file(
    path: Path,
    output: Path,
    frame: int = 0,
    window: tuple[float, float] | None = None,
    invert: bool = False,
) -> None:
    """Render ``path`` (frame ``frame``) to the PNG ``output`` as the viewer shows it."""
    from PIL import Image

    from viewer.errors import FileProblemError, NotAnImageError
    from viewer.host.files import NotRegularFileError, write_atomic
    from viewer.imaging.lut import default_window
    from viewer.imaging.render import render_frame
    from viewer.imaging.window import Window
    from viewer.io.model import FrameRef
    from viewer.io.objects import object_note
    from viewer.io.pixels import read_frame
    from viewer.io.scan import read_file

    if not os.path.lexists(path):  # a link loop, a pipe or a folder: read_file says which
        raise FileProblemError(path, "no such file")
    instance = read_file(path)
    if instance is None:
        raise NotAnImageError(path, "no image to display (this is a DICOMDIR index)")
    if instance.pixel is None:
        raise NotAnImageError(path, object_note(instance)
                              or "no image to display (this DICOM object has no pixel data)")
    frames = instance.number_of_frames
    if not 0 <= frame < frames:
        raise FrameOutOfRangeError(path, frame, frames)
    ref = FrameRef(instance, frame)
    stored = read_frame(ref)
    win = Window(*window) if window else default_window(instance, frame, stored)
    image = render_frame(stored, instance, frame, win, invert=invert)
    output = Path(os.path.abspath(output))  # not resolve(): a link is replaced, not followed
    if not output.parent.is_dir():
        raise FileProblemError(output, "the output folder does not exist")
    png = io.BytesIO()
    Image.fromarray(image).save(png, format="PNG")
    try:  # a failed run never leaves a half PNG, and never replaces a device
        write_atomic(output, png.getvalue())
    except NotRegularFileError as exc:
        raise FileProblemError(output, exc.reason) from exc
    except OSError as exc:
        raise FileProblemError(output, f"cannot write the image ({exc.strerror})") from exc
