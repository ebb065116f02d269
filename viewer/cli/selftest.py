"""``lightbox --self-test``: does this install work? IT runs it after every install.

    lightbox --self-test [--json] [--no-qt]

One line per check, ``OK``/``FAIL``/``SKIP``, then a summary; exit status 0 when nothing
failed, 1 otherwise. The checks: the site configuration reads cleanly; Qt starts and
draws text and the main window builds (in a child process, so a missing platform plugin,
which makes Qt abort, fails the check instead of killing the test); ONNX Runtime loads;
every allowed model verifies with a fresh golden replay (no cache); each pixel-data
decoder (JPEG baseline, JPEG-LS, JPEG 2000, RLE) decodes its sample from
``assets/selftest/`` through pylibjpeg to the recorded pixels, which proves the decoder
plugins are found in a frozen build; the log and audit folders are writable.

Nothing here imports Qt except the child process, which goes through ``viewer.ui``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from viewer import __version__
from viewer.host.assets import assets_dir
from viewer.host.settings import Settings, load_settings

OK, FAIL, SKIP = "OK", "FAIL", "SKIP"
#: Seconds the Qt child may take to start, draw and build the window.
QT_LIMIT_S = 120


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK | FAIL | SKIP
    detail: str = ""

    @property
    def line(self) -> str:
        return f"{self.status:<5} {self.name}" + (f": {self.detail}" if self.detail else "")


def _guarded(name: str, fn: Callable[[], list[Check]]) -> list[Check]:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        return [Check(name, FAIL, f"{type(exc).__name__}: {exc}")]


# --- configuration -------------------------------------------------------------------------


def check_configuration(settings: Settings) -> list[Check]:
    if settings.problems:
        return [Check("configuration", FAIL, p) for p in settings.problems]
    where = (f"site file(s) {', '.join(map(str, settings.site_files))}" if settings.site_found
             else f"no site file at {settings.site_file}, defaults in use")
    if settings.ignored_environment:
        where += ("; ignored (not developer mode): "
                  + ", ".join(settings.ignored_environment))
    elif settings.environment_overrides:
        where += "; developer mode: LIGHTBOX_* environment overrides are honoured"
    return [Check("configuration", OK, where)]


# --- Qt ------------------------------------------------------------------------------------


def _qt_child(results: Any, platform_name: str | None, site_file: Path, user_file: Path) -> None:
    """Runs in a spawned process: start Qt, draw, build the window, report one line."""
    if platform_name:
        os.environ["QT_QPA_PLATFORM"] = platform_name
    try:
        from viewer.ui.app import qt_self_check

        # Settings do not pickle (read-only mappings): the child reads the same two files.
        results.put((OK, qt_self_check(load_settings(site_file, user_file))))
    except BaseException as exc:  # noqa: BLE001 - report, whatever it is
        results.put((FAIL, f"{type(exc).__name__}: {exc}"))


def _qt_platform() -> str | None:
    """Offscreen where there is no display (a server, CI, an SSH session); otherwise the
    real platform plugin, the one the reader's window will need."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "offscreen"
    return None


def check_qt(settings: Settings) -> list[Check]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_qt_child,
                            args=(results, _qt_platform(), settings.site_file, settings.user_file),
                            name="lightbox-self-test-qt", daemon=True)
    child.start()
    child.join(QT_LIMIT_S)
    if child.is_alive():
        child.kill()
        child.join()
        return [Check("Qt", FAIL, f"did not start within {QT_LIMIT_S} s")]
    try:
        status, detail = results.get(timeout=5)
    except Exception:  # noqa: BLE001 - queue.Empty: the child died without a word
        return [Check("Qt", FAIL, f"the Qt process ended with status {child.exitcode} "
                      "(see the message above; often a missing platform plugin or library)")]
    return [Check("Qt", status, detail)]


# --- ONNX Runtime and the models ------------------------------------------------------------


def check_runtime() -> list[Check]:
    from viewer.inference.session import import_runtime

    onnxruntime = import_runtime()

    providers = onnxruntime.get_available_providers()
    if "CPUExecutionProvider" not in providers:
        return [Check("ONNX Runtime", FAIL,
                      f"{onnxruntime.__version__} has no CPU provider ({', '.join(providers)})")]
    return [Check("ONNX Runtime", OK, f"{onnxruntime.__version__} loaded (CPU)")]


def check_models(settings: Settings) -> list[Check]:
    from viewer.inference.registry import POLICY_REASONS, ModelRegistry

    # No cache: the self-test must prove each artifact replays its golden outputs here.
    registry = ModelRegistry(settings=settings)
    checks: list[Check] = []
    for folder in registry.missing_dirs:
        checks.append(Check("model folder", FAIL,
                            f"{folder} does not exist (model_dirs): create it, correct the "
                            "path, or remove it from the configuration"))
    for entry in registry.entries:
        name = f"model {entry.id}"
        if entry.available:
            checks.append(Check(name, OK, f"{entry.title}: verified (golden outputs replayed)"))
        elif entry.reason in POLICY_REASONS:
            checks.append(Check(name, SKIP, entry.reason))
        else:
            checks.append(Check(name, FAIL, entry.reason))
    found = set(registry.ids())
    for missing in sorted((settings.allowed_models or set()) - found):
        checks.append(Check(f"model {missing}", FAIL,
                            "allowed by the site configuration but not found in "
                            + ", ".join(str(d) for d in registry.dirs)))
    if not registry.entries and settings.allowed_models != frozenset():
        checks.append(Check("models", FAIL, "no model found in "
                            + ", ".join(str(d) for d in registry.dirs)))
    return checks


