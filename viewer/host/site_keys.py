"""Every key of the site configuration, described once: the table :data:`KEYS`, how each
kind of value is checked (:func:`check_value`), what a policy key becomes when the site
configuration has a mistake (:data:`CLOSED`), and the documented table
(:func:`schema_table`; docs/install.md holds a copy, which a test keeps equal).

Apart from ``viewer.host.settings`` (which reads the files and builds ``Settings`` from
these rules) because the table grows with every feature IT may configure, while reading
and merging does not. A new key: append a ``Key`` at the END of :data:`KEYS` (order is the
documented order), give its kind a check in :func:`check_value` and a :data:`KIND_TEXT`
when the kind is new, its field in ``Settings`` and ``load_settings``, and its line in
packaging/lightbox.toml.example. Qt-free and pure: nothing here reads a file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from viewer.host.dicom_nodes import (
    DEFAULT_AE_TITLE,
    DEFAULT_CACHE_GB,
    DEFAULT_MAX_RESULTS,
    DEFAULT_STORAGE_PORT,
    DEFAULT_TIMEOUT_S,
    check_ae_title,
    check_nodes,
    check_port,
)
from viewer.host.dicomweb_nodes import check_web_nodes
from viewer.host.drift_alerts import DEFAULTS as DRIFT_DEFAULTS
from viewer.host.drift_alerts import check_drift_alerts
from viewer.host.hanging import check_protocols, protocols_json
from viewer.host.inference_servers import check_servers

#: `lightbox serve`'s request limits when the site sets none (docs/service.md).
DEFAULT_SERVICE_MAX_MB = 1024
DEFAULT_SERVICE_MAX_INSTANCES = 2000
#: `lightbox serve` waits this long for other requests to the same model (a batch).
DEFAULT_BATCH_WINDOW_MS = 2.0
LANGUAGES = ("en", "ja")
#: The groups of viewport corner text a reader may show or hide, in corner order.
CORNER_GROUPS = ("identity", "study", "series", "position", "display")


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # bool | date | language | path | str_list | id_list | key_map | name_map
    #            | corner_set | public_keys | key_refs | digests | dicom_nodes | ae_title
    #            | port | count | seconds | gigabytes | name | file | hanging_map
    #            | key_hashes | dicomweb_nodes | inference_servers | milliseconds
    #            | drift_alerts
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
    Key("drift_alerts", "drift_alerts", False,
        "thresholds of the drift alerts (\"drift under review\" in the viewer, a metric of "
        "`lightbox serve`): " + ", ".join(f"{k} (default {v:g})" for k, v in
                                          DRIFT_DEFAULTS.items())
        + "; see docs/governance.md"),
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
    "milliseconds": "number (milliseconds, 0–1000)",
    "drift_alerts": "table of numbers"})


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


#: What a policy key becomes when the site configuration has a mistake. Policy keys not
#: named here keep what the intact files said (more revocation or audit is never less safe).
CLOSED: Mapping[str, Any] = MappingProxyType({
    "allowed_models": [], "hide_identity": True, "developer_mode": False,
    "trusted_keys": [], "allow_environment_overrides": False,
    # Any doubt about the site's intent, and Lightbox contacts nobody.
    "dicom_nodes": {}, "dicomweb_nodes": {}, "inference_servers": {}})


def check_value(spec: Key, value: Any, base: Path | None) -> tuple[Any, str]:
    """(the value in its internal form, "") or (None, why it is wrong): one rule per
    kind, the same for the site file, a Group Policy and a user preference."""
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
    if spec.kind == "drift_alerts":
        return check_drift_alerts(value)
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
