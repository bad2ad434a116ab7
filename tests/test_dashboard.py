"""The rental dashboard in a real browser (Playwright driving Debian's Chromium, headless, 127.0.0.1)."""
import os
import re
import shutil
from pathlib import Path

import pytest
import requests

from mockserver.core.clock import MAX_TIME

playwright = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (see .ci/run)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
START = 1_767_225_600  # 2026-01-01 00:00 UTC
DAY = 86_400


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def signed_in(browser, live_server, world, width=1280, height=900):
    """A page of `width` × `height` px signed in to `world`, and the JavaScript errors it collects."""
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id="UTC", locale="en-GB")
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(live_server + "/")
    pg.fill("#apikey", world["apikey"])
    pg.click("#login-form button[type=submit]")
    pg.wait_for_selector("#app:not([hidden])")
    return pg, errors


@pytest.fixture
def page(browser, live_server):
    made = requests.post(f"{live_server}/_mock/worlds", json={"start": START, "seed": 5, "balance": "100",
                                                            "activation_delay": [700, 700]}, timeout=10).json()
    requests.post(f"{live_server}/_mock/catalogue/offers", timeout=10,  # pinned, so the money below is derivable
                  json={"world": made["world"], "country": "RU", "service": "opt16", "price_day": "2.5",
                        "procent_days": 30, "procent": 20}).raise_for_status()
    pg, errors = signed_in(browser, live_server, made, width=1400, height=1000)
    pg.wait_for_selector("#services tbody tr")
    pg.made = made
    yield pg
    assert errors == [], errors  # no JavaScript errors in the console, ever
    pg.context.close()
    requests.delete(f"{live_server}/_mock/worlds/{made['world']}", timeout=10)


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def row(pg):
    return pg.locator("#orders tbody tr").first


def test_the_whole_rental_life_in_the_browser(page):
    pg = page
    # rent: country → service → period → price preview → rent
    pg.select_option("#country", "RU")
    pg.wait_for_selector("#services tbody tr")
    pg.check("input[value=opt16]")
    pg.select_option("#dtype", "week")
    pg.wait_for_function("document.querySelector('#price').textContent === '17.50'")
    pg.click("#rent-form button[type=submit]")
    pg.wait_for_selector("#orders tbody tr[data-order]")
    rented = re.fullmatch(r"Rented: (\+79\d{9}) \(opt16\)", pg.inner_text("#rent-result"))
    assert rented, pg.inner_text("#rent-result")  # "+" and the whole number, in every view (evidence W17)
    number = rented.group(1)
    assert row(pg).locator("td").first.inner_text() == "Not active"
    assert row(pg).locator("td").nth(1).inner_text().startswith(number + " (")  # number (provider)
    assert row(pg).locator("td").nth(3).inner_text() == "08/01/2026, 00:00:00"  # browser time zone: UTC
    prolong = row(pg).get_by_role("button", name="Prolong")
    assert prolong.is_disabled()  # exactly 7 days left
    assert prolong.get_attribute("title") == "You can prolong number only if before expiring date left less 7 days"
    playwright.expect(pg.locator("#balance")).to_have_text("82.5")
    shot(pg, "orders")

    # activate, then time passes in the mock panel
    row(pg).get_by_role("button", name="Activate").click()
    pg.wait_for_function("document.querySelector('#orders tbody td').textContent === 'Activating'")
    pg.get_by_role("button", name="+15 min").click()
    pg.wait_for_function("document.querySelector('#orders tbody td').textContent === 'Active'")
    assert not row(pg).get_by_role("button", name="Prolong").is_disabled()  # fewer than 7 days left now

    # an SMS arrives and is read
    pg.fill("#sms-text", "Code Instagram: 671 094.")
    pg.click("#sms-form button[type=submit]")
    pg.wait_for_function("document.querySelector('#sms-result').textContent === 'Delivered.'")
    row(pg).get_by_role("button", name="SMS •").click()
    pg.wait_for_selector("#sms-own tbody td:has-text('Code Instagram: 671 094.')")
    pg.click("#other-toggle")
    assert pg.is_visible("#sms-other") and pg.get_attribute("#other-toggle", "aria-expanded") == "true"
    shot(pg, "sms")

    # the order expires; the archive restores it, showing the fee first
    pg.get_by_role("button", name="+7 days").click()
    pg.wait_for_selector("#archive tbody tr[data-order]")
    playwright.expect(pg.locator("#orders tbody tr[data-order]")).to_have_count(0)
    assert pg.locator("#archive tbody tr").first.locator("td").nth(3).inner_text() == number
    pg.locator("#archive tbody").get_by_role("button", name="Restore").click()
    pg.wait_for_selector("#restore-box:not([hidden])")
    assert pg.inner_text("#restore-text") == \
        "Restoring costs 62.5 (1 late days at full price + 30 days paid in advance)."  # 2.5·1 + 2.5·30·0.8
    shot(pg, "archive")
    pg.click("#restore-confirm")
    pg.wait_for_function("document.querySelector('#archive-result').textContent.startsWith('Restored')")
    pg.wait_for_selector("#orders tbody tr[data-order]")
    playwright.expect(pg.locator("#balance")).to_have_text("20")  # 82.5 − 62.5

    # Turkish
    pg.click("#lang-tr")
    assert pg.inner_text("#orders-title") == "Kiralanan numaralar"
    assert pg.inner_text("#archive thead th:first-child") == "Başlangıç"
    assert pg.locator("li[data-i18n=help_guarantee]").inner_text() == "Numarayı kiralamanın maksimum garantili süresi 90 gündür."
    shot(pg, "turkish")