# --- pixel-data decoders -----------------------------------------------------------------------


def samples_dir() -> Path:
    return assets_dir() / "selftest"


def check_decoders(folder: Path | None = None) -> list[Check]:
    folder = folder if folder is not None else samples_dir()
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    checks: list[Check] = []
    for sample in expected["samples"]:
        checks += _guarded(f"decoder {sample['decoder']}",
                           functools.partial(_sample_checks, folder, sample))
    return checks


def _sample_checks(folder: Path, sample: dict[str, Any]) -> list[Check]:
    return [check_sample(folder, sample)]


def check_sample(folder: Path, sample: dict[str, Any]) -> Check:
    import numpy as np
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.pixels.utils import pixel_array
    from pydicom.uid import UID

    name = f"decoder {sample['decoder']}"
    decoder = get_decoder(UID(sample["transfer_syntax"]))
    if "pylibjpeg" not in decoder.available_plugins:
        # pylibjpeg finds its decoders through package metadata: a build that dropped the
        # metadata lands here, even when another plugin could still decode some syntaxes.
        return Check(name, FAIL, "the pylibjpeg decoder plugin is not available "
                     f"(available: {', '.join(decoder.available_plugins) or 'none'})")
    pixels = pixel_array(folder / sample["file"], decoding_plugin="pylibjpeg")
    if list(pixels.shape) != sample["shape"] or pixels.dtype.name != sample["dtype"]:
        return Check(name, FAIL, f"{sample['file']} decoded to {pixels.dtype.name} "
                     f"{list(pixels.shape)}, expected {sample['dtype']} {sample['shape']}")
    if "sha256" in sample:
        data = np.ascontiguousarray(pixels, pixels.dtype.newbyteorder("<")).tobytes()
        if hashlib.sha256(data).hexdigest() != sample["sha256"]:
            return Check(name, FAIL, f"{sample['file']} decoded to different pixels")
        return Check(name, OK, f"{sample['file']} decoded by pylibjpeg, pixels exact")
    block = int(sample["block"])
    rows, cols = pixels.shape[:2]
    means = pixels.astype(np.float64).reshape(
        rows // block, block, cols // block, block, *pixels.shape[2:]).mean(axis=(1, 3))
    worst = float(np.max(np.abs(means - np.asarray(sample["block_means"]))))
    if worst > float(sample["atol"]):
        return Check(name, FAIL, f"{sample['file']} decoded to different pixels "
                     f"(block means off by {worst:.2f})")
    return Check(name, OK, f"{sample['file']} decoded by pylibjpeg, pixels within "
                 f"{sample['atol']:g} (lossy)")


# --- folders ------------------------------------------------------------------------------


def check_writable(label: str, folder: Path) -> list[Check]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".self-test-"):
            pass
    except OSError as exc:
        return [Check(f"{label} folder", FAIL,
                      f"{folder} is not writable ({exc.strerror or exc})")]
    return [Check(f"{label} folder", OK, f"{folder} is writable")]


# --- the report ------------------------------------------------------------------------------


def run_checks(settings: Settings, *, qt: bool = True) -> list[Check]:
    checks: list[Check] = []
    checks += _guarded("configuration", lambda: check_configuration(settings))
    checks += _guarded("Qt", lambda: check_qt(settings)) if qt else [Check("Qt", SKIP, "--no-qt")]
    checks += _guarded("ONNX Runtime", check_runtime)
    checks += _guarded("models", lambda: check_models(settings))
    checks += _guarded("decoders", check_decoders)
    checks += _guarded("log folder", lambda: check_writable("log", settings.log_dir))
    checks += _guarded("audit folder", lambda: check_writable("audit", settings.audit_dir))
    return checks


def run_self_test(out: IO[str] | None = None, *, settings: Settings,
                  qt: bool = True, as_json: bool = False) -> int:
    """Run every check, print the report to ``out`` (stdout); 0 when nothing failed."""
    out = out if out is not None else sys.stdout
    frozen = " frozen" if getattr(sys, "frozen", False) else ""
    header = (f"Lightbox {__version__}{frozen} self-test (Python {platform.python_version()}, "
              f"{platform.system()} {platform.release()})")
    if not as_json:
        print(header, file=out, flush=True)
    checks = run_checks(settings, qt=qt)
    failed = [c for c in checks if c.status == FAIL]
    if as_json:
        json.dump({"version": __version__, "passed": not failed,
                   "checks": [asdict(c) for c in checks]}, out, indent=2)
        out.write("\n")
    else:
        for check in checks:
            print(check.line, file=out)
        passed = sum(c.status == OK for c in checks)
        print(f"Self-test FAILED: {len(failed)} of {len(checks)} checks failed." if failed
              else f"Self-test passed: {passed} checks OK.", file=out)
    out.flush()
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox --self-test",
        description="Check that this install works: Qt, ONNX Runtime, models, decoders, "
        "folders. Exit status 0 when every check passed.")
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument("--no-qt", action="store_true", help="skip the Qt check")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    # The self-test is an entry point: it reads the settings once, as the app would.
    return run_self_test(settings=load_settings(), qt=not ns.no_qt, as_json=ns.json)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
