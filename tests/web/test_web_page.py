"""The page in Debian's headless Chromium against a real ``lightbox serve --demo``: it
loads, is cross-origin isolated (WebAssembly threads can run), no request leaves
127.0.0.1, and the Content-Security-Policy stops a request to another origin even when a
script tries. With webview's page (``window.lightbox``), the demo study's first image is
shown."""

from __future__ import annotations

from tests.web.browser import outside

TRY_ELSEWHERE = """
const done = arguments[arguments.length - 1];
fetch("http://192.0.2.1/model.onnx").then(() => done("fetched"), e => done(String(e)));
"""


def test_the_page_loads_isolated_and_asks_nothing_of_another_host(web_service, browser):
    browser.driver.get(web_service.url + "/web/")
    assert browser.script("return document.readyState") == "complete"
    assert browser.script("return window.crossOriginIsolated") is True
    assert browser.script("return typeof SharedArrayBuffer") == "function"
    urls = browser.requests()
    assert any(u.startswith(web_service.url + "/web/assets/") for u in urls), urls
    assert outside(urls) == [], urls
    # even a script that tries cannot reach another origin (connect-src 'self'): the
    # browser refuses before anything is sent (192.0.2.1 is TEST-NET: nothing answers)
    answer = browser.wait_for(TRY_ELSEWHERE, timeout=30)
    assert answer.startswith("TypeError"), answer
    assert [u for u in browser.requests() if "192.0.2.1" in u] == []
    assert any("Content Security Policy" in m for m in browser.console()), "not CSP"


def test_the_demo_study_shows_its_first_image(web_service, demo_page):
    """End to end (needs webview's page): the phantom series opened, its first image
    drawn (the canvas is not blank) and the page's frame count is the series'."""
    # before a series is chosen the empty image area says what to do
    hint = "return document.getElementById('hint').checkVisibility()"
    assert demo_page.script(hint) is True
    assert "Choose a series" in demo_page.script("return document.getElementById('hint').textContent")
    studies = web_service.get("/v1/studies").json()["studies"]
    study = next(s for s in studies if s["description"] == "Lightbox demo phantom")
    series = web_service.get(f"/v1/studies/{study['study_uid']}/series").json()["series"][0]
    error = demo_page.wait_for(
        "const done = arguments[arguments.length - 1];"
        "window.lightbox.openSeries(arguments[0]).then(() => done(''), e => done(String(e)));",
        series["series_uid"])
    assert not error, error
    state = demo_page.script("return window.lightbox.state()")
    assert state["series_uid"] == series["series_uid"]
    assert state["frame_count"] == series["frames"] == 64
    distinct = demo_page.script(
        "const c = document.querySelector('canvas#image');"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i]);"
        "return seen.size;")
    assert distinct > 4, "the canvas is blank"
    assert demo_page.script(hint) is False  # the image replaces the hint
