"""Windows Group Policy (packaging/windows/admx/Lightbox.admx) as site-file values.

The ADMX template writes the site file's own keys under ``HKLM\\Software\\Policies\\Lightbox``:

* ``hide_identity``, ``developer_mode``: REG_DWORD 1 or 0;
* ``language``, ``log_dir``, ``audit_dir``, ``audit_required_since``: REG_SZ (the paths
  REG_EXPAND_SZ), the same text as in lightbox.toml;
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

POLICY_KEY = r"Software\Policies\Lightbox"
FLAGS = ("hide_identity", "developer_mode")
TEXTS = ("language", "log_dir", "audit_dir", "audit_required_since")
LISTS = ("model_dirs", "allowed_models", "locked", "trusted_keys", "revoked_keys",
         "revoked_models")
#: Every site-file key a policy can set (the ADMX template has one policy for each).
POLICY_KEYS = FLAGS + TEXTS + LISTS

RegistryValue = int | str
SiteValue = bool | str | list[str]


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
    for name in LISTS:
        if values.get(name) != 1:
            continue  # not configured (or disabled): the site file decides
        entries = lists.get(name, {})
        numbered = sorted((int(k), v) for k, v in entries.items() if k.isdigit())
        if len(numbered) != len(entries) or not all(isinstance(v, str) for _, v in numbered):
            wrong(name, dict(entries), "a list of text values named 1, 2, …")
            continue
        site[name] = [str(v).strip() for _, v in numbered if str(v).strip()]
    return site, problems


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
            for name in LISTS:
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
