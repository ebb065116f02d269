"""The web viewer's page load to first image, against a plain static page showing the same
image (docs/web.md).

    .venv/bin/python bench/bench_web.py [--runs 7] [--quick]

Both in Debian's headless Chromium (Selenium, the flags of tests/web/browser.py), the
browser cache off (every load is a first visit), on 127.0.0.1, runs interleaved
(plain, lightbox, plain, lightbox, ...; medians):

* lightbox   ``lightbox serve --demo``; the page at /web/, then, as soon as
             ``window.lightbox`` exists (a script DevTools adds before the page's own),
             its lists loaded (``ready``) and the demo phantom's series opened
             (``openSeries``: its first image drawn on the canvas: the series' geometry,
             then the frame's float32 modality values windowed in the page)
* plain      a static HTML page and a PNG of the same frame, already windowed by the
             viewer's own LUT on the server (``viewer.imaging.lut.apply_window``), served
             by Python's http.server: the least a browser can do to show that image

Each figure is the page's own clock (``performance.now()``: from the navigation's start)
when the image is drawn: the canvas filled (lightbox) or the image decoded (plain). The
ratio lightbox/plain is what the viewer's machinery (its bundle, the study and series
lists, geometry, float32 frame and LUT) costs over the bare image. Every request of both
is checked to stay on 127.0.0.1. Load average printed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import os
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))

#: Added by DevTools before any script of the page: open the series once the page's
#: hooks exist, and note when its first image is drawn.
OPEN_WHEN_READY = """
(() => {
  const uid = %r;
  const look = () => {
    if (!window.lightbox) { setTimeout(look, 1); return; }
    window.lightbox.ready
      .then(() => window.lightbox.openSeries(uid))
      .then(() => { window.__firstImage = performance.now(); },
            e => { window.__firstImage = -1; window.__error = String(e); });
  };
  look();
})();
"""
PLAIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>plain</title></head>
<body style="margin:0;background:#000">
<img id="image" src="frame.png" width="COLUMNS" height="ROWS" alt="">
<script>
document.getElementById("image").decode().then(
  () => { window.__firstImage = performance.now(); },
  e => { window.__firstImage = -1; window.__error = String(e); });
</script></body></html>
"""
WAIT = """
const done = arguments[arguments.length - 1];
const look = () => window.__firstImage !== undefined
  ? done([window.__firstImage, window.__error || ""]) : setTimeout(look, 5);
look();
"""


def plain_site(folder: Path, frame: object, window: object) -> None:
    """index.html and frame.png: the frame windowed by the viewer's LUT."""
    import numpy as np
    from PIL import Image

    from viewer.imaging.lut import apply_window

    grey = apply_window(np.asarray(frame), window)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "frame.png").write_bytes(buffer.getvalue())
    (folder / "index.html").write_text(PLAIN_PAGE.replace("ROWS", str(grey.shape[0]))
                                       .replace("COLUMNS", str(grey.shape[1])))


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def first_image(browser: object, url: str, inject: str | None) -> float:
    """Milliseconds from the navigation's start to the first image, on a cold cache."""
    driver = browser.driver  # type: ignore[attr-defined]
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    script_id = None
    if inject:
        script_id = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                           {"source": inject})["identifier"]
    try:
        driver.get(url)
        driver.set_script_timeout(120)
        took, error = driver.execute_async_script(WAIT)
    finally:
        if script_id is not None:
            driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                   {"identifier": script_id})
    if took < 0:
        raise RuntimeError(f"{url}: no image: {error}")
    return float(took)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one run of each (the test)")
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)

    from tests.service.server import running_service
    from tests.web.browser import chromium, missing, outside

    reason = missing()
    if reason:
        print(f"skipped: {reason}")
        return 0
    from viewer.imaging.lut import default_window, modality_values
    from viewer.io.pixels import read_frame
    from viewer.io.scan import scan

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp, \
            running_service(Path(tmp) / "serve", args=["--demo"]) as service:
        demo = Path(tmp) / "serve" / "cache" / "demo"
        series = next(s for s in scan([demo / "phantom"]).all_series() if s.has_images)
        ref = series.frames[0]
        stored = read_frame(ref)
        plain_site(Path(tmp) / "plain", modality_values(stored, ref.instance, ref.frame),
                   default_window(ref.instance, ref.frame, stored))
        png = (Path(tmp) / "plain" / "frame.png").stat().st_size
        with static_server(Path(tmp) / "plain") as plain_url, chromium() as browser:
            inject = OPEN_WHEN_READY % series.uid
            timings: dict[str, list[float]] = {"plain": [], "lightbox": []}
            for _ in range(runs):
                timings["plain"].append(first_image(browser, plain_url + "/", None))
                timings["lightbox"].append(
                    first_image(browser, service.url + "/web/", inject))
            gone = outside(browser.requests())
    web_ms, plain_ms = (statistics.median(timings[k]) for k in ("lightbox", "plain"))
    print(f"lightbox web  first image {web_ms:8.1f} ms (median of {runs}; page, lists, "
          f"series, float32 frame {ref.instance.pixel.rows}x{ref.instance.pixel.columns})")
    print(f"plain page    first image {plain_ms:8.1f} ms (median of {runs}; HTML + PNG "
          f"{png} bytes)")
    print(f"ratios        lightbox/plain first image {web_ms / plain_ms:.2f}x")
    print(f"requests off 127.0.0.1: {len(gone)}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if gone else 0


if __name__ == "__main__":
    raise SystemExit(main())
