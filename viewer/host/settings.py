"""Site configuration (set by IT) and user preferences, merged into one typed ``Settings``.

Read at start:

* the site file, TOML, in the system-wide place (:func:`system_site_path`), then every
  ``*.toml`` in the ``conf.d`` folder beside it, in name order (a key in a later file
  replaces the earlier value). IT sets defaults there and may ``lock`` keys. Every key is
  described once, in ``viewer.host.site_keys.KEYS`` (with the check of each kind of
  value); docs/install.md's table is generated from it.
* the user's preferences, JSON with a ``schema_version``, in the per-user config folder
  (``LIGHTBOX_CONFIG_DIR`` overrides). They apply only to keys users may set and never to
  a key IT locked.

A broken user file never stops the app: every problem becomes a message naming the file
and the line (``Settings.problems``) and the bad part is ignored. A site configuration
with a mistake that touches policy (a file that is not valid TOML, an unknown key, a
wrong value for a policy key, a broken drop-in, and for an installed copy a site file or
folder that another account owns or can write) **fails closed**: no model runs, patient
identity is hidden and locked, developer mode and the site's environment grant are off,
until IT fixes it; the reason is one of the problems.

The policy environment variables (``LIGHTBOX_SITE_CONFIG``, ``LIGHTBOX_LOG_DIR``,
``LIGHTBOX_AUDIT_DIR``, ``LIGHTBOX_MODEL_DIRS``) apply only in developer mode: a copy of
Lightbox the account could change itself (tests, development), or a system site file
that says ``allow_environment_overrides = true``. Elsewhere they are ignored and named in
``Settings.ignored_environment``. Qt-free; reading is cheap, so nothing is cached.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from viewer.errors import LightboxError
from viewer.host import grouppolicy
from viewer.host.dicom_nodes import (
    DEFAULT_AE_TITLE,
    DEFAULT_CACHE_GB,
    DEFAULT_MAX_RESULTS,
    DEFAULT_STORAGE_PORT,
    DEFAULT_TIMEOUT_S,
    DicomNode,
)
from viewer.host.dicomweb_nodes import DicomWebNode
from viewer.host.drift_alerts import DEFAULTS as DRIFT_DEFAULTS
from viewer.host.files import write_atomic
from viewer.host.folders import (
    AUDIT_DIR_ENV,
    LOG_DIR_ENV,
    MODEL_DIRS_ENV,
    SITE_ENV,
    default_audit_dir,
    default_log_dir,
    dropin_dir,
    policy_environment,
    preferences_path,
    program_is_writable,
    site_config_path,
    system_site_path,
    user_data_dir,
)
from viewer.host.hanging import HangingProtocol, check_protocols
from viewer.host.inference_servers import InferenceServer
from viewer.host.site_keys import (
    CLOSED,
    CORNER_GROUPS,
    DEFAULT_BATCH_WINDOW_MS,
    DEFAULT_SERVICE_MAX_INSTANCES,
    DEFAULT_SERVICE_MAX_MB,
    KEYS,
    check_value,
)

SCHEMA_VERSION = 5

# Where a value came from (Settings.sources).
DEFAULT, SAFE_DEFAULT, SITE, POLICY, USER, ENVIRONMENT = (
    "default", "safe default", "site", "group policy", "user", "environment")
#: Lists a Group Policy adds to rather than replaces: more locks or revocations than the
#: site file's are never less safe, and a policy must not quietly undo one.
POLICY_ADDS = ("locked", "revoked_keys", "revoked_models")

#: A Group Policy as read from the registry: the policy key's values, and each list
#: subkey's values by name (``viewer.host.grouppolicy``). Empty on Linux and macOS.
PolicyValues = tuple[Mapping[str, grouppolicy.RegistryValue],
                     Mapping[str, Mapping[str, grouppolicy.RegistryValue]]]


class SettingsError(LightboxError):
    """A preference that cannot be saved (unknown, or locked by the site)."""


# --- the effective settings ------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The effective values, where each came from, and what was wrong with the files."""

    model_dirs: tuple[Path, ...] = ()
    allowed_models: frozenset[str] | None = None  # None: every model
    hide_identity: bool = False
    language: str = "en"
    key_bindings: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    default_presets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    corner_text: tuple[str, ...] = CORNER_GROUPS
    log_dir: Path = field(default_factory=default_log_dir)
    audit_dir: Path = field(default_factory=default_audit_dir)
    audit_required_since: datetime | None = None
    system_log: bool = False
    locked: frozenset[str] = frozenset()
    # Model trust: read from the site file only (Key.user is False for all four).
    trusted_keys: frozenset[str] = frozenset()
    revoked_keys: frozenset[str] = frozenset()
    revoked_models: frozenset[str] = frozenset()
    developer_mode: bool = False
    # The hospital network (host.dicom_nodes; docs/pacs.md). Site only, but default_node.
    dicom_nodes: Mapping[str, DicomNode] = field(default_factory=lambda: MappingProxyType({}))
    local_ae_title: str = DEFAULT_AE_TITLE
    storage_port: int = DEFAULT_STORAGE_PORT
    pacs_store_dir: Path = field(default_factory=lambda: user_data_dir() / "studies")
    pacs_cache_gb: float = DEFAULT_CACHE_GB
    pacs_max_results: int = DEFAULT_MAX_RESULTS
    dicom_timeout_s: float = DEFAULT_TIMEOUT_S
    default_node: str | None = None
    # Results back to the PACS (net.send; docs/pacs.md "Sending results back"). Site only.
    results_destination: str | None = None
    results_auto_send: bool = False
    # TLS towards the nodes (net; docs/pacs.md "TLS"). Site only; None: not configured.
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # The reader's hanging protocols by "MODALITY/BODY PART" or "MODALITY" (host.hanging).
    hanging_protocols: Mapping[str, HangingProtocol] = field(
        default_factory=lambda: MappingProxyType({}))
    # `lightbox serve` (viewer.service; docs/service.md). Site only.
    service_api_keys: tuple[str, ...] = ()  # "sha256:<hex>" of each key, never a key
    service_mutual_tls: bool = False
    service_max_request_mb: int = DEFAULT_SERVICE_MAX_MB
    service_max_instances: int = DEFAULT_SERVICE_MAX_INSTANCES
    # DICOMweb services (host.dicomweb_nodes; docs/pacs.md). Site only; names shared with
    # dicom_nodes.
    dicomweb_nodes: Mapping[str, DicomWebNode] = field(
        default_factory=lambda: MappingProxyType({}))
    # The viewer's own Storage SCP for pushed studies (ui.window.receiving). Site only.
    receive_pushes: bool = False
    # The viewer as a client of `lightbox serve` (host.inference_servers). Site only.
    inference_servers: Mapping[str, InferenceServer] = field(
        default_factory=lambda: MappingProxyType({}))
    service_providers: tuple[str, ...] | None = None  # None: what is available, CPU last
    service_batch_window_ms: float = DEFAULT_BATCH_WINDOW_MS
    service_engine_cache_dir: Path | None = None  # None: the cache folder's
    # Drift alert thresholds (host.drift_alerts; audit.drift.DriftThresholds). Site only.
    drift_alerts: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DRIFT_DEFAULTS)))
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[str, ...] = ()
    site_file: Path = field(default_factory=site_config_path)
    site_found: bool = False
    user_file: Path = field(default_factory=preferences_path)
    site_files: tuple[Path, ...] = ()  # the main file and the drop-ins that were read
    policy_keys: frozenset[str] = frozenset()  # keys a Windows Group Policy set (and locked)
    failed_closed: bool = False  # a mistake in the site configuration: nothing runs
    environment_model_dirs: tuple[Path, ...] = ()  # LIGHTBOX_MODEL_DIRS, when honoured
    environment_overrides: bool = False  # developer mode: policy variables are honoured
    ignored_environment: tuple[str, ...] = ()  # policy variables set but not honoured

    def source(self, key: str) -> str:
        return self.sources.get(key, DEFAULT)

    def is_locked(self, key: str) -> bool:
        return key in self.locked

    def allows(self, model_id: str) -> bool:
        return self.allowed_models is None or model_id in self.allowed_models