def test_lost_number_and_restore_errors(page, live_server):
    pg = page
    pg.check("input[value=opt59]")
    pg.check("input[value=opt6]")
    pg.click("#rent-form button[type=submit]")  # two services: create_multi, one number
    pg.wait_for_function("document.querySelectorAll('#orders tbody tr[data-order]').length === 2")
    numbers = pg.locator("#orders tbody tr td:nth-child(2)").all_inner_texts()
    assert numbers[0].split(" (")[0] == numbers[1].split(" (")[0]
    pg.click("#take-offline")
    pg.wait_for_selector("#orders tbody abbr.warn")
    assert pg.inner_text("#orders tbody abbr.warn") == "Needs replacement (?)"
    assert pg.inner_text("#orders tbody td.state.s-1") == "Not in the system"
    for week in range(1, 7):  # expired on day 7; the 30-day hold ends on day 37; now day 42
        pg.get_by_role("button", name="+7 days").click()
        playwright.expect(pg.locator("#clock")).to_have_attribute(
            "datetime", f"2026-{1 + (week * 7) // 31:02d}-{(week * 7) % 31 + 1:02d}T00:00:00.000Z")
    pg.wait_for_selector("#archive tbody tr[data-order]")
    pg.locator("#archive tbody").get_by_role("button", name="Restore").first.click()
    pg.wait_for_function("document.querySelector('#archive-result').textContent.startsWith('NOAVAILDAYS')")
    assert pg.inner_text("#archive-result") == ("NOAVAILDAYS: Phone number is unavalible for automatically restoring. "
                                                "There are not enough working days for the phone number;")


def test_keyboard_only_sign_in_and_empty_archive(browser, live_server):
    made = requests.post(f"{live_server}/_mock/worlds", json={"start": START}, timeout=10).json()
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(live_server + "/")
    pg.focus("#apikey")
    pg.keyboard.type(made["apikey"])
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#app:not([hidden])")
    assert pg.inner_text("#archive tbody") == "No matching records found"
    assert pg.inner_text("#orders tbody") == "No matching records found"
    assert pg.locator("table thead th[scope=col]").count() > 20 and pg.locator("label[for=country]").count() == 1
    context.close()



def test_only_the_sign_in_shows_before_sign_in(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(live_server + "/")
    pg.wait_for_selector("#login-form")
    assert pg.locator("#login").is_visible()
    for hidden in ("#app", "aside", "#clock", "#balance", "#orders", "#journal"):
        assert not pg.locator(hidden).is_visible(), f"{hidden} shows before sign-in"
    assert "World clock" not in pg.inner_text("body") and "Balance" not in pg.inner_text("body")
    context.close()


def test_the_journal_fits_its_panel_at_1280_px(browser, live_server):
    made = requests.post(f"{live_server}/_mock/worlds", json={"start": START}, timeout=10).json()
    api = f"{live_server}/w/{made['world']}/api/rent.php"
    for i in range(3):  # long findings: unknown and malformed parameters with long names and values
        requests.get(api, params={"method": "create", "apikey": made["apikey"], "dtype": "fortnight" * 6,
                                  "country": "RU", "service": "opt16", "dcount": "x" * 40,
                                  f"an_unknown_parameter_with_a_long_name_{i}": "v" * 60}, timeout=10)
    pg, errors = signed_in(browser, live_server, made)
    pg.wait_for_selector("#journal tbody tr")
    panel, journal = pg.locator("aside").bounding_box(), pg.locator("#journal").bounding_box()
    assert journal["x"] >= panel["x"] and journal["x"] + journal["width"] <= panel["x"] + panel["width"], (journal, panel)
    widest = pg.evaluate("Math.max(...[...document.querySelectorAll('#journal td')]"
                         ".map((td) => td.getBoundingClientRect().right))")
    assert widest <= panel["x"] + panel["width"]
    assert pg.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scrolling either
    shot(pg, "journal-1280")
    assert errors == []
    pg.context.close()


def test_a_clock_at_the_last_moment_the_server_keeps_shows_year_9999(browser, live_server):
    # the server refuses times past 9999-12-31 (what SQLite and every client can keep), far inside
    # JavaScript's date range (8.64e15 ms): the page shows such dates as dates
    edge = MAX_TIME - 8 * DAY
    made = requests.post(f"{live_server}/_mock/worlds", json={"start": edge, "clock": "manual"}, timeout=10).json()
    rented = requests.get(f"{live_server}/w/{made['world']}/api/rent.php", timeout=10, params={
        "method": "create", "apikey": made["apikey"], "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"})
    assert rented.json()["status"] == 1, rented.text
    pg, errors = signed_in(browser, live_server, made)
    pg.wait_for_selector("#orders tbody tr[data-order]")
    pg.get_by_role("button", name="+7 days").click()
    playwright.expect(pg.locator("#clock")).to_have_attribute("datetime", "9999-12-30T23:59:59.000Z")
    assert pg.locator("#journal tbody tr").count() > 0 and pg.locator("#orders").is_visible()
    assert errors == []
    pg.context.close()
