"""Site configuration (set by IT) and user preferences, merged into one typed ``Settings``.

Read at start:

* the site file, TOML, in the system-wide place (:func:`system_site_path`), then every
  ``*.toml`` in the ``conf.d`` folder beside it, in name order (a key in a later file
  replaces the earlier value). IT sets defaults there and may ``lock`` keys. Every key is
  described once, in :data:`KEYS`; docs/install.md's table is generated from it.
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

import base64
import binascii
import contextlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
    check_ae_title,
    check_nodes,
    check_port,
)
from viewer.host.dicomweb_nodes import DicomWebNode, check_web_nodes
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
from viewer.host.hanging import HangingProtocol, check_protocols, protocols_json
from viewer.host.inference_servers import InferenceServer, check_servers

SCHEMA_VERSION = 5
#: `lightbox serve`'s request limits when the site sets none (docs/service.md).
DEFAULT_SERVICE_MAX_MB = 1024
DEFAULT_SERVICE_MAX_INSTANCES = 2000
#: `lightbox serve` waits this long for other requests to the same model (a batch).
DEFAULT_BATCH_WINDOW_MS = 2.0
LANGUAGES = ("en", "ja")
#: The groups of viewport corner text a reader may show or hide, in corner order.
CORNER_GROUPS = ("identity", "study", "series", "position", "display")

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


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # bool | date | language | path | str_list | id_list | key_map | name_map
    #            | corner_set | public_keys | key_refs | digests | dicom_nodes | ae_title
    #            | port | count | seconds | gigabytes | name | file | hanging_map
    #            | key_hashes | dicomweb_nodes | inference_servers | milliseconds
    user: bool  # a user preference may set it (unless the site locks it)
    doc: str
    #: Security-relevant: a mistake in the site configuration gives it its closed value
    #: (:data:`CLOSED`, or what the intact files said) instead of the permissive default.
    policy: bool = False


KEYS: Mapping[str, Key] = MappingProxyType({k.name: k for k in (
    Key("model_dirs", "str_list", True,
        "extra folders of model artifacts, after the bundled models"),
    Key("allowed_models", "id_list", False,
        "ids of the models that may be used; absent: every model that verifies", True),
    Key("hide_identity", "bool", True, "hide patient name and ID when the viewer starts",
        True),
    Key("language", "language", True, "user-interface language: " + ", ".join(LANGUAGES)),
    Key("log_dir", "path", False, "folder of the application log and crash reports", True),
    Key("audit_dir", "path", False, "folder of the AI audit log", True),
    Key("system_log", "bool", False,
        "also send the application log to the system log IT collects (journald or syslog "
        "on Linux, the Event Log on Windows), each record with host, user, version and time",
        True),
    Key("audit_required_since", "date", False,
        "from this date (YYYY-MM-DD, UTC) every account's audit log must exist and be signed: "
        "a missing log is a failure, never 'no runs yet'", True),
    Key("locked", "id_list", False, "keys that user preferences cannot change", True),
    Key("trusted_keys", "public_keys", False,
        "public keys (\"ed25519:<base64>\", from `lightbox model keygen`) whose signature "
        "lets a model run; absent: only the demonstration key, for demonstration models",
        True),
    Key("revoked_keys", "key_refs", False,
        "signing keys no longer trusted: their id (16 hex digits) or \"ed25519:<base64>\"",
        True),
    Key("revoked_models", "digests", False,
        "manifest digests (64 hex digits) of models that must not run", True),
    Key("developer_mode", "bool", False,
        "let unsigned local models run, marked \"UNSIGNED · developer mode\" everywhere",
        True),
    Key("allow_environment_overrides", "bool", False,
        "honour LIGHTBOX_SITE_CONFIG, LIGHTBOX_LOG_DIR, LIGHTBOX_AUDIT_DIR and "
        "LIGHTBOX_MODEL_DIRS for every user (test and support machines only)", True),
    Key("key_bindings", "key_map", True,
        "keys of viewer actions that differ from the defaults: {action: [key, ...]}"),
    Key("default_presets", "name_map", True,
        "the window preset a series opens with, by modality: {\"CT\": \"Lung\"}; "
        "a modality not named opens with the file's own window"),
    Key("corner_text", "corner_set", True,
        "which viewport corner text groups are shown: " + ", ".join(CORNER_GROUPS)),
    # The hospital network (docs/pacs.md). The site's alone: no preference adds a node.
    Key("dicom_nodes", "dicom_nodes", False,
        "the DICOM nodes (PACS) Lightbox may contact, one table each: [dicom_nodes.NAME] "
        "with ae_title, host, port, tls = false; absent: Lightbox opens no network "
        "connection at all"),
    Key("local_ae_title", "ae_title", False,
        f"Lightbox's own AE title (default {DEFAULT_AE_TITLE!r}); the nodes must know it"),
    Key("storage_port", "port", False,
        f"TCP port of Lightbox's Storage SCP, open during a C-MOVE retrieve, lightbox pacs "
        f"listen, or while the viewer runs with receive_pushes (default "
        f"{DEFAULT_STORAGE_PORT})"),
    Key("pacs_store_dir", "path", False,
        "folder of the studies retrieved from the PACS (default: the per-user data "
        "folder's 'studies')"),
    Key("pacs_cache_gb", "gigabytes", False,
        f"most gigabytes the studies in pacs_store_dir may take (default {DEFAULT_CACHE_GB:g}): "
        "past it, the least recently opened complete studies are removed, never one open "
        "on screen or still arriving"),
    Key("pacs_max_results", "count", False,
        f"most matches a PACS query lists before asking to narrow it (default "
        f"{DEFAULT_MAX_RESULTS})"),
    Key("dicom_timeout_s", "seconds", False,
        f"seconds to wait for a DICOM node to connect or answer (default "
        f"{DEFAULT_TIMEOUT_S})"),
    Key("default_node", "name", True,
        "the node (DICOM or DICOMweb) the PACS commands use when none is named"),
    Key("results_destination", "name", False,
        "the node (one of dicom_nodes or dicomweb_nodes) that AI results, key images and "
        "annotations are sent to with C-STORE or STOW-RS; absent: nothing is ever sent"),
    Key("results_auto_send", "bool", False,
        "send each AI run's SEG/SR to results_destination as soon as the run ends, in "
        "the viewer and by lightbox infer (default false: only when the reader sends them)"),
    # TLS towards the nodes (DICOM over TLS, DICOMweb over https). Site only.
    Key("tls_ca_file", "file", False,
        "PEM file of the certificate authorities whose certificates Lightbox trusts for the "
        "nodes' TLS (the hospital's CA); absent: the system's trusted authorities"),
    Key("tls_cert_file", "file", False,
        "PEM file of this workstation's certificate, for nodes that require mutual TLS "
        "and the storage port of a TLS node's C-MOVE (with tls_key_file)"),
    Key("tls_key_file", "file", False,
        "PEM file of the private key of tls_cert_file (readable by Lightbox's users only)"),
    # The reader's hanging protocols (viewer.host.hanging; docs/pacs.md "Priors").
    Key("hanging_protocols", "hanging_map", True,
        "saved hangings by \"MODALITY/BODY PART\" or \"MODALITY\": {\"CT/CHEST\": "
        "{\"comparison\": true, \"current\": \"left\", \"link\": true, \"presets\": "
        "[\"Lung\", \"Lung\"]}}; a study opens as its protocol says (comparison: beside "
        "its most recent comparable prior)"),
    # `lightbox serve` (docs/service.md). Site only.
    Key("service_api_keys", "key_hashes", False,
        "SHA-256 hashes (\"sha256:<64 hex>\", from `lightbox serve --hash-key`) of the API "
        "keys `lightbox serve` accepts; set: no anonymous call; absent: the service answers "
        "anyone who reaches it and binds the local machine (127.0.0.1) only", True),
    Key("service_mutual_tls", "bool", False,
        "`lightbox serve` speaks https with tls_cert_file and tls_key_file and accepts only "
        "clients whose certificate tls_ca_file signed", True),
    Key("service_max_request_mb", "count", False,
        f"most megabytes one request to `lightbox serve` may carry (default "
        f"{DEFAULT_SERVICE_MAX_MB}); past it: 413"),
    Key("service_max_instances", "count", False,
        f"most DICOM files one run request to `lightbox serve` may upload (default "
        f"{DEFAULT_SERVICE_MAX_INSTANCES}); past it: 413"),
    Key("dicomweb_nodes", "dicomweb_nodes", False,
        "the DICOMweb services (QIDO-RS, WADO-RS, STOW-RS) Lightbox may contact, one table "
        "each: [dicomweb_nodes.NAME] with url, auth = \"none\" | \"basic\" (username, "
        "password_file) | \"bearer\" (token_file); names shared with dicom_nodes"),
    Key("receive_pushes", "bool", False,
        "the running viewer listens on storage_port for studies the configured nodes push "
        "to it, and shows them as they arrive (default false: only lightbox pacs listen "
        "and C-MOVE retrieves open the port)"),
    # The viewer as a client of `lightbox serve` (docs/service.md). Site only.
    Key("inference_servers", "inference_servers", False,
        "the inference servers (`lightbox serve`) the AI panel may run a model on, one "
        "table each: [inference_servers.NAME] with url (https://host:port), api_key_file "
        "(a file IT protects holding the key), timeout_s; TLS with tls_ca_file (and "
        "tls_cert_file/tls_key_file for mutual TLS); absent: no run leaves the workstation"),
    Key("service_providers", "id_list", False,
        "ONNX Runtime execution providers `lightbox serve` tries, in order of preference: "
        "\"tensorrt\", \"cuda\", \"coreml\", \"cpu\"; a model is served on the first whose "
        "golden replay passes, else the CPU (absent: those available, the CPU last)"),
    Key("service_batch_window_ms", "milliseconds", False,
        f"how long `lightbox serve` waits for other clients' requests to the same model to "
        f"run them as one batch (default {DEFAULT_BATCH_WINDOW_MS:g}; 0: no batching)"),
    Key("service_engine_cache_dir", "path", False,
        "folder of the TensorRT engines `lightbox serve` builds (default: the cache "
        "folder's tensorrt-engines)"),
)})


#: How each kind of value is written in the site file, for the documented table.
KIND_TEXT: Mapping[str, str] = MappingProxyType({
    "bool": "true / false", "date": "date (YYYY-MM-DD)", "language": "string",
    "path": "folder path", "str_list": "list of folder paths", "id_list": "list of strings",
    "key_map": "table of lists", "name_map": "table of strings",
    "corner_set": "list of strings", "public_keys": "list of \"ed25519:…\" keys",
    "key_refs": "list of key ids or keys", "digests": "list of digests",
    "dicom_nodes": "tables (one per node)", "ae_title": "string (AE title)",
    "port": "integer (1–65535)", "count": "integer", "seconds": "number (seconds)",
    "gigabytes": "number (gigabytes)", "dicomweb_nodes": "tables (one per node)",
    "name": "string", "file": "file path", "hanging_map": "table of tables",
    "key_hashes": "list of \"sha256:…\" hashes",
    "inference_servers": "tables (one per server)",
    "milliseconds": "number (milliseconds, 0–1000)"})


def schema_table() -> str:
    """The Markdown table of every key IT can set or lock (docs/install.md holds a copy,
    which a test keeps equal)."""
    rows = ["| key | value | users may set it (unless `locked`) | after a mistake "
            "(fails closed) | what it does |", "| --- | --- | --- | --- | --- |"]
    for key in KEYS.values():
        if key.name in CLOSED:
            closed = f"`{json.dumps(CLOSED[key.name])}`"
        elif key.name == "locked":
            closed = "what the intact files say, plus `hide_identity`"
        else:
            closed = "what the intact files say" if key.policy else "—"
        who = "yes" if key.user else "no: site only"
        doc = key.doc.replace("|", "\\|")
        rows.append(f"| `{key.name}` | {KIND_TEXT[key.kind]} | {who} | {closed} | {doc} |")
    return "\n".join(rows) + "\n"


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
    A policy's ``dicom_nodes`` replace the file's; a wrong one leaves no node at all.
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
        checked, reason = _check(spec, value, base=None)
        if not reason and name == "locked":
            unknown = [k for k in checked if k not in KEYS]
            reason = f"names unknown key(s) {', '.join(map(repr, unknown))}" if unknown else ""
        if reason and name == grouppolicy.NODES:
            # As a wrong table in the file: no node at all (never the file's instead).
            problems.append(f"Group Policy {grouppolicy.POLICY_KEY}\\{name}: {name} {reason}; "
                            "no DICOM node is used until IT corrects it")
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


#: What a policy key becomes when the site configuration has a mistake. Policy keys not
#: named here keep what the intact files said (more revocation or audit is never less safe).
CLOSED: Mapping[str, Any] = MappingProxyType({
    "allowed_models": [], "hide_identity": True, "developer_mode": False,
    "trusted_keys": [], "allow_environment_overrides": False,
    # Any doubt about the site's intent, and Lightbox contacts nobody.
    "dicom_nodes": {}, "dicomweb_nodes": {}, "inference_servers": {}})


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
        checked, reason = _check(spec, value, base=path.parent)
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


def _check(spec: Key, value: Any, base: Path | None) -> tuple[Any, str]:
    """(the value in its internal form, "") or (None, why it is wrong)."""
    if spec.kind == "bool":
        return (value, "") if isinstance(value, bool) else (None, "must be true or false")
    if spec.kind == "date":
        day = value if isinstance(value, date) and not isinstance(value, datetime) else None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(value.strip())
        if day is None:
            return None, f"must be a date like 2026-01-31, not {value!r}"
        return datetime(day.year, day.month, day.day, tzinfo=UTC), ""
    if spec.kind == "language":
        if isinstance(value, str) and value in LANGUAGES:
            return value, ""
        return None, f"must be one of {', '.join(map(repr, LANGUAGES))}, not {value!r}"
    if spec.kind == "path":
        if isinstance(value, str) and value.strip():
            return _path(value, base), ""
        return None, "must be a folder path in quotes"
    if spec.kind == "file":  # "" is none
        if isinstance(value, str):
            return (str(_path(value.strip(), base)) if value.strip() else ""), ""
        return None, "must be a file path in quotes (\"\" for none)"
    if spec.kind in ("str_list", "id_list"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return None, "must be a list of non-empty strings, e.g. [\"a\", \"b\"]"
        if spec.kind == "str_list":
            return [str(_path(v, base)) for v in value], ""
        return [v.strip() for v in value], ""
    if spec.kind == "key_hashes":
        if not isinstance(value, list) or not all(
                isinstance(v, str) and re.fullmatch(r"sha256:[0-9a-f]{64}", v.strip())
                for v in value):
            return None, ("must be a list of \"sha256:<64 hex digits>\" key hashes (from "
                          "`lightbox serve --hash-key`), never the keys themselves")
        return [v.strip() for v in value], ""
    if spec.kind in ("public_keys", "key_refs", "digests"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "must be a list of strings"
        items = [v.strip() for v in value]
        bad = [v for v in items if not _trust_item(spec.kind, v)]
        if bad:
            return None, (f"holds {bad[0]!r}, which is not "
                          + {"public_keys": "an \"ed25519:<base64>\" public key",
                             "key_refs": "a key id (16 hex digits) or \"ed25519:<base64>\" key",
                             "digests": "a manifest digest (64 hex digits)"}[spec.kind])
        return items, ""
    if spec.kind == "key_map":
        if isinstance(value, dict) and all(
                isinstance(a, str) and isinstance(ks, list)
                and all(isinstance(k, str) and k.strip() for k in ks)
                for a, ks in value.items()):
            return {a: [k.strip() for k in ks] for a, ks in value.items()}, ""
        return None, "must map action names to lists of keys, e.g. {\"fit\": [\"F\"]}"
    if spec.kind == "name_map":
        if isinstance(value, dict) and all(isinstance(m, str) and m.strip() and isinstance(n, str)
                                           and n.strip() for m, n in value.items()):
            return {m.strip().upper(): n.strip() for m, n in value.items()}, ""
        return None, "must map modalities to preset names, e.g. {\"CT\": \"Lung\"}"
    if spec.kind == "corner_set":
        if isinstance(value, list) and all(v in CORNER_GROUPS for v in value):
            return [g for g in CORNER_GROUPS if g in value], ""
        return None, ("must be a list of corner text groups from "
                      f"{', '.join(map(repr, CORNER_GROUPS))}, not {value!r}")
    if spec.kind == "dicom_nodes":
        return check_nodes(value)
    if spec.kind == "dicomweb_nodes":
        return check_web_nodes(value, base)
    if spec.kind == "inference_servers":
        return check_servers(value, base)
    if spec.kind == "ae_title":
        return check_ae_title(value)
    if spec.kind == "port":
        return check_port(value)
    if spec.kind == "count":
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100_000:
            return value, ""
        return None, f"must be a whole number from 1 to 100000, not {value!r}"
    if spec.kind == "seconds":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 3600:
            return float(value), ""
        return None, f"must be a number of seconds above 0 and at most 3600, not {value!r}"
    if spec.kind == "milliseconds":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1000:
            return float(value), ""
        return None, f"must be a number of milliseconds from 0 to 1000, not {value!r}"
    if spec.kind == "gigabytes":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1e6:
            return float(value), ""
        return None, f"must be a number of gigabytes above 0, e.g. 50 or 0.5, not {value!r}"
    if spec.kind == "hanging_map":  # kept as JSON (the file's form), checked and normalised
        protocols, reason = check_protocols(value)
        return (protocols_json(protocols), "") if protocols is not None else (None, reason)
    if spec.kind == "name":  # "" is none
        if isinstance(value, str):
            return value.strip(), ""
        return None, f"must be a string, not {value!r}"
    raise AssertionError(spec.kind)


def _trust_item(kind: str, value: str) -> bool:
    if kind == "digests":
        return re.fullmatch(r"[0-9a-f]{64}", value) is not None
    if kind == "key_refs" and re.fullmatch(r"[0-9a-f]{16}", value):
        return True
    if not value.startswith("ed25519:"):
        return False
    try:
        return len(base64.b64decode(value[8:], validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _path(value: str, base: Path | None) -> Path:
    # %PROGRAMDATA%-style and $HOME-style variables both expand, so one file suits a fleet.
    path = Path(os.path.expandvars(value)).expanduser()
    return path if path.is_absolute() or base is None else base / path


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
        checked, reason = _check(spec, value, base=None)
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
        _, reason = _check(spec, value, base=None)
        if reason:
            raise SettingsError(f"{key} {reason}")
    path = settings.user_file
    current = read_user_preferences(path, [])
    current = {k: (v if k != "model_dirs" else [str(p) for p in v]) for k, v in current.items()}
    data = {"schema_version": SCHEMA_VERSION, **current, **dict(changes)}
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
