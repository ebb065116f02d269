"""Debian's headless Chromium driven by Selenium, for the web viewer's tests and benchmark.

Every request the page makes is in Chrome's DevTools performance log
(``Network.requestWillBeSent``, ``Network.webSocketCreated``): :meth:`Browser.requests`
drains it, so a test asserts that none left 127.0.0.1 (:func:`outside`). A fresh
profile (``--user-data-dir``) per browser, and the flags that stop Chromium's own
background traffic (updates, sync, field trials), so what is recorded is the page's.

:func:`missing` says why the browser tests cannot run here (no chromium, chromedriver,
npm, selenium or built web app); the tests skip with that reason.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "viewer" / "service" / "webapp"
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900")
#: Schemes that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "devtools"}


def _which(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (the test extra)"
    if _which(CHROMIUM) is None:
        return "chromium is not installed (Debian: apt-get install chromium)"
    if _which(CHROMEDRIVER) is None:
        return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    if shutil.which("npm") is None:
        return "npm is not installed (the web viewer cannot be built)"
    if not (WEBAPP / "index.html").is_file():
        return ("the web viewer is not built: cd web && npm ci --no-audit --no-fund && "
                "npm run build")
    return None


def outside(urls: list[str], host: str = "127.0.0.1") -> list[str]:
    """The URLs that would leave ``host``."""
    gone = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.hostname != host:
            gone.append(url)
    return gone


@dataclass
class Browser:
    driver: Any  # selenium.webdriver.Chrome
    seen: list[str] = field(default_factory=list)  # every URL requested so far

    def requests(self) -> list[str]:
        """Every URL the page requested since the browser started (the log is drained
        into :attr:`seen`)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method", ""), message.get("params", {})
            if method == "Network.requestWillBeSent":
                self.seen.append(params["request"]["url"])
            elif method == "Network.webSocketCreated":
                self.seen.append(params["url"])
        return list(self.seen)

    def console(self) -> list[str]:
        """The page's console messages since the last call (errors included)."""
        return [f"{e.get('level')}: {e.get('message')}" for e in self.driver.get_log("browser")]

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)

    def wait_for(self, source: str, *args: Any, timeout: float = 120) -> Any:
        """The value of an async script (``arguments[arguments.length - 1]`` is the
        callback), e.g. a promise of the page's test hooks."""
        self.driver.set_script_timeout(timeout)
        return self.driver.execute_async_script(source, *args)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium with a fresh profile, quit when the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Chromium puts its profile's lock socket in TMPDIR: a Unix socket's path must stay
    # under 108 bytes, which a test's deep TMPDIR can pass (Chromium then quits at start)
    short = "/tmp" if len(tempfile.gettempdir()) > 40 and Path("/tmp").is_dir() else None
    profile = tempfile.mkdtemp(prefix="lightbox-chromium-", dir=short)
    options = webdriver.ChromeOptions()
    options.binary_location = _which(CHROMIUM) or CHROMIUM[0]
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    env = dict(os.environ, TMPDIR=short) if short else None
    driver = webdriver.Chrome(options=options, service=Service(
        _which(CHROMEDRIVER) or CHROMEDRIVER[0], env=env))
    try:
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
