"""End to end in headless Chromium: upload a real image through the page and get overlay, area and mask.

Needs selenium (test extra) and Debian's chromium + chromium-driver (.ci/run installs them). Without them the
test skips, except under CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from litemedseg.data.io import read_image

CHROMIUM = os.environ.get("LITEMEDSEG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LITEMEDSEG_CHROMEDRIVER", "/usr/bin/chromedriver")
# The browser must not try to reach the network: this machine (and CI) may be offline.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1200,900"]
WAIT_S = 60


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} not found (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not download drivers or browsers
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def _upload(browser, server, path: Path) -> None:
    browser.get(server.url)
    browser.find_element("id", "file").send_keys(str(path))


def test_upload_in_the_browser_shows_overlay_area_and_download(browser, live_server, segmenter, demo_image):
    from selenium.webdriver.support.ui import WebDriverWait

    _upload(browser, live_server, demo_image)
    wait = WebDriverWait(browser, WAIT_S)
    overlay = browser.find_element("id", "overlay")
    wait.until(lambda _: overlay.is_displayed() and (overlay.get_attribute("src") or "").startswith("data:image/png"))
    assert len(overlay.get_attribute("src")) > len("data:image/png;base64,") + 100
    assert browser.execute_script("return arguments[0].naturalWidth", overlay) > 0  # it decoded

    expected = segmenter.predict(read_image(demo_image, segmenter.in_channels))
    pixels, percent = int(expected.sum()), 100 * expected.sum() / expected.size
    height, width = expected.shape
    area = browser.find_element("id", "area").text
    assert area == f"Mask area: {pixels:,} px ({percent:.2f} %) of the {width} × {height} px image"
    assert browser.find_element("id", "error").is_displayed() is False

    link = browser.find_element("id", "download")
    assert link.get_attribute("download") == demo_image.stem + "_mask.png"
    assert link.get_attribute("href").startswith("blob:")
    # What the link downloads is the mask itself: fetch the blob inside the page and decode it here.
    encoded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => {"
        "  let s = ''; for (const x of new Uint8Array(b)) s += String.fromCharCode(x); done(btoa(s));"
        "}).catch(e => done('failed: ' + e));",
        link.get_attribute("href"),
    )
    assert not encoded.startswith("failed"), encoded
    mask = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))
    np.testing.assert_array_equal(mask, expected * 255)


def test_a_bad_file_shows_the_error_on_the_page(browser, live_server, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    fake = tmp_path / "notes.png"
    fake.write_bytes(b"these are notes, not pixels" * 20)
    _upload(browser, live_server, fake)
    error = browser.find_element("id", "error")
    WebDriverWait(browser, WAIT_S).until(lambda _: error.is_displayed())
    assert error.text.startswith("notes.png: not a readable image"), error.text
    assert browser.find_element("id", "result").is_displayed() is False
