"""Windows Group Policy (packaging/windows/admx/Lightbox.admx) as site-file values.

The ADMX template writes the site file's own keys under ``HKLM\\Software\\Policies\\Lightbox``:

* ``hide_identity``, ``developer_mode``: REG_DWORD 1 or 0;
* ``language``, ``log_dir``, ``audit_dir``, ``audit_required_since``: REG_SZ (the paths
  REG_EXPAND_SZ), the same text as in lightbox.toml;
* ``results_auto_send``: REG_DWORD 1 or 0; ``storage_port``, ``pacs_max_results``,
  ``dicom_timeout_s``: REG_DWORD; ``pacs_cache_gb``: REG_SZ (a number, "0.5");
  ``local_ae_title``, ``results_destination``: REG_SZ; ``pacs_store_dir`` and the
  ``tls_*_file`` paths: REG_EXPAND_SZ (``""`` for none, as in the file);
* ``dicom_nodes``: a list (below) whose entries are ``NAME=AE_TITLE@host:port`` followed
  by ``;tls`` and/or ``;move`` as needed (``pacs=PACS1@10.1.2.3:104;move``), which becomes
  the file's ``[dicom_nodes.NAME]`` tables and is checked by the same rules; a policy's
  nodes replace the file's (a wrong entry: no node at all, like a wrong table);
* ``dicomweb_nodes`` and ``inference_servers``: lists of the same kind whose entries are
  ``NAME=URL`` followed by ``;field=value`` for each other field of the file's table
  (``web=https://pacs.local/dicom-web;auth=bearer;token_file=C:\\pki\\pacs.token``,
  ``gpu1=https://ai.local:8443;api_key_file=C:\\pki\\gpu1.key;timeout_s=300``), file
  paths full ones; they replace the file's tables, and a wrong entry leaves none;
* each list (``model_dirs``, ``allowed_models``, ``locked``, ``trusted_keys``,
  ``revoked_keys``, ``revoked_models``): REG_DWORD 1 under its name when the policy is
  enabled, and its entries as the values ``1``, ``2``, … of the subkey of the same name.
  An enabled list with no entries is ``[]`` (for ``allowed_models``: no model may run),
  exactly as in the file.

:func:`site_values` turns what was read into the table ``tomllib`` would have given for
the same settings, so ``viewer.host.settings`` validates both the same way; it is pure and
tested on every OS. :func:`read_policy` reads the registry on Windows (``winreg`` is
imported there only) and finds no policy elsewhere; ``viewer.host.settings`` calls it
once, where the settings are built. Qt-free.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath

POLICY_KEY = r"Software\Policies\Lightbox"
FLAGS = ("hide_identity", "developer_mode", "results_auto_send")
TEXTS = ("language", "log_dir", "audit_dir", "audit_required_since", "local_ae_title",
         "pacs_store_dir", "results_destination", "tls_ca_file", "tls_cert_file",
         "tls_key_file")
#: Whole numbers: REG_DWORD.
INTEGERS = ("storage_port", "pacs_max_results", "dicom_timeout_s")
#: Numbers that may have a fraction (0.5 GB): REG_SZ, the number as written in the file.
REALS = ("pacs_cache_gb",)
LISTS = ("model_dirs", "allowed_models", "locked", "trusted_keys", "revoked_keys",
         "revoked_models")
#: The DICOM nodes: a list whose entries are "NAME=AE_TITLE@host:port[;tls][;move]".
NODES = "dicom_nodes"
#: The DICOMweb nodes and the inference servers: lists whose entries are "NAME=URL"
#: then ";field=value" for each other field of the site file's table.
WEB_NODES, SERVERS = "dicomweb_nodes", "inference_servers"
#: The policies that stand for the site file's tables of named entries, and what is left
#: when one entry is wrong (nothing: never a half-understood list).
TABLES = (NODES, WEB_NODES, SERVERS)
NONE_LEFT = {NODES: "no DICOM node", WEB_NODES: "no DICOMweb node",
             SERVERS: "no inference server"}
#: Every site-file key a policy can set (the ADMX template has one policy for each).
POLICY_KEYS = FLAGS + TEXTS + INTEGERS + REALS + LISTS + TABLES
#: The policies whose entries are the values of a subkey of their own name.
SUBKEYS = LISTS + TABLES
#: A node entry's options after its address.
NODE_OPTIONS = ("tls", "move", "get")
#: The fields of a "NAME=URL;field=value" entry that are numbers in the site file.
NUMBER_FIELDS = ("timeout_s",)
#: How each kind of "NAME=URL" entry is written, for the message about a wrong one.
URL_LAYOUTS = {
    WEB_NODES: "NAME=URL, then ;auth=basic;username=NAME;password_file=FULL PATH or "
               ";auth=bearer;token_file=FULL PATH if needed",
    SERVERS: "NAME=URL, then ;api_key_file=FULL PATH and ;timeout_s=SECONDS if needed"}

RegistryValue = int | str
NodeTable = dict[str, str | int | float | bool]
SiteValue = bool | str | int | float | list[str] | dict[str, NodeTable]


def site_values(values: Mapping[str, RegistryValue],
                lists: Mapping[str, Mapping[str, RegistryValue]],
                ) -> tuple[dict[str, SiteValue], list[str]]:
    """The site-file table the policy values stand for, and what was wrong with them.

    ``values`` are the values of the policy key, ``lists`` the values of each of its
    subkeys, by name. A value of the wrong type is left out with a message (the site
    file's rules then apply to that key); a name no policy writes is ignored.
    """
    site: dict[str, SiteValue] = {}
    problems: list[str] = []

    def wrong(name: str, value: object, expected: str) -> None:
        problems.append(f"Group Policy {POLICY_KEY}\\{name}: {value!r} is not {expected}; "
                        "the policy is ignored (ask IT to set it again with the template)")

    for name in FLAGS:
        if name in values:
            value = values[name]
            if isinstance(value, int) and value in (0, 1):
                site[name] = bool(value)
            else:
                wrong(name, value, "a DWORD 0 or 1")
    for name in TEXTS:
        if name in values:
            value = values[name]
            if isinstance(value, str):
                site[name] = value.strip()
            else:
                wrong(name, value, "text")
    for name in INTEGERS:
        if name in values:
            value = values[name]
            if isinstance(value, int) and not isinstance(value, bool):
                site[name] = value
            else:
                wrong(name, value, "a DWORD number")
    for name in REALS:
        if name in values:
            value = values[name]
            try:
                site[name] = float(str(value).strip()) if isinstance(value, str) else int(value)
            except ValueError:
                wrong(name, value, "a number such as 50 or 0.5")
    for name in SUBKEYS:
        if values.get(name) != 1:
            continue  # not configured (or disabled): the site file decides
        entries = lists.get(name, {})
        numbered = sorted((int(k), v) for k, v in entries.items() if k.isdigit())
        if len(numbered) != len(entries) or not all(isinstance(v, str) for _, v in numbered):
            wrong(name, dict(entries), "a list of text values named 1, 2, …")
            continue
        items = [str(v).strip() for _, v in numbered if str(v).strip()]
        if name not in TABLES:
            site[name] = items
            continue
        tables, reason = (parse_nodes(items) if name == NODES
                          else parse_url_entries(items, URL_LAYOUTS[name]))
        if reason:
            problems.append(f"Group Policy {POLICY_KEY}\\{name}: {reason}; "
                            f"{NONE_LEFT[name]} is used until IT corrects it")
        site[name] = tables
    return site, problems


def parse_nodes(entries: list[str]) -> tuple[dict[str, NodeTable], str]:
    """The ``[dicom_nodes.NAME]`` tables the entries stand for, or ({}, why the first bad
    one is not an entry). Only the layout is read here; ``dicom_nodes.check_nodes`` checks
    the values (AE title, host, port) as it does the file's."""
    nodes: dict[str, NodeTable] = {}
    for entry in entries:
        name, equals, rest = entry.partition("=")
        address, *options = rest.split(";")
        title, at, endpoint = address.rpartition("@")
        host, colon, port = endpoint.rpartition(":")
        layout = "NAME=AE_TITLE@host:port, then ;tls and/or ;move if needed"
        if not (equals and at and colon and name.strip() and title and host):
            return {}, f"{entry!r} is not a node ({layout})"
        if not port.strip().isdigit():
            return {}, f"{entry!r}: the port must be a number ({layout})"
        flags = [o.strip().lower() for o in options if o.strip()]
        unknown = [o for o in flags if o not in NODE_OPTIONS]
        if unknown or ("move" in flags and "get" in flags):
            return {}, (f"{entry!r}: options are ;tls and ;move (or ;get), not "
                        f"{';'.join(unknown or flags)!r}")
        if name.strip() in nodes:
            return {}, f"{entry!r}: the node {name.strip()!r} is listed twice"
        table: NodeTable = {"ae_title": title.strip(), "host": host.strip().strip("[]"),
                            "port": int(port), "tls": "tls" in flags,
                            "retrieve": "move" if "move" in flags else "get"}
        nodes[name.strip()] = table
    return nodes, ""


def parse_url_entries(entries: list[str], layout: str) -> tuple[dict[str, NodeTable], str]:
    """The ``[dicomweb_nodes.NAME]`` or ``[inference_servers.NAME]`` tables the entries
    stand for, or ({}, why the first bad one is not an entry). Only the layout is read
    here (and that a file path is a full one: a policy has no folder to be relative to);
    ``check_web_nodes`` or ``check_servers`` check the values as they do the file's."""
    tables: dict[str, NodeTable] = {}
    for entry in entries:
        name, equals, rest = entry.partition("=")
        url, *options = rest.split(";")
        if not (equals and name.strip() and url.strip()):
            return {}, f"{entry!r} is not an entry ({layout})"
        table: NodeTable = {"url": url.strip()}
        for option in (o.strip() for o in options if o.strip()):
            field, is_set, value = (part.strip() for part in option.partition("="))
            if not (is_set and field):
                return {}, f"{entry!r}: {option!r} is not field=value ({layout})"
            if field in table:
                return {}, f"{entry!r}: {field} is given twice"
            if field in NUMBER_FIELDS:
                try:
                    table[field] = float(value)
                except ValueError:
                    return {}, f"{entry!r}: {field} must be a number, not {value!r}"
            elif field.endswith("_file") and not _full_path(value):
                return {}, (f"{entry!r}: {field} must be a full path (C:\\…), not "
                            f"{value!r}")
            else:
                table[field] = value
        if name.strip() in tables:
            return {}, f"{entry!r}: {name.strip()!r} is listed twice"
        tables[name.strip()] = table
    return tables, ""


def _full_path(value: str) -> bool:
    # Windows' (C:\…, \\server\share) or POSIX's: the policy is read on Windows, tested anywhere.
    return PureWindowsPath(value).is_absolute() or PurePosixPath(value).is_absolute()


if sys.platform == "win32":
    import winreg

    def _values(key: winreg.HKEYType) -> dict[str, RegistryValue]:
        found: dict[str, RegistryValue] = {}
        count = winreg.QueryInfoKey(key)[1]
        for index in range(count):
            name, value, kind = winreg.EnumValue(key, index)
            if kind in (winreg.REG_DWORD, winreg.REG_SZ, winreg.REG_EXPAND_SZ):
                found[name] = value
        return found

    def read_policy() -> tuple[dict[str, RegistryValue], dict[str, dict[str, RegistryValue]]]:
        """The policy key's values and its list subkeys; both empty with no policy.
        Raises ``OSError`` when the policy exists but cannot be read (settings then fail
        closed: an unreadable policy must not read as "no policy")."""
        try:
            root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, POLICY_KEY)
        except FileNotFoundError:
            return {}, {}  # no policy; any other error (access denied) is the caller's
        with root:
            values = _values(root)
            lists: dict[str, dict[str, RegistryValue]] = {}
            for name in SUBKEYS:
                try:
                    with winreg.OpenKey(root, name) as sub:
                        lists[name] = _values(sub)
                except FileNotFoundError:
                    pass
        return values, lists
else:
    def read_policy() -> tuple[dict[str, RegistryValue], dict[str, dict[str, RegistryValue]]]:
        """No registry, no Group Policy (Linux, macOS: the site file is the policy)."""
        return {}, {}
