"""The web viewer's test harness (docs/web.md, "Tests"): a real ``lightbox serve --demo``
process (as tests/service starts one) and Debian's headless Chromium through Selenium
(tests/web/browser.py), recording every request the page makes.

Fixtures:

* ``web_service``: ``lightbox serve --demo`` on 127.0.0.1, no keys (module scope); the
  demo it serves lies in ``web_service.home / "cache" / "demo"``.
* ``browser``: a :class:`tests.web.browser.Browser` (module scope, fresh profile);
  ``browser.requests()`` lists every URL requested so far; skipped, with the reason, where
  chromium, chromedriver, npm, selenium or the built web app is missing.
* ``demo_page``: the browser on ``/web/`` of ``web_service`` with ``window.lightbox.ready``
  resolved (skipped while the page has no test hooks).
"""

from __future__ import annotations

import pytest

from tests.service.server import running_service
from tests.web.browser import chromium, missing, outside


@pytest.fixture(scope="module")
def web_service(tmp_path_factory):
    with running_service(tmp_path_factory.mktemp("web"), args=["--demo"]) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    reason = missing()
    if reason:
        pytest.skip(reason)
    with chromium() as started:
        yield started


@pytest.fixture
def demo_page(web_service, browser):
    browser.driver.get(web_service.url + "/web/")
    hooks = browser.wait_for(  # the page sets window.lightbox once its module has run
        "const done = arguments[arguments.length - 1];"
        "const look = n => window.lightbox ? done('object') : n ? "
        "  requestAnimationFrame(() => look(n - 1)) : done(typeof window.lightbox);"
        "look(600);")
    if hooks != "object":
        pytest.skip("the page has no window.lightbox test hooks yet (webview's page)")
    error = browser.wait_for(
        "const done = arguments[arguments.length - 1];"
        "window.lightbox.ready.then(() => done(''), e => done(String(e)));")
    assert not error, error
    yield browser
    assert outside(browser.requests()) == [], "a request left 127.0.0.1"
