"""The web viewer (the page itself) in Debian's headless Chromium against a real ``lightbox serve
--demo``: the demo series opens with its first image, scrolls (hook and keys), takes a
window preset, runs a model on the service and shows its overlay on the image, marked
"AI · name version", where it was computed and the demonstration banner; a refused run
leaves the page as it was with the reason on the message line. No request leaves
127.0.0.1 (the ``demo_page`` fixture checks it after each test)."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest

from tests.web.browser import outside
from viewer.imaging.ai_layers import parse_color
from viewer.imaging.lut import apply_window
from viewer.imaging.window import Window

SEG = "ct-body-seg"
SEG_TITLE = "AI · CT body segmentation (demo) 1.1.0"
#: The banner colours of the page's style (web/src/style.css: --ai, --demo).
AI_BLUE = (24, 58, 110)
DEMO_AMBER = (120, 72, 0)
MASK_ALPHA = round(255 * 0.45) / 255  # the desktop's mask opacity


def phantom_uid(server: Any) -> str:
    studies = server.get("/v1/studies").json()["studies"]
    study = next(s for s in studies if s["description"] == "Lightbox demo phantom")
    return str(server.get(f"/v1/studies/{study['study_uid']}/series").json()
               ["series"][0]["series_uid"])


def call(browser: Any, source: str, *args: Any) -> Any:
    """Await ``source`` (an async function body using the hooks as ``lb``) in the page;
    a rejection comes back as {"error": text}."""
    return browser.wait_for(
        "const done = arguments[arguments.length - 1]; const lb = window.lightbox;"
        f"(async (...args) => {{ {source} }})(...Array.from(arguments).slice(0, -1))"
        ".then(v => done({value: v === undefined ? null : v}), e => done({error: String(e)}));",
        *args)


def state(browser: Any) -> dict[str, Any]:
    result: dict[str, Any] = browser.script("return window.lightbox.state()")
    return result


CANVAS_POINT = """
const [x, y] = arguments;
const c = document.getElementById('image');
return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
"""

#: Where image pixel (column, row)'s centre lands on the canvas (zoom 1, no pan: the
#: image fitted and centred, square pixels as the demo's).
TO_CANVAS = """
const [col, row, rows, cols] = arguments;
const c = document.getElementById('image');
const fit = Math.min(c.width / cols, c.height / rows);
return [Math.floor((c.width - cols * fit) / 2 + (col + 0.5) * fit),
        Math.floor((c.height - rows * fit) / 2 + (row + 0.5) * fit)];
