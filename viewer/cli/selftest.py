"""``lightbox --self-test``: does this install work? IT runs it after every install.

    lightbox --self-test [--json] [--no-qt] [--network]

One line per check, ``OK``/``FAIL``/``SKIP``, then a summary; exit status 0 when nothing
failed, 1 otherwise. The checks: the site configuration reads cleanly; Qt starts and
draws text and the main window builds (in a child process, so a missing platform plugin,
which makes Qt abort, fails the check instead of killing the test); ONNX Runtime loads;
every allowed model verifies with a fresh golden replay (no cache); each pixel-data
decoder (JPEG baseline, JPEG-LS, JPEG 2000, RLE) decodes its sample from
``assets/selftest/`` through pylibjpeg to the recorded pixels, which proves the decoder
plugins are found in a frozen build; each file this account writes (the application log,
its audit log, head, key state and key, its preferences) can be appended to or created,
with a remedy for IT in each failure. Nothing is created: a self-test run as root leaves
no root-owned folder behind. With ``--network`` (only then: by default the self-test
touches no network), each configured DICOM node gets a C-ECHO (docs/pacs.md).

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
    if settings.policy_keys:
        where += "; set and locked by Group Policy: " + ", ".join(sorted(settings.policy_keys))
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


# --- files the account writes ----------------------------------------------------------------

SETUP_SCRIPT = "/usr/lib/lightbox/setup-shared-folders.sh"  # installed by the .deb


def _me() -> str:
    from viewer.audit.log import os_user

    return os_user()


def _shared_remedy(folder: Path, flag: str = "--audit") -> str:
    return (f"ask IT to run: chgrp lightbox {folder}; chmod 3770 {folder}; usermod -aG "
            f"lightbox {_me()} (then log in again), or {SETUP_SCRIPT} {flag} {folder}")


def _own_remedy(path: Path) -> str:
    return f"it must belong to you: ask IT to run: chown {_me()} {path}"


def check_file(label: str, path: Path, *, shared: bool = False) -> Check:
    """Can this account append to ``path``, or create it? Checked, never created: a
    self-test run as root must not leave root-owned folders behind."""
    folder = path.parent
    if path.exists() or path.is_symlink():
        if not path.is_file():
            return Check(label, FAIL, f"{path} is not a regular file: ask IT to move it aside")
        owner = path.stat().st_uid
        if hasattr(os, "getuid") and owner != os.getuid():
            return Check(label, FAIL, f"{path} belongs to another account (uid {owner}): "
                         + ("ask IT to check it ('lightbox audit verify') and move it aside"
                            if shared else _own_remedy(path)))
        if not os.access(path, os.W_OK):
            return Check(label, FAIL, f"{path} cannot be written: " + _own_remedy(path))
        return Check(label, OK, f"{path} can be appended to")
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return Check(label, FAIL, f"{folder} cannot be made: {existing} is not a folder")
    if existing != folder and shared:
        return Check(label, FAIL, f"the shared folder {folder} does not exist: "
                     f"ask IT to run: {SETUP_SCRIPT} --audit {folder}")
    if not os.access(existing, os.W_OK | os.X_OK):
        remedy = _shared_remedy(existing) if shared else _own_remedy(existing)
        return Check(label, FAIL, f"{path} cannot be created: {existing} is not writable "
                     f"for you; {remedy}")
    return Check(label, OK, f"{path} can be created" + (
        "" if existing == folder else f" (with {folder}, at first use)"))


def check_shared_folder(folder: Path) -> list[Check]:
    """A shared audit folder must be sticky, or one account could delete another's log."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return []  # reported by the file checks
    if sys.platform != "win32" and mode & 0o022 and not mode & 0o1000:
        return [Check("audit folder", FAIL, f"{folder} is writable by other accounts without "
                      f"the sticky bit: any of them can delete another's log; "
                      f"ask IT to run: chmod 3770 {folder}")]
    return [Check("audit folder", OK, f"{folder} is mode {mode & 0o7777:04o}")]


def check_files(settings: Settings) -> list[Check]:
    from viewer.audit.log import AuditLog
    from viewer.cli.selftest_audit import check_audit_secrets
    from viewer.host.logs import log_file
    from viewer.host.settings import POLICY, SITE

    log = AuditLog.of(settings)
    shared = settings.source("audit_dir") in (SITE, POLICY)
    checks = [check_file("log file", log_file(settings),
                         shared=settings.source("log_dir") in (SITE, POLICY))]
    if shared:
        checks += check_shared_folder(settings.audit_dir)
    checks += [check_file("audit log", log.path, shared=shared),
               check_file("audit head", log.head_path, shared=shared),
               *check_audit_secrets(settings),
               check_file("preferences", settings.user_file)]
    if settings.system_log:
        checks += check_system_log()
    return checks


def check_system_log() -> list[Check]:
    """``system_log = true``: is the journal, syslog socket or Event Log reachable?"""
    from viewer.host.logs import system_log_handler

    try:
        handler = system_log_handler()
    except (OSError, ImportError) as exc:
        return [Check("system log", FAIL, f"not reachable ({exc}): start the system's "
                      "journal or syslog service, or set system_log = false")]
    handler.close()
    return [Check("system log", OK, f"records go to {type(handler).__name__}")]


