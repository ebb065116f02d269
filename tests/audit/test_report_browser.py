"""The drift report in Debian's headless Chromium (the web tests' harness,
tests/web/browser.py): it opens from a file with no request beyond itself (its plots are
``data:`` images, its policy forbids any fetch), no policy violation in the console, and
every plot is drawn: a screenshot of each one has lines and colour, not a blank box."""

from __future__ import annotations

import importlib.util
import io
import shutil
from urllib.parse import urlsplit

import numpy as np
import pytest

from tests.web import browser as b

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("selenium") is None or b._which(b.CHROMIUM) is None  # noqa: SLF001
    or b._which(b.CHROMEDRIVER) is None,  # noqa: SLF001
    reason="needs selenium, chromium and chromedriver (the test extra; Debian packages)")


def test_the_report_opens_offline_and_its_plots_render(made, tmp_path):
    import matplotlib.image

    # a copy in a folder of its own: the page may reach nothing beside it either
    page = tmp_path / "report.html"
    shutil.copy(made["out"], page)
    with b.chromium() as chrome:
        chrome.driver.get(page.as_uri())
        plots = chrome.driver.find_elements("css selector", "img.plot")
        assert len(plots) >= 3 * 4  # three series: runs, flagged, PSI, an output each
        for plot in plots:
            assert chrome.script("return arguments[0].complete && "
                                 "arguments[0].naturalWidth > 300", plot)
            chrome.script("arguments[0].scrollIntoView()", plot)
            pixels = matplotlib.image.imread(io.BytesIO(plot.screenshot_as_png), format="png")
            rgb = pixels[..., :3]
            drawn = np.abs(rgb - 1.0).max(axis=-1) > 0.1  # anything not white
            assert drawn.mean() > 0.03, plot.get_attribute("alt")
            # the data in colour (bars, lines, boxes), not only black axes and text
            coloured = (rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.25
            assert coloured.mean() > 0.002, plot.get_attribute("alt")
        h2 = chrome.driver.find_element("css selector", "h2")
        # the page's own style applied (its hash is in the policy)
        assert chrome.script("return getComputedStyle(arguments[0]).borderBottomStyle",
                             h2) == "solid"
        requested = chrome.requests()
        console = chrome.console()
    assert page.as_uri() in requested  # the log records what the page loads
    assert [u for u in requested if u != page.as_uri()
            and urlsplit(u).scheme not in b.LOCAL_SCHEMES] == []
    assert not [c for c in console if "Content Security Policy" in c or "SEVERE" in c]
