"""Where Lightbox keeps things on this machine, per OS: the site file, the user's settings,
data, logs, audit and cache folders. Environment overrides are read here and nowhere else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SITE_ENV = "LIGHTBOX_SITE_CONFIG"
CONFIG_DIR_ENV = "LIGHTBOX_CONFIG_DIR"
CACHE_DIR_ENV = "LIGHTBOX_CACHE_DIR"
SITE_NAME = "lightbox.toml"
PREFERENCES_NAME = "preferences.json"


def site_config_path() -> Path:
    """The system-wide file: ``LIGHTBOX_SITE_CONFIG``, or the usual place for this OS."""
    override = os.environ.get(SITE_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(base) / "Lightbox" / SITE_NAME
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Lightbox") / SITE_NAME
    return Path("/etc/lightbox") / SITE_NAME


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