# --- the hospital network (only with --network) ---------------------------------------------


def check_network(settings: Settings) -> list[Check]:
    """A C-ECHO to each configured DICOM node, a QIDO-RS search (limit 1) to each
    DICOMweb node; SKIP when none is configured."""
    if not settings.dicom_nodes and not settings.dicomweb_nodes:
        return [Check("network", SKIP, "no DICOM or DICOMweb node is configured "
                      "(docs/pacs.md)")]
    from viewer.errors import LightboxError
    from viewer.net.nodes import configured, echo, protocol

    checks = []
    for node in configured(settings).values():
        kind = protocol(node)
        try:
            echo(node, settings)
        except LightboxError as exc:
            checks.append(Check(f"{kind} node {node.name}", FAIL, str(exc)))
        else:
            checks.append(Check(f"{kind} node {node.name}", OK,
                                f"{node.address} answers a QIDO-RS search" if kind ==
                                "DICOMweb" else f"{node.address} answers C-ECHO from "
                                f"{settings.local_ae_title}"))
    return checks


def check_tls(settings: Settings) -> list[Check]:
    """The TLS nodes' files (readable, PEM, the key the certificate's) and the C-MOVE
    certificate, without a network; nothing when no node uses TLS."""
    if not any(node.tls for node in settings.dicom_nodes.values()):
        return []
    from viewer.net.tls import tls_problems

    problems = tls_problems(settings)
    if problems:
        return [Check("TLS", FAIL, p) for p in problems]
    return [Check("TLS", OK, "the TLS nodes' certificate files can be used "
                  f"(CA: {settings.tls_ca_file or 'the system authorities'})")]


def check_inference_servers(settings: Settings, network: bool) -> list[Check]:
    """Each configured inference server: its key file and TLS files (no network); with
    ``--network``, which of this workstation's verified models it serves identically.
    Nothing (and no HTTP client loaded) when none is configured."""
    if not settings.inference_servers:
        return []
    from viewer.errors import LightboxError
    from viewer.net.inference_client import ServerClient

    checks = []
    for server in settings.inference_servers.values():
        name, client = f"inference server {server.name}", ServerClient(server, settings)
        try:
            client.check_files()
            if not network:
                checks.append(Check(name, OK, f"{server.url}: its key and TLS files can be "
                                    "used (--network to ask it)"))
                continue
            from viewer.inference.registry import ModelRegistry
            from viewer.inference.remote import ServerModel, compare

            listed = {m.id: m for m in map(ServerModel.of, client.models())}
            local = [e.model.manifest for e in ModelRegistry(None, settings=settings)
                     if e.model is not None]
            same = [m.id for m in local if not compare(m, listed.get(m.id))]
        except LightboxError as exc:
            checks.append(Check(name, FAIL, str(exc)))
            continue
        checks.append(Check(name, OK, f"{server.url} serves {len(same)} of this "
                            f"workstation's {len(local)} verified models identically"
                            + (f" ({', '.join(same)})" if same else "")))
    return checks


# --- the report ------------------------------------------------------------------------------


def run_checks(settings: Settings, *, qt: bool = True, network: bool = False) -> list[Check]:
    checks: list[Check] = []
    checks += _guarded("configuration", lambda: check_configuration(settings))
    checks += _guarded("Qt", lambda: check_qt(settings)) if qt else [Check("Qt", SKIP, "--no-qt")]
    checks += _guarded("ONNX Runtime", check_runtime)
    checks += _guarded("models", lambda: check_models(settings))
    checks += _guarded("decoders", check_decoders)
    checks += _guarded("files", lambda: check_files(settings))
    checks += _guarded("TLS", lambda: check_tls(settings))
    checks += _guarded("inference servers",
                       lambda: check_inference_servers(settings, network))
    if network:
        checks += _guarded("network", lambda: check_network(settings))
    return checks


def fleet_fields() -> dict[str, Any]:
    """Who, where and when, so that a fleet's reports can be collected centrally."""
    from viewer.host.logs import host_fields

    return {**host_fields(), "python": platform.python_version(),
            "frozen": bool(getattr(sys, "frozen", False))}


def run_self_test(out: IO[str] | None = None, *, settings: Settings,
                  qt: bool = True, as_json: bool = False, network: bool = False) -> int:
    """Run every check, print the report to ``out`` (stdout); 0 when nothing failed."""
    out = out if out is not None else sys.stdout
    frozen = " frozen" if getattr(sys, "frozen", False) else ""
    header = (f"Lightbox {__version__}{frozen} self-test (Python {platform.python_version()}, "
              f"{platform.system()} {platform.release()})")
    if not as_json:
        print(header, file=out, flush=True)
    checks = run_checks(settings, qt=qt, network=network)
    failed = [c for c in checks if c.status == FAIL]
    if as_json:
        json.dump({**fleet_fields(), "passed": not failed,
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
    parser.add_argument("--network", action="store_true",
                        help="also C-ECHO every configured DICOM node")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    # The self-test is an entry point: it reads the settings once, as the app would.
    return run_self_test(settings=load_settings(), qt=not ns.no_qt, as_json=ns.json,
                         network=ns.network)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