def load_settings(site_file: str | Path | None = None,
                  user_file: str | Path | None = None,
                  policy: PolicyValues | None = None) -> Settings:
    """Read the files and merge them: site over defaults, Group Policy over the site
    (and locked), user over site unless locked.

    ``site_file`` names the main site file (its ``conf.d`` is read too); without it, the
    system-wide one, or ``LIGHTBOX_SITE_CONFIG`` where environment overrides apply.
    ``policy``: the Group Policy values; without it, this machine's (Windows only).
    """
    user_path = Path(user_file) if user_file is not None else preferences_path()
    problems: list[str] = []
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    environment = policy_environment()
    developer = program_is_writable()

    if site_file is not None:
        site_path = Path(site_file)
    elif developer and SITE_ENV in environment:
        site_path = Path(environment[SITE_ENV]).expanduser()
    else:
        site_path = system_site_path()
    site, sound, files = read_site(site_path, problems, guarded=not developer)
    granted = sound and bool(site.get("allow_environment_overrides", False))
    if (site_file is None and not developer and granted and SITE_ENV in environment
            and Path(environment[SITE_ENV]).expanduser() != site_path):
        # The system file lets the environment name another site file: that one rules.
        site_path = Path(environment[SITE_ENV]).expanduser()
        problems.clear()
        # Not guarded: where IT lets the environment choose, any account may anyway.
        site, sound, files = read_site(site_path, problems)
    if policy is None:
        policy = read_machine_policy(problems)
    if policy is None:  # there is one, and it cannot be read: fail closed
        policy, sound = ({}, {}), False
    site, policy_sound, by_policy = apply_policy(site, policy[0], policy[1], problems)
    sound = sound and policy_sound
    granted = granted and sound  # a mistake anywhere withdraws the environment grant
    overrides = developer or granted
    site_found = bool(files)

    if not sound:
        site = _fail_closed(site)
        problems.append(
            f"{site_path}: the site configuration has a mistake (above), so Lightbox fails "
            "closed until IT corrects it: no AI model runs, patient identity is hidden, "
            "developer_mode and allow_environment_overrides are off")
    site = _one_namespace(site, problems)
    for key, value in site.items():
        values[key] = value
        if not sound and key in CLOSED:
            sources[key] = SAFE_DEFAULT
        else:
            sources[key] = POLICY if key in by_policy else SITE
    locked = frozenset(site.get("locked", ()))

    for key, value in read_user_preferences(user_path, problems).items():
        if key in locked:
            continue  # IT decides; the preference is kept in the file but has no effect
        if key == "model_dirs":
            # A preference adds folders; it cannot drop the ones IT configured.
            value = [*values.get("model_dirs", []), *value]
        values[key] = value
        sources[key] = USER

    environment_dirs: tuple[Path, ...] = ()
    if overrides:
        for key, variable in (("log_dir", LOG_DIR_ENV), ("audit_dir", AUDIT_DIR_ENV)):
            if variable in environment:
                values[key] = Path(environment[variable]).expanduser()
                sources[key] = ENVIRONMENT
        environment_dirs = tuple(Path(p).expanduser() for p in
                                 environment.get(MODEL_DIRS_ENV, "").split(os.pathsep)
                                 if p.strip())
    ignored = () if overrides else tuple(environment)

    allowed = values.get("allowed_models")
    return Settings(
        model_dirs=tuple(Path(p) for p in values.get("model_dirs", ())),
        allowed_models=frozenset(allowed) if allowed is not None else None,
        hide_identity=bool(values.get("hide_identity", False)),
        language=str(values.get("language", "en")),
        key_bindings=MappingProxyType({a: tuple(k) for a, k in
                                       values.get("key_bindings", {}).items()}),
        default_presets=MappingProxyType(dict(values.get("default_presets", {}))),
        corner_text=tuple(values.get("corner_text", CORNER_GROUPS)),
        log_dir=Path(values.get("log_dir") or default_log_dir()),
        audit_dir=Path(values.get("audit_dir") or default_audit_dir()),
        audit_required_since=values.get("audit_required_since"),
        system_log=bool(site.get("system_log", False)),
        locked=locked,
        trusted_keys=frozenset(site.get("trusted_keys", ())),
        revoked_keys=frozenset(site.get("revoked_keys", ())),
        revoked_models=frozenset(site.get("revoked_models", ())),
        developer_mode=bool(site.get("developer_mode", False)),
        dicom_nodes=MappingProxyType(dict(site.get("dicom_nodes", {}))),
        local_ae_title=str(site.get("local_ae_title", DEFAULT_AE_TITLE)),
        storage_port=int(site.get("storage_port", DEFAULT_STORAGE_PORT)),
        pacs_store_dir=Path(site.get("pacs_store_dir") or user_data_dir() / "studies"),
        pacs_cache_gb=float(site.get("pacs_cache_gb", DEFAULT_CACHE_GB)),
        pacs_max_results=int(site.get("pacs_max_results", DEFAULT_MAX_RESULTS)),
        dicom_timeout_s=float(site.get("dicom_timeout_s", DEFAULT_TIMEOUT_S)),
        default_node=values.get("default_node") or None,
        results_destination=_destination(site, problems),
        results_auto_send=bool(site.get("results_auto_send", False))
        and bool(_destination(site, [])),
        tls_ca_file=_file(site, "tls_ca_file"),
        tls_cert_file=_file(site, "tls_cert_file"),
        tls_key_file=_file(site, "tls_key_file"),
        hanging_protocols=MappingProxyType(
            check_protocols(values.get("hanging_protocols", {}))[0] or {}),
        service_api_keys=tuple(site.get("service_api_keys", ())),
        service_mutual_tls=bool(site.get("service_mutual_tls", False)),
        service_max_request_mb=int(site.get("service_max_request_mb",
                                            DEFAULT_SERVICE_MAX_MB)),
        service_max_instances=int(site.get("service_max_instances",
                                           DEFAULT_SERVICE_MAX_INSTANCES)),
        dicomweb_nodes=MappingProxyType(dict(site.get("dicomweb_nodes", {}))),
        receive_pushes=bool(site.get("receive_pushes", False)),
        inference_servers=MappingProxyType(dict(site.get("inference_servers", {}))),
        service_providers=(tuple(site["service_providers"]) if "service_providers" in site
                           else None),
        service_batch_window_ms=float(site.get("service_batch_window_ms",
                                               DEFAULT_BATCH_WINDOW_MS)),
        service_engine_cache_dir=(Path(site["service_engine_cache_dir"])
                                  if site.get("service_engine_cache_dir") else None),
        drift_alerts=MappingProxyType(dict(site.get("drift_alerts", DRIFT_DEFAULTS))),
        sources=MappingProxyType(sources),
        problems=tuple(problems),
        site_file=site_path,
        site_found=site_found,
        user_file=user_path,
        site_files=tuple(files),
        policy_keys=by_policy,
        failed_closed=not sound,
        environment_model_dirs=environment_dirs,
        environment_overrides=overrides,
        ignored_environment=ignored,
    )


