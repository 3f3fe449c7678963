"""The public site in a real browser, as a resident on a phone sees it: every page accessible
(axe-core: no serious or critical violation), no sideways scrolling at 375 px, each page with
everything it loads well under 1.5 MB and no chart library, printable."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from measures.models import Plan, PlanYear
from opendata.services import year_publish
from tests.conftest import PLAN_FILE

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PAGE_BUDGET = 1_500_000
# Chrome's "Slow 4G" preset: 150 ms round trip, 1.6 Mbit/s down (with its 0.9 factor).
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}

PAGES = [
    "/public/",
    "/public/measures/",
    "/public/measures/?grade=unreported",
    "/public/measures/I-①-ア-01/",
    "/public/measures/II-④-ア-01/",
    "/public/trend/",
    "/public/data/",
    "/public/?year=2030",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: bin/test installs Debian's chromium package (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def published(transactional_db):
    if not Plan.objects.exists():
        call_command("load_plan", str(PLAN_FILE), stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=StringIO())
    plan = Plan.objects.get(code="kanagawa-ict-2019")
    for year in (2019, 2020, 2021):
        year_publish(plan_year=PlanYear.objects.get(plan=plan, fiscal_year=year), user=User.objects.get(username="hq"))
    return plan


def test_every_public_page_on_a_phone(browser, live_server, published):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport={"width": 375, "height": 812})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    axe = Axe()
    loaded: list[tuple[str, int]] = []
    page.on("requestfinished", lambda request: loaded.append((request.url, request.sizes()["responseBodySize"])))
    for url in PAGES:
        loaded.clear()
        page.goto(url, wait_until="load")
        total = sum(size for _url, size in loaded)
        assert total < PAGE_BUDGET, (url, total)
        assert not any("plotly" in u for u, _size in loaded), url
        # Readable within 3 s on slow 4G: bytes at its throughput plus a round trip a request.
        assert total / SLOW_4G["downloadThroughput"] + 0.15 * len(loaded) < 3, (url, total, len(loaded))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        serious = [v for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, (url, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in serious])
        assert "CC BY 4.0" in page.content() and "最終公表日" in page.content()
    context.close()


def test_a_public_page_prints_without_its_menus_and_filters(browser, live_server, published):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto("/public/measures/")
    assert not page.locator("form.public-filters").is_visible()
    assert not page.get_by_role("navigation", name="メインメニュー").is_visible()
    assert page.get_by_text("CC BY 4.0").is_visible()
    context.close()


def test_the_sign_in_page_links_to_the_public_site(browser, live_server, published):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="公開中の進捗状況（ログイン不要）").click()
    assert page.url.endswith("/public/")
    assert page.get_by_role("heading", level=1).is_visible()
    context.close()
