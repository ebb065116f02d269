"""Where Lightbox keeps things on this machine, per OS: the site file, the user's settings,
data, logs, audit and cache folders. Environment overrides are read here and nowhere else.

Two kinds of override:

* per-user ones (``LIGHTBOX_CONFIG_DIR``, ``LIGHTBOX_CACHE_DIR``) move folders the
  account owns anyway; they are always honoured.
* policy ones (:data:`POLICY_ENV`: the site file, the log, audit and model folders) would
  let a user step around IT. ``host.settings`` honours them only in developer mode: when
  this copy of Lightbox is one the account could change itself (:func:`program_is_writable`:
  a source checkout, a build folder, an archive unpacked in the home), or when the
  system-wide site file says ``allow_environment_overrides = true``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SITE_ENV = "LIGHTBOX_SITE_CONFIG"
CONFIG_DIR_ENV = "LIGHTBOX_CONFIG_DIR"
CACHE_DIR_ENV = "LIGHTBOX_CACHE_DIR"
LOG_DIR_ENV = "LIGHTBOX_LOG_DIR"
AUDIT_DIR_ENV = "LIGHTBOX_AUDIT_DIR"
MODEL_DIRS_ENV = "LIGHTBOX_MODEL_DIRS"
#: The environment variables that change policy: honoured only in developer mode.
POLICY_ENV = (SITE_ENV, LOG_DIR_ENV, AUDIT_DIR_ENV, MODEL_DIRS_ENV)
SITE_NAME = "lightbox.toml"
DROPIN_DIR = "conf.d"
PREFERENCES_NAME = "preferences.json"


#: Windows' ProgramData folder (the known folder FOLDERID_ProgramData).
FOLDERID_PROGRAM_DATA = "62AB5D82-FDC1-4DC3-A9DD-070D1D495D97"
#: Where ProgramData is unless an administrator moved it; used only if the known-folder
#: API fails, never taken from %PROGRAMDATA%, which any user may set for their programs.
PROGRAM_DATA_DEFAULT = "C:/ProgramData"

if sys.platform == "win32":
    import ctypes
    import uuid

    def _program_data() -> str:
        """ProgramData from the shell's known-folder API (SHGetKnownFolderPath)."""
        guid = (ctypes.c_ubyte * 16).from_buffer_copy(uuid.UUID(FOLDERID_PROGRAM_DATA).bytes_le)
        found = ctypes.c_wchar_p()
        result = ctypes.windll.shell32.SHGetKnownFolderPath(
            ctypes.byref(guid), 0, None, ctypes.byref(found))
        try:
            return found.value if result == 0 and found.value else PROGRAM_DATA_DEFAULT
        finally:
            ctypes.windll.ole32.CoTaskMemFree(found)
else:
    def _program_data() -> str:
        """Elsewhere only tests ask (pretending to be Windows): the default place."""
        return PROGRAM_DATA_DEFAULT


def system_site_dir() -> Path:
    """The administrators' folder for this OS: the site file and its ``conf.d``. On
    Windows ProgramData comes from the known-folder API, not from the environment: a user
    who set %PROGRAMDATA% would otherwise choose the site policy for their own runs."""
    if sys.platform == "win32":
        return Path(_program_data()) / "Lightbox"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Lightbox")
    return Path("/etc/lightbox")


def system_site_path() -> Path:
    return system_site_dir() / SITE_NAME


def dropin_dir(site_file: Path) -> Path:
    """The drop-in folder read after a site file: ``conf.d`` beside it."""
    return site_file.parent / DROPIN_DIR


def program_dir() -> Path:
    """The folder this copy of Lightbox runs from: the executable's when frozen (for the
    single file, the folder it unpacked into, which is always the user's), else the
    package's."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[1]


def program_is_writable() -> bool:
    """True for a copy the account could change itself, where an environment override
    grants nothing it could not take anyway; False for an installed copy (``/opt``,
    ``Program Files``) that only administrators write."""
    return os.access(program_dir(), os.W_OK)


def policy_environment() -> dict[str, str]:
    """The policy overrides set in this process's environment (honoured or not)."""
    return {name: os.environ[name] for name in POLICY_ENV if os.environ.get(name)}


def site_config_path() -> Path:
    """The site file as far as this module can tell: ``LIGHTBOX_SITE_CONFIG`` for a copy
    the account could change, else the system-wide place. ``host.settings`` has the last
    word (the system file may allow environment overrides)."""
    override = os.environ.get(SITE_ENV)
    if override and program_is_writable():
        return Path(override).expanduser()
    return system_site_path()


def _home_dir(kind: str) -> Path:
    """Per-user folders: ``config``, ``data`` or ``logs``."""
    home = Path.home()
    if sys.platform == "win32":
        roaming = os.environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        local = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return {"config": Path(roaming) / "Lightbox", "data": Path(local) / "Lightbox",
                "logs": Path(local) / "Lightbox" / "Logs"}[kind]
    if sys.platform == "darwin":
        support = home / "Library" / "Application Support" / "Lightbox"
        return {"config": support, "data": support,
                "logs": home / "Library" / "Logs" / "Lightbox"}[kind]
    xdg = {"config": ("XDG_CONFIG_HOME", home / ".config"),
           "data": ("XDG_DATA_HOME", home / ".local" / "share"),
           "logs": ("XDG_STATE_HOME", home / ".local" / "state")}
    variable, fallback = xdg[kind]
    base = Path(os.environ.get(variable) or fallback) / "lightbox"
    return base / "logs" if kind == "logs" else base


def user_config_dir() -> Path:
    """The per-user settings folder: ``LIGHTBOX_CONFIG_DIR`` or the platform's."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override).expanduser() if override else _home_dir("config")


def user_data_dir() -> Path:
    return _home_dir("data")


def default_log_dir() -> Path:
    return _home_dir("logs")


def default_audit_dir() -> Path:
    return user_data_dir() / "audit"


def preferences_path() -> Path:
    return user_config_dir() / PREFERENCES_NAME


def user_cache_dir() -> Path:
    """Lightbox's cache folder: ``LIGHTBOX_CACHE_DIR`` if set, else the platform's usual."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Lightbox" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "Lightbox"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lightbox"