def _file(site: Mapping[str, Any], key: str) -> Path | None:
    value = site.get(key)
    return Path(value) if value else None


def _one_namespace(site: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """DICOM and DICOMweb nodes share one namespace (a command names a node, not a
    protocol): a name in both is a mistake, and neither of the two is used."""
    dimse, web = site.get("dicom_nodes") or {}, site.get("dicomweb_nodes") or {}
    both = sorted(set(dimse) & set(web))
    if not both:
        return site
    problems.append(f"the node name(s) {', '.join(map(repr, both))} are both in dicom_nodes "
                    "and in dicomweb_nodes: each node needs its own name; neither is used "
                    "until IT renames one")
    return {**site, "dicom_nodes": {n: v for n, v in dimse.items() if n not in both},
            "dicomweb_nodes": {n: v for n, v in web.items() if n not in both}}


def _destination(site: Mapping[str, Any], problems: list[str]) -> str | None:
    """The site's ``results_destination`` when it names a configured node; otherwise None,
    and a problem that says so (results are then sent nowhere)."""
    name = site.get("results_destination") or None
    if name is None:
        return None
    nodes = {**site.get("dicom_nodes", {}), **site.get("dicomweb_nodes", {})}
    if name not in nodes:
        known = ", ".join(sorted(nodes)) or "none is configured"
        problems.append(f"results_destination names {name!r}, which is not one of the "
                        f"dicom_nodes ({known}): AI results are sent nowhere until IT "
                        "corrects it")
        return None
    return str(name)


# --- Windows Group Policy ----------------------------------------------------------------


def read_machine_policy(problems: list[str]) -> PolicyValues | None:
    """This machine's Group Policy (``HKLM\\Software\\Policies\\Lightbox``): empty where
    there is none and off Windows; None, with the reason in ``problems``, when it exists
    but cannot be read (the caller fails closed)."""
    try:
        return grouppolicy.read_policy()
    except OSError as exc:
        problems.append(f"Group Policy HKLM\\{grouppolicy.POLICY_KEY}: cannot be read "
                        f"({exc.strerror or exc}); ask IT to check the policy")
        return None


def apply_policy(site: Mapping[str, Any],
                 values: Mapping[str, grouppolicy.RegistryValue],
                 lists: Mapping[str, Mapping[str, grouppolicy.RegistryValue]],
                 problems: list[str]) -> tuple[dict[str, Any], bool, frozenset[str]]:
    """The site files' values with the Group Policy's over them; whether the policy was
    sound; the keys it set, which are added to ``locked``.

    Pure: ``values`` and ``lists`` are what the registry holds (as
    ``grouppolicy.read_policy`` returns it). A policy value is checked by the same rules
    as the site file's; a wrong one for a policy key makes the configuration unsound (the
    caller fails closed), for another key it is reported and the site file decides.
    ``locked`` and the revocation lists are added to, never replaced (:data:`POLICY_ADDS`).
    A policy's ``dicom_nodes``, ``dicomweb_nodes`` and ``inference_servers`` replace the
    file's tables; a wrong one leaves none at all.
    """
    raw, policy_problems = grouppolicy.site_values(values, lists)
    problems.extend(policy_problems)
    configured = {n for n in grouppolicy.FLAGS + grouppolicy.TEXTS + grouppolicy.INTEGERS
                  + grouppolicy.REALS if n in values}
    configured |= {n for n in grouppolicy.SUBKEYS if values.get(n) == 1}
    sound = not any(KEYS[n].policy for n in configured - raw.keys())
    merged = dict(site)
    applied: set[str] = set()
    for name, value in raw.items():
        spec = KEYS[name]
        checked, reason = check_value(spec, value, base=None)
        if not reason and name == "locked":
            unknown = [k for k in checked if k not in KEYS]
            reason = f"names unknown key(s) {', '.join(map(repr, unknown))}" if unknown else ""
        if reason and name in grouppolicy.TABLES:
            # As a wrong table in the file: none at all (never the file's instead).
            problems.append(f"Group Policy {grouppolicy.POLICY_KEY}\\{name}: {name} {reason}; "
                            f"{grouppolicy.NONE_LEFT[name]} is used until IT corrects it")
            merged[name], reason = {}, ""
            applied.add(name)
            continue
        if reason:
            problems.append(f"Group Policy {grouppolicy.POLICY_KEY}\\{name}: {name} {reason}"
                            + ("" if spec.policy else "; the site file's value is used"))
            sound = sound and not spec.policy
            continue
        if name in POLICY_ADDS:
            checked = sorted({*merged.get(name, ()), *checked})
        merged[name] = checked
        applied.add(name)
    if applied:
        merged["locked"] = sorted({*merged.get("locked", ()), *applied})
    return merged, sound, frozenset(applied)


# --- the site file ---------------------------------------------------------------------

_AT_LINE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")


def _fail_closed(site: dict[str, Any]) -> dict[str, Any]:
    closed = {**site, **CLOSED}
    closed["locked"] = sorted({*site.get("locked", ()), "hide_identity"})
    return closed


def site_files(site_path: Path) -> list[Path]:
    """The main site file (if present), then the drop-ins in name order."""
    folder = dropin_dir(site_path)
    dropins = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return [p for p in (site_path, *dropins) if p.is_file()]


def read_site(site_path: Path, problems: list[str], *, guarded: bool = False,
              ) -> tuple[dict[str, Any], bool, list[Path]]:
    """The merged valid values of the main file and its drop-ins, whether all of them were
    sound (no mistake that touches policy), and the files read. ``guarded``: the files
    and their folders must be writable by administrators only (an installed copy)."""
    values: dict[str, Any] = {}
    sound = True
    files = site_files(site_path)
    if guarded:
        folders = [f for f in (site_path.parent, dropin_dir(site_path)) if f.is_dir()]
        for path in [*folders, *files]:
            reason = _open_to_users(path)
            if reason:
                problems.append(f"{path}: {reason}, so any account could change the site "
                                f"policy: make it root's and not writable by others "
                                f"(chown root: {path}; chmod go-w {path})")
                sound = False
    for path in files:
        more, ok = read_site_config(path, problems)
        values.update(more)
        sound = sound and ok
    return values, sound, files


def _open_to_users(path: Path) -> str:
    """Why ``path`` is not administrators' alone ("" when it is, or where POSIX modes do
    not apply: on Windows ProgramData's ACLs are the installer's business)."""
    if os.name != "posix":
        return ""
    info = path.stat()
    if info.st_uid != 0:
        return f"is owned by account {info.st_uid}, not root"
    if info.st_mode & 0o022:
        return f"is writable by group or others (mode {info.st_mode & 0o777:04o})"
    return ""


def read_site_config(path: Path, problems: list[str]) -> tuple[dict[str, Any], bool]:
    """The valid values of one site file, and ``False`` when it has a mistake that must
    fail closed: unreadable, not TOML, an unknown key (perhaps a misspelt policy key), or a
    wrong value for a policy key. A wrong value for a preference key just uses the default."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return {}, False
    except UnicodeDecodeError:
        problems.append(f"{path}: is not UTF-8 text")
        return {}, False
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _AT_LINE.search(message)
        line = ""
        if at:  # "end of document": an unclosed list or string, reported at the last line
            line = f"line {at.group(1) or max(1, len(text.splitlines()))}: "
        reason = _AT_LINE.sub("", message)
        problems.append(f"{path}: {line}{reason} (not valid TOML); the whole file is ignored")
        return {}, False
    values: dict[str, Any] = {}
    sound = True
    for key, value in raw.items():
        where = f"{path}: line {_line_of(text, key)}"
        spec = KEYS.get(key)
        if spec is None:
            problems.append(f"{where}: unknown key {key!r} "
                            f"(known keys: {', '.join(KEYS)})")
            sound = False
            continue
        checked, reason = check_value(spec, value, base=path.parent)
        if reason:
            problems.append(f"{where}: {key} {reason}"
                            + ("" if spec.policy else "; the default is used"))
            sound = sound and not spec.policy
            continue
        if key == "locked":
            unknown = [k for k in checked if k not in KEYS]
            if unknown:
                problems.append(f"{where}: locked names unknown key(s) "
                                f"{', '.join(map(repr, unknown))}")
                sound = False
            checked = [k for k in checked if k in KEYS]
        values[key] = checked
    return values, sound


def _line_of(text: str, key: str) -> int | str:
    pattern = re.compile(
        rf"""^\s*(?:\[\s*)?(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[=\].]""")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return "?"


# --- user preferences -------------------------------------------------------------------

#: ``MIGRATIONS[n]`` turns a preferences dict of schema ``n`` into schema ``n + 1``.
#: Version 0 is a file written before preferences had a schema version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda old: {**old, "schema_version": 1},
    # 2 added key_bindings; a version-1 file is valid as it is.
    1: lambda old: {**old, "schema_version": 2},
    # 3 added default_presets and corner_text; absent, they keep the old behaviour.
    2: lambda old: {**old, "schema_version": 3},
    # 4 added default_node (the PACS commands' node when none is named); absent: none.
    3: lambda old: {**old, "schema_version": 4},
    # 5 added hanging_protocols (the reader's saved hangings); absent: none saved.
    4: lambda old: {**old, "schema_version": 5},
}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version < 0:
        raise ValueError(f"schema_version must be a whole number, not {version!r}")
    if version > SCHEMA_VERSION:
        raise ValueError(f"written by a newer Lightbox (schema {version}, "
                         f"this one knows {SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


def read_user_preferences(path: Path, problems: list[str]) -> dict[str, Any]:
    """The valid preferences in ``path`` (none when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc}); "
                        "your preferences are not used")
        return {}
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("must hold a JSON object")
        data = migrate(data)
    except json.JSONDecodeError as exc:
        problems.append(f"{path}: line {exc.lineno}: {exc.msg} (not valid JSON); "
                        "your preferences are not used")
        return {}
    except ValueError as exc:
        problems.append(f"{path}: {exc}; your preferences are not used")
        return {}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "schema_version":
            continue
        spec = KEYS.get(key)
        if spec is None or not spec.user:
            problems.append(f"{path}: line {_json_line_of(text, key)}: {key!r} is not a "
                            "user preference, ignored")
            continue
        checked, reason = check_value(spec, value, base=None)
        if reason:
            problems.append(f"{path}: line {_json_line_of(text, key)}: {key} {reason}; "
                            "ignored")
            continue
        values[key] = checked
    return values


def _json_line_of(text: str, key: str) -> int | str:
    needle = json.dumps(key)
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return "?"


def save_user_preferences(changes: Mapping[str, Any], settings: Settings) -> Path:
    """Merge ``changes`` into the user's preferences file (written atomically).

    Raises ``SettingsError`` for a key that is not a user preference, a wrong value, or a
    key the site locked: the caller should not offer what IT decided.
    """
    for key, value in changes.items():
        spec = KEYS.get(key)
        if spec is None or not spec.user:
            raise SettingsError(f"{key!r} is not a user preference")
        if settings.is_locked(key):
            raise SettingsError(f"{key} is set by your site's configuration "
                                f"({settings.site_file}) and cannot be changed here")
        _, reason = check_value(spec, value, base=None)
        if reason:
            raise SettingsError(f"{key} {reason}")
    path = settings.user_file
    current = read_user_preferences(path, [])
    current = {k: (v if k != "model_dirs" else [str(p) for p in v]) for k, v in current.items()}
    data = {"schema_version": SCHEMA_VERSION, **current, **dict(changes)}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