"""


@pytest.fixture
def opened(demo_page, web_service):
    uid = phantom_uid(web_service)
    answer = call(demo_page, "await lb.openSeries(args[0]);", uid)
    assert answer == {"value": None}, answer
    return demo_page, web_service, uid


def test_the_demo_series_opens_scrolls_and_takes_a_preset(opened):
    browser, server, uid = opened
    first = state(browser)
    assert first["series_uid"] == uid and first["frame_index"] == 0
    assert first["frame_count"] == len(server.get(f"/v1/series/{uid}").json()["frames"])
    assert first["message"] == "" and first["overlays"] == []
    # no PACS node on this service: no PACS search offered
    assert not browser.driver.find_element("id", "pacs").is_displayed()
    assert browser.script("return document.querySelector('#series-list [aria-current]')"
                          ".dataset.series") == uid

    assert call(browser, "await lb.setFrame(20);") == {"value": None}
    assert state(browser)["frame_index"] == 20
    canvas = browser.driver.find_element("css selector", "canvas#image")
    canvas.click()
    canvas.send_keys("\ue015")  # ArrowDown: the next frame, as the desktop
    browser.wait_for("const done = arguments[0];"
                     "(function poll() { if (window.lightbox.state().frame_index === 21) done(true);"
                     " else setTimeout(poll, 20); })();")
    assert state(browser)["frame_index"] == 21

    # The grey at the image's centre is the desktop's apply_window of the frame's value.
    frame = server.get(f"/v1/series/{uid}/frames/21")
    rows, cols = int(frame.headers["x-lightbox-rows"]), int(frame.headers["x-lightbox-columns"])
    values = np.frombuffer(frame.body, dtype="<f4").reshape(rows, cols)
    x, y = browser.script(TO_CANVAS, cols // 2, rows // 2, rows, cols)
    for name, center, width in (("Lung", -600.0, 1500.0), ("Bone", 400.0, 1800.0)):
        assert call(browser, "lb.preset(args[0]);", name) == {"value": None}
        assert state(browser)["window"] == {"center": center, "width": width}
        grey = int(apply_window(values[rows // 2, cols // 2:cols // 2 + 1],
                                Window(center, width))[0])
        assert browser.script(CANVAS_POINT, x, y)[:3] == [grey, grey, grey]


def test_key_1_picks_the_desktops_preset_and_its_grey(opened):
    """The series JSON carries the desktop's keys (assets/presets/window_presets.json:
    1 = Brain for CT); the key 1 on the page sets that window and draws the desktop's
    grey for it; the file's own windows have no key (0 goes back to them)."""
    from viewer.imaging.presets import presets_for

    browser, server, uid = opened
    info = server.get(f"/v1/series/{uid}").json()
    desktop = {p.key: p for p in presets_for(info["modality"])}
    keyed = {p["key"]: p for p in info["presets"] if p["key"] is not None}
    assert {k: (p.name, p.center, p.width) for k, p in desktop.items()} == \
        {k: (p["name"], p["center"], p["width"]) for k, p in keyed.items()}
    brain = desktop[1]
    assert brain.name == "Brain"

    frame = server.get(f"/v1/series/{uid}/frames/0")
    rows, cols = int(frame.headers["x-lightbox-rows"]), int(frame.headers["x-lightbox-columns"])
    values = np.frombuffer(frame.body, dtype="<f4").reshape(rows, cols)
    canvas = browser.driver.find_element("css selector", "canvas#image")
    canvas.click()
    canvas.send_keys("1")
    browser.wait_for("const [c, done] = arguments; (function poll() {"
                     " if (window.lightbox.state().window.center === c) done(true);"
                     " else setTimeout(poll, 20); })();", brain.center)
    assert state(browser)["window"] == {"center": brain.center, "width": brain.width}
    x, y = browser.script(TO_CANVAS, cols // 2, rows // 2, rows, cols)
    grey = int(apply_window(values[rows // 2, cols // 2:cols // 2 + 1], brain.window)[0])
    assert browser.script(CANVAS_POINT, x, y)[:3] == [grey, grey, grey]


def test_a_voi_lut_and_a_sigmoid_give_the_desktops_grey(tmp_path, browser):
    """Slices with a VOI LUT, no window and the VOI LUT Function SIGMOID: the page opens
    them through the LUT and, once the reader picks a window, through the sigmoid; the
    grey at the centre is the desktop's render_frame for the same frame and window."""
    import pydicom
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    from tests.service.server import running_service
    from viewer.imaging.render import render_frame
    from viewer.io.demo import write_phantom_series
    from viewer.io.pixels import read_frame
    from viewer.io.scan import scan

    for path in write_phantom_series(tmp_path / "studies" / "p", slices=3, size=64):
        ds = pydicom.dcmread(path)
        del ds.WindowCenter, ds.WindowWidth
        item = Dataset()
        item.add_new(0x00283002, "US", [1024, 0, 12])  # LUT Descriptor: 1024 entries from 0
        item.add_new(0x00283006, "US", [min(4095, (i * i) // 200) for i in range(1024)])
        ds.VOILUTSequence = Sequence([item])
        ds.VOILUTFunction = "SIGMOID"
        ds.save_as(path)
    (study,) = scan([tmp_path / "studies"]).studies
    ref = study.series[0].frames[0]
    with running_service(tmp_path / "home", args=["--studies", str(tmp_path / "studies")]
                         ) as server:
        browser.driver.get(server.url + "/web/")
        assert browser.wait_for("const done = arguments[arguments.length - 1];"
                                "window.lightbox.ready.then(() => done(''), e => done(String(e)));"
                                ) == ""
        uid = study.series[0].uid
        assert call(browser, "await lb.openSeries(args[0]);", uid) == {"value": None}
        frame = server.get(f"/v1/series/{uid}/frames/0")
        rows, cols = int(frame.headers["x-lightbox-rows"]), int(frame.headers["x-lightbox-columns"])
        x, y = browser.script(TO_CANVAS, cols // 2, rows // 2, rows, cols)
        stored = read_frame(ref)
        assert state(browser)["window"] == {"center": 512, "width": 1024}  # the LUT's own
        values = np.frombuffer(frame.body, dtype="<f4").reshape(rows, cols)
        for window in (None, Window(0.0, 100.0)):
            if window is not None:
                assert call(browser, "lb.setWindow(args[0], args[1]);", window.center,
                            window.width) == {"value": None}
            grey = int(render_frame(stored, ref.instance, ref.frame, window)[rows // 2, cols // 2])
            plain = int(apply_window(values[rows // 2, cols // 2:cols // 2 + 1],
                                     window or Window(512, 1024))[0])
            assert grey != plain  # the LUT, the sigmoid: not what a LINEAR window gives
            assert browser.script(CANVAS_POINT, x, y)[:3] == [grey, grey, grey], window
        assert outside(browser.requests()) == []


def test_a_run_on_the_service_is_drawn_and_marked(opened):
    browser, server, uid = opened
    frame_index = 40
    assert call(browser, "await lb.setFrame(args[0]); lb.preset('Abdomen');",
                frame_index) == {"value": None}
    run = call(browser, """
        const r = await lb.runModel(args[0], {where: 'service', frames: [args[1]]});
        const mask = r.frames[0].outputs.find(o => o.kind === 'mask').label_map;
        return {model: r.model, where: r.where, shape: mask.shape,
                mask: Array.from(mask.data)};""", SEG, frame_index)
    assert "value" in run, run
    result = run["value"]
    assert result["where"] == {"place": "service", "backend": "CPU"}
    after = state(browser)
    assert after["message"] == ""
    assert after["overlays"] == [{"model_id": SEG, "label": SEG_TITLE,
                                  "where": "on the service (CPU)"}]
    label = browser.driver.find_element("id", "ai-label")
    assert label.is_displayed() and label.text == f"{SEG_TITLE} · on the service (CPU)"
    banner = browser.driver.find_element("id", "demo-banner")
    assert banner.is_displayed()
    assert banner.text == "Demonstration model — not for clinical use"

    # The overlay on the source grid: a pixel labelled liver is the image's grey blended
    # with the manifest's liver colour at the desktop's opacity; background is untouched.
    rows, cols = result["shape"]
    mask = result["mask"]
    manifest = json.loads(server.get(f"/v1/models/{SEG}/files/manifest.json").body)
    labels = {lb["value"]: lb for lb in manifest["outputs"][0]["labels"]}
    frame = server.get(f"/v1/series/{uid}/frames/{frame_index}")
    values = np.frombuffer(frame.body, dtype="<f4").reshape(rows, cols)
    grey = apply_window(values, Window(40.0, 400.0))
    checked = {0: 0, 2: 0}
    for index in range(cols + 1, rows * cols - cols - 1, 97):
        value = mask[index]
        row, col = divmod(index, cols)
        # inside a region: its 4 neighbours share the label (no edge blending on screen)
        if value not in checked or {mask[index - 1], mask[index + 1], mask[index - cols],
                                    mask[index + cols]} != {value}:
            continue
        x, y = browser.script(TO_CANVAS, col, row, rows, cols)
        shown = browser.script(CANVAS_POINT, x, y)[:3]
        g = float(grey[row, col])
        if value == 0:
            expected = [int(g)] * 3
        else:
            colour = parse_color(labels[value].get("color"), value - 1)
            expected = [round(g * (1 - MASK_ALPHA) + c * MASK_ALPHA) for c in colour]
        assert all(abs(a - b) <= 2 for a, b in zip(shown, expected, strict=True)), (
            f"image pixel ({col}, {row}) label {value}: {shown} on screen, {expected} expected")
        checked[value] += 1
        if min(checked.values()) >= 3:
            break
    assert min(checked.values()) >= 3, f"too few pixels checked: {checked}"

    # A hides the overlays (the image's own grey again) and keeps the marking; A again
    # shows them.
    liver = next(i for i in range(cols + 1, rows * cols - cols - 1)
                 if {mask[i], mask[i - 1], mask[i + 1], mask[i - cols], mask[i + cols]} == {2})
    row, col = divmod(liver, cols)
    x, y = browser.script(TO_CANVAS, col, row, rows, cols)
    tinted = browser.script(CANVAS_POINT, x, y)[:3]
    g = int(grey[row, col])
    assert tinted != [g, g, g]
    canvas = browser.driver.find_element("css selector", "canvas#image")
    canvas.send_keys("a")  # (the marking gains a line: the canvas moves, so map again)
    x, y = browser.script(TO_CANVAS, col, row, rows, cols)
    assert browser.script(CANVAS_POINT, x, y)[:3] == [g, g, g]
    assert label.is_displayed() and "AI results hidden · press A to show" in label.text
    assert banner.is_displayed()
    canvas.send_keys("a")
    x, y = browser.script(TO_CANVAS, col, row, rows, cols)
    assert browser.script(CANVAS_POINT, x, y)[:3] == tinted

    # The marking is on screen: a screenshot shows the AI banner's and the demonstration
    # banner's colours where the page puts them.
    from PIL import Image

    shot = Image.open(io.BytesIO(browser.driver.get_screenshot_as_png())).convert("RGB")
    for element, colour in ((label, AI_BLUE), (banner, DEMO_AMBER)):
        box = element.rect
        inside = shot.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]),
                            int(box["y"] + box["height"])))
        assert inside.getcolors(1 << 16) is not None
        assert any(c == colour for _, c in inside.getcolors(1 << 16)), element.get_attribute("id")


def test_a_refused_run_changes_nothing_and_says_why(opened):
    browser, _server, _uid = opened
    before = state(browser)
    canvas_before = browser.script("return document.getElementById('image').toDataURL()")
    refused = call(browser, "await lb.runModel('mr-brain-tissue', {where: 'service'});")
    assert "error" in refused
    after = state(browser)
    assert after["overlays"] == before["overlays"] == []
    assert "intended use" in after["message"]
    assert refused["error"].endswith(after["message"])
    buttons = browser.script("return Array.from(document.querySelectorAll('#message button'),"
                             " b => b.textContent)")
    assert buttons == ["Run anyway", "Don't run"]
    assert not browser.driver.find_element("id", "demo-banner").is_displayed()
    assert browser.script("return document.getElementById('image').toDataURL()") == canvas_before

    missing = call(browser, "await lb.runModel('no-such-model', {where: 'service'});")
    assert "error" in missing and state(browser)["message"]
    assert state(browser)["overlays"] == []


def test_run_anyway_runs_it_and_the_marking_keeps_the_warnings(opened):
    browser, _server, _uid = opened
    refused = call(browser, "await lb.runModel('mr-brain-tissue', {where: 'service'});")
    assert "error" in refused
    warnings = state(browser)["message"]
    browser.driver.find_element("xpath", "//*[@id='message']//button[.='Run anyway']").click()
    browser.wait_for("const done = arguments[0]; (function poll() {"
                     " if (window.lightbox.state().overlays.length) done(true);"
                     " else setTimeout(poll, 50); })();", timeout=300)
    after = state(browser)
    assert after["message"] == ""
    assert [o["model_id"] for o in after["overlays"]] == ["mr-brain-tissue"]
    label = browser.driver.find_element("id", "ai-label").text
    assert label.startswith("AI · MR brain tissue segmentation (demo, 3-D) 1.0.0 · on the "
                            "service (CPU) · ⚠ Outside the model's intended use: ")
    assert "modality is CT" in label and "modality is CT" in warnings


@pytest.fixture(scope="module")
def keyed_service(tmp_path_factory):
    """--demo where the site sets an API key (the page itself needs none)."""
    from tests.service.server import KEY, running_service
    from viewer.service.keys import hash_key

    site = f'service_api_keys = ["{hash_key(KEY)}"]\n'
    with running_service(tmp_path_factory.mktemp("web-key"), site=site, key=KEY,
                         args=["--demo"]) as server:
        yield server


def test_the_page_asks_for_the_key_once_and_keeps_it_for_the_tab(keyed_service, browser):
    from selenium.webdriver.common.by import By

    from tests.service.server import KEY

    driver = browser.driver
    driver.get(keyed_service.url + "/web/")
    form = driver.find_element(By.ID, "key-form")
    browser.wait_for("const done = arguments[0]; (function poll() {"
                     " if (!document.getElementById('key-form').hidden) done(true);"
                     " else setTimeout(poll, 20); })();")
    assert form.is_displayed()
    assert "API key" in form.text
    driver.find_element(By.ID, "api-key").send_keys(KEY + "\n")
    assert browser.wait_for("const done = arguments[arguments.length - 1];"
                            "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
    assert not form.is_displayed()
    assert state(browser)["message"] == ""
    rows = driver.find_elements(By.CSS_SELECTOR, "#study-list button[data-study]")
    assert len(rows) == len(keyed_service.get("/v1/studies").json()["studies"]) > 0
    assert driver.find_elements(By.CSS_SELECTOR, "#models button[data-model][data-where=service]")
    assert browser.script("return sessionStorage.getItem('lightbox.api_key')") == KEY
    assert call(browser, "await lb.openSeries(args[0]);", phantom_uid(keyed_service)) == {
        "value": None}
    assert state(browser)["frame_index"] == 0
    assert outside(browser.requests()) == []



def test_a_pasted_key_with_a_character_no_key_has_is_asked_again(keyed_service, browser):
    """A key pasted with a typographic quote (as mail and word processors turn ' into ’)
    cannot go into an HTTP header: the page must not keep it for the tab (every request
    then failed in the browser, no 401 came back, the form never reappeared until the
    tab was closed); it asks again, saying why, and the right key then opens the page."""
    from selenium.webdriver.common.by import By

    from tests.service.server import KEY

    driver = browser.driver
    driver.get(keyed_service.url + "/web/")
    browser.script("sessionStorage.clear()")  # the tab may hold the key of a test before
    driver.get(keyed_service.url + "/web/")
    shown = ("const done = arguments[0]; (function poll() {"
             " if (!document.getElementById('key-form').hidden) done(true);"
             " else setTimeout(poll, 20); })();")
    browser.wait_for(shown)
    driver.find_element(By.ID, "api-key").send_keys(KEY + "\u2019\n")
    browser.wait_for(shown)  # asked again
    assert "’" in driver.find_element(By.ID, "key-reason").text
    assert browser.script("return sessionStorage.getItem('lightbox.api_key')") is None
    driver.find_element(By.ID, "api-key").send_keys(KEY + "\n")
    assert browser.wait_for("const done = arguments[arguments.length - 1];"
                            "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
    assert state(browser)["message"] == ""
    assert browser.script("return sessionStorage.getItem('lightbox.api_key')") == KEY


POLL = """const [selector, done] = arguments; (function poll() {
  if (document.querySelector(selector)) done(true); else setTimeout(poll, 50); })();"""


def test_a_pacs_study_is_searched_retrieved_and_opened(orthanc, tmp_path, browser):
    """The PACS through the service (a real Orthanc as the site's node): the page's search
    lists the node's studies, a click retrieves one, and it opens like a local study."""
    from selenium.webdriver.common.by import By

    from tests.pacs_server import site_file
    from tests.service.server import running_service

    phantom = orthanc.studies["phantom"]
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    with running_service(tmp_path / "home", site=site.read_text()) as server:
        driver = browser.driver
        driver.get(server.url + "/web/")
        assert browser.wait_for("const done = arguments[arguments.length - 1];"
                                "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
        assert driver.find_elements(By.CSS_SELECTOR, "#study-list button[data-study]") == []
        driver.find_element(By.CSS_SELECTOR, "#pacs summary").click()
        form = driver.find_element(By.ID, "pacs-form")
        # The service names the site's nodes: a choice of them, no name to type.
        assert not driver.find_element(By.ID, "pacs-node-typed").is_displayed()
        choice = driver.find_element(By.ID, "pacs-node")
        assert choice.is_displayed()
        assert [o.get_attribute("value") for o in choice.find_elements(By.TAG_NAME, "option")] \
            == ["orthanc"]
        form.find_element(By.NAME, "modality").send_keys("CT\n")
        row = f"#study-list button[data-study='{phantom}'][data-source='orthanc']"
        browser.wait_for(POLL, row)
        driver.find_element(By.CSS_SELECTOR, row).click()
        browser.wait_for(POLL, "#series-list button[data-series]")
        assert driver.find_element(By.CSS_SELECTOR, "#study-list button[aria-current]") \
            .get_attribute("data-source") == "local"
        assert "64" in driver.find_element(By.ID, "progress").text
        uid = driver.find_element(By.CSS_SELECTOR, "#series-list button[data-series]") \
            .get_attribute("data-series")
        assert call(browser, "await lb.openSeries(args[0]);", uid) == {"value": None}
        assert state(browser)["frame_count"] == 64 and state(browser)["message"] == ""
        assert outside(browser.requests()) == []


WAIT_FRAME = """const [index, done] = arguments; (function poll() {
  if (window.lightbox.state().frame_index === index) done(true); else setTimeout(poll, 20); })();"""


def test_the_mouse_scrolls_zooms_pans_and_sets_the_window(opened):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys

    browser, _server, _uid = opened
    driver = browser.driver
    canvas = driver.find_element("css selector", "canvas#image")
    origin = ScrollOrigin.from_element(canvas)
    ActionChains(driver).scroll_from_origin(origin, 0, 120).perform()  # the wheel: next frame
    browser.wait_for(WAIT_FRAME, 1)
    ActionChains(driver).scroll_from_origin(origin, 0, -120).perform()
    browser.wait_for(WAIT_FRAME, 0)

    before = state(browser)
    assert before["zoom"] == 1 and before["pan"] == [0, 0]
    ActionChains(driver).key_down(Keys.CONTROL).scroll_from_origin(origin, 0, -120) \
        .key_up(Keys.CONTROL).perform()  # Ctrl + wheel up: zoom in, the frame stays
    zoomed = state(browser)
    assert zoomed["zoom"] > 1 and zoomed["frame_index"] == 0

    ActionChains(driver).click_and_hold(canvas).move_by_offset(40, 25).release().perform()
    assert state(browser)["pan"] == [40, 25]
    assert state(browser)["window"] == before["window"]

    ActionChains(driver).key_down(Keys.SHIFT).click_and_hold(canvas).move_by_offset(64, 32) \
        .release().key_up(Keys.SHIFT).perform()  # Shift + drag: right wider, down higher
    window = state(browser)["window"]
    assert window["width"] > before["window"]["width"]
    assert window["center"] > before["window"]["center"]
    assert state(browser)["pan"] == [40, 25]

    driver.find_element("id", "reset").click()
    reset = state(browser)
    assert reset["zoom"] == 1 and reset["pan"] == [0, 0]
    driver.find_element("id", "zoom-in").click()
    assert state(browser)["zoom"] == 1.25


def test_a_japanese_browser_gets_the_page_in_japanese(web_service, browser):
    """navigator.language ja (the DevTools protocol's Accept-Language override): the page's
    words are the desktop's Japanese; model names and the marking's "AI · name version"
    stay as they are."""
    driver = browser.driver
    agent = browser.script("return navigator.userAgent")
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride",
                           {"userAgent": agent, "acceptLanguage": "ja-JP,ja"})
    try:
        driver.get(web_service.url + "/web/")
        assert browser.wait_for("const done = arguments[arguments.length - 1];"
                                "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
        assert browser.script("return document.documentElement.lang") == "ja"
        assert call(browser, "await lb.openSeries(args[0]);", phantom_uid(web_service)) == {
            "value": None}
        run = call(browser, "await lb.runModel(args[0], {where: 'service', frames: [40]});", SEG)
        assert "value" in run, run
        assert driver.find_element("id", "demo-banner").text == "デモ用モデル — 臨床使用不可"
        assert driver.find_element("id", "ai-label").text == f"{SEG_TITLE} · サービスで実行（CPU）"
        buttons = {b.text for b in driver.find_elements("css selector", f"#models [data-model='{SEG}']")}
        assert buttons == {"ブラウザで実行", "サービスで実行"}
    finally:
        driver.execute_cdp_cmd("Emulation.setUserAgentOverride",
                               {"userAgent": agent, "acceptLanguage": "en-US,en"})
    assert outside(browser.requests()) == []


@pytest.mark.parametrize("locked", [False, True], ids=["reader-may-show", "site-locked"])
def test_names_hidden_by_the_site_are_shown_only_as_its_rule_allows(tmp_path, browser, locked):
    """hide_identity: the list has no names; the reader may show them (the desktop's View
    menu) unless the site locked the rule, when the page says why and keeps them hidden."""
    from selenium.webdriver.common.by import By

    from tests.service.server import running_service

    site = "hide_identity = true\n" + ('locked = ["hide_identity"]\n' if locked else "")
    with running_service(tmp_path / "home", site=site, args=["--demo"]) as server:
        driver = browser.driver
        driver.get(server.url + "/web/")
        assert browser.wait_for("const done = arguments[arguments.length - 1];"
                                "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
        studies = driver.find_element(By.ID, "study-list")
        assert "Demo Phantom" not in studies.text and "PHANTOM-0" not in studies.text
        box = driver.find_element(By.ID, "hide-identity")
        assert box.is_displayed() and box.is_selected()
        box.click()
        if locked:
            browser.wait_for("const done = arguments[0]; (function poll() {"
                             " if (window.lightbox.state().message) done(true);"
                             " else setTimeout(poll, 20); })();")
            assert "locked" in state(browser)["message"]
            assert box.is_selected()
            assert "Demo Phantom" not in driver.find_element(By.ID, "study-list").text
        else:
            browser.wait_for("const done = arguments[0]; (function poll() {"
                             " if (document.getElementById('study-list').textContent"
                             ".includes('Demo Phantom')) done(true); else setTimeout(poll, 20); })();")
            assert not box.is_selected() and state(browser)["message"] == ""
            assert "PHANTOM-0" in driver.find_element(By.ID, "study-list").text
        assert outside(browser.requests()) == []


def test_a_series_whose_first_image_is_damaged_opens_without_the_last_ones_image(
        tmp_path, browser):
    """A series whose first image cannot be decoded (found on pydicom's damaged JPEG
    samples): the page must not leave the previously opened series' image on screen
    under "the image cannot be read"; it switches to the chosen series with an empty
    image and the reason, and its readable images are still reached by scrolling, as the
    desktop shows a series with one unreadable file."""
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless

    from tests.service.server import running_service
    from viewer.io.demo import write_phantom_series
    from viewer.io.scan import scan

    write_phantom_series(tmp_path / "studies" / "good", slices=2, size=32)
    series_uid = pydicom.uid.generate_uid()
    for path in write_phantom_series(tmp_path / "studies" / "bad", slices=3, size=32,
                                     transfer_syntax=RLELossless):
        ds = pydicom.dcmread(path)  # the same phantom as another series of the study
        ds.SeriesInstanceUID, ds.SeriesNumber = series_uid, 2
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        ds.save_as(path)
    (study,) = scan([tmp_path / "studies"]).studies
    good, bad = sorted(study.series, key=lambda s: len(s.frames))
    ds = pydicom.dcmread(bad.frames[0].instance.path)
    # an RLE header whose second segment starts past the data: a damaged compressed frame
    ds.PixelData = encapsulate([b"\x02\0\0\0" + b"\x40\0\0\0" + b"\xff\0\0\0" + bytes(52)
                                + b"\0\x01" * 8])
    ds.save_as(bad.frames[0].instance.path)
    with running_service(tmp_path / "home", args=["--studies", str(tmp_path / "studies")]
                         ) as server:
        browser.driver.get(server.url + "/web/")
        assert browser.wait_for("const done = arguments[arguments.length - 1];"
                                "window.lightbox.ready.then(() => done(''), e => done(String(e)));"
                                ) == ""
        assert call(browser, "await lb.openSeries(args[0]);", good.uid) == {"value": None}
        x, y = browser.script(TO_CANVAS, 16, 16, 32, 32)
        assert browser.script(CANVAS_POINT, x, y) != browser.script(CANVAS_POINT, 1, 1)
        answer = call(browser, "await lb.openSeries(args[0]);", bad.uid)
        assert "cannot be read" in answer.get("error", ""), answer
        now = state(browser)
        assert (now["series_uid"], now["frame_count"]) == (bad.uid, 3)
        assert "cannot be read" in now["message"]
        x, y = browser.script(TO_CANVAS, 16, 16, 32, 32)
        background = browser.script(CANVAS_POINT, 1, 1)
        assert browser.script(CANVAS_POINT, x, y) == background  # no image drawn
        assert call(browser, "await lb.setFrame(1);", None) == {"value": None}
        assert state(browser)["frame_index"] == 1
        assert browser.script(CANVAS_POINT, x, y) != background  # the readable image
