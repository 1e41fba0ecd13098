"""The service's web page in a real browser: headless Debian Chromium driven by Selenium.

What a person sees: the readiness line, an error for an empty ticket, and after Ctrl+Enter the
status, one row per schema field with a confidence bar and the alternatives, and the JSON ticket;
with API keys, the 401 message and the key field.

Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's `chromium` and `chromium-driver`;
`.ci/run` installs them). Without them the tests skip, unless TRIAGE_REQUIRE_BROWSER=1 (set by CI),
where a missing browser is a failure. TRIAGE_SCREENSHOT_DIR keeps the screenshot of the page.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import serve_in_thread
from test_service import FakeEngine, make_app

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()
if not HAVE_BROWSER and os.environ.get("TRIAGE_REQUIRE_BROWSER") == "1":
    raise RuntimeError(
        f"TRIAGE_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing "
        "(apt-get install chromium chromium-driver)"
    )
pytestmark = pytest.mark.skipif(not HAVE_BROWSER, reason="needs Debian's chromium and chromium-driver")
TIMEOUT = 120  # seconds; the real model loads and decodes on 2 CPU cores


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The closed network here refuses Chromium's background connections; these flags stop them.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout: float = TIMEOUT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _text(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).text


def test_a_person_triages_a_ticket_with_the_keyboard(browser, schema, tmp_path):
    from selenium.webdriver.common.keys import Keys

    from inference.service import build_parser, create_app, load_for_service
    from inference.service import settings_from_args as config_from_args

    args = build_parser().parse_args([])  # the shipped adapter, as `triage serve` starts it
    app = create_app(schema, config_from_args(args), lambda: load_for_service(args))
    with serve_in_thread(app) as url:
        browser.get(url + "/")
        assert browser.title == "ticket-triage"
        _wait(browser, lambda d: _text(d, "service-state").startswith("ready:"))
        assert "smollm2-135m-itsm" in _text(browser, "service-state")

        browser.find_element("id", "submit").click()  # nothing typed yet
        assert _text(browser, "error") == "Paste a ticket first."

        browser.find_element("id", "subject").send_keys("VPN keeps dropping")
        description = browser.find_element("id", "description")
        description.send_keys(
            "Since this morning the VPN drops every ten minutes and I lose my SAP session. Working from home today."
        )
        description.send_keys(Keys.CONTROL, Keys.ENTER)
        _wait(browser, lambda d: d.find_elements("id", "status"))

        assert _text(browser, "error") == ""
        status = _text(browser, "status")
        assert status in ("auto", "review")
        if status == "review":  # a review ticket says why
            assert browser.find_elements("css selector", "ul.reasons li")
        ticket = json.loads(_text(browser, "ticket-json"))
        schema.validate(ticket)  # the JSON the person sees is a valid ticket
        rows = {
            row.get_attribute("data-field"): row for row in browser.find_elements("css selector", "#fields tbody tr")
        }
        assert list(rows) == schema.field_names
        for f in schema.fields:
            row = rows[f.name]
            assert row.find_element("css selector", "td.value").text == ticket[f.name]
            if f.type == "enum":
                meter = row.find_element("css selector", "[role=meter]")
                assert 0 <= int(meter.get_attribute("aria-valuenow")) <= 100
                assert meter.get_attribute("aria-label") == f"{f.name} confidence"
        assert rows["category"].find_element("css selector", "td.alts").text != "–"  # alternatives shown
        # keyboard friendly: focus moved to the result for screen readers and the next Tab
        assert browser.switch_to.active_element.get_attribute("id") == "result-heading"

        shot_dir = Path(os.environ.get("TRIAGE_SCREENSHOT_DIR") or tmp_path)
        shot_dir.mkdir(parents=True, exist_ok=True)
        shot = shot_dir / "service_page.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")


def test_the_page_asks_for_an_api_key_and_then_works(browser, schema):
    app = make_app(schema, engine=FakeEngine(schema), api_keys=frozenset({"s3cret"}))
    with serve_in_thread(app) as url:
        browser.get(url + "/")
        browser.execute_script("sessionStorage.clear()")
        browser.refresh()
        _wait(browser, lambda d: _text(d, "service-state").startswith("ready:"))
        browser.find_element("id", "description").send_keys("sure: printer jams")
        browser.find_element("id", "submit").click()
        _wait(browser, lambda d: _text(d, "error").startswith("Error 401"))
        assert browser.find_element("id", "key-box").get_attribute("open") is not None
        browser.find_element("id", "api-key").send_keys("s3cret")
        browser.find_element("id", "submit").click()
        _wait(browser, lambda d: d.find_elements("id", "status"))
        assert _text(browser, "status") == "auto" and _text(browser, "error") == ""
