"""The main journeys in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium),
with axe-core checking every page on the way (serious or critical violations fail)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect, sync_playwright

from measures.models import Plan
from pdca.models import Role
from tests.conftest import PASSWORD, PLAN_FILE, make_user, section

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: bin/test installs Debian's chromium package (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def people(transactional_db):
    # Transactional tests start from a flushed database: load the plan again when it is gone.
    if not Plan.objects.exists():
        call_command("load_plan", str(PLAN_FILE), stdout=open(os.devnull, "w"))
    return {
        "staff": make_user("b-staff", Role.STAFF, [section("総務局", "ICT・データ戦略課")]),
        "hq": make_user("b-hq", Role.HQ),
    }


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


AXE = Axe()


def assert_accessible(page: Page) -> None:
    results = AXE.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in serious
    )
    assert not serious, f"axe found serious/critical violations on {page.url}:\n{report}"


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def choose_with_keyboard(page: Page, select, option: str) -> None:
    """Pick an option of a <select> with the arrow keys only, as a keyboard user would."""
    select.focus()
    for _ in range(10):
        if select.evaluate("el => el.options[el.selectedIndex].text") == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {option!r} not reachable by keyboard")


def plan_a_count(page: Page) -> str:
    page.goto("/dashboard/?year=2022")
    return page.locator("table", has_text="評価の分布（施策数）").locator("tbody td").first.inner_text()


def test_clerk_enters_and_submits_then_headquarters_approves(page, people):
    log_in(page, "b-hq")
    assert plan_a_count(page) == "0"
    assert_accessible(page)
    page.get_by_role("button", name="ログアウト").click()

    # The clerk: worklist → entry page, typing full-width digits, keyboard only for the form.
    log_in(page, "b-staff")
    expect(page).to_have_url(re.compile(r"/entry/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("実績の入力")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"入力する.*II-④-ア-01")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("II-④-ア-01")
    assert_accessible(page)

    page.get_by_label("実績値").focus()
    page.keyboard.type("８５％")
    for label, option in [("進捗", "完了"), ("評価（自己評価）", "順調")]:
        for select in page.get_by_label(label, exact=True).all():
            choose_with_keyboard(page, select, option)
    page.get_by_label("取組実績").focus()
    page.keyboard.type("研修を4回実施した。")
    page.keyboard.press("Tab")  # keyboard moves on through the form in order
    page.keyboard.press("Tab")
    expect(page.get_by_label("課題（Check）")).to_be_focused()
    page.keyboard.type("受講者が特定の所属に偏った。")
    page.keyboard.press("Tab")
    page.keyboard.type("オンライン研修を増やす。")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="保存して提出")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("提出しました")
    expect(page.locator("tr", has_text="II-④-ア-01")).to_contain_text("提出済")
    page.get_by_role("button", name="ログアウト").click()

    # Headquarters approves; the measure's grade and the roll-ups follow.
    log_in(page, "b-hq")
    page.goto("/measures/II-④-ア-01/?year=2022")
    assert_accessible(page)
    page.get_by_role("button", name="承認する").click()
    expect(page.get_by_role("status")).to_contain_text("承認しました")
    current = page.locator("table", has_text="研修受講者満足度").locator("tr.current-year")
    expect(current).to_contain_text("85%")
    expect(current).to_contain_text("106.3%")
    expect(current.locator(".grade")).to_have_text("A")
    expect(page.locator(".workflow .status")).to_have_text("承認済")
    assert plan_a_count(page) == "1"


def test_a_rejected_entry_keeps_what_was_typed_in_the_browser(page, people):
    log_in(page, "b-staff")
    page.goto("/entry/II-④-ア-01/2022/")
    page.get_by_label("実績値").fill("たくさん")
    page.get_by_label("取組実績").fill("消えてはならない文章")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_role("alert")).to_contain_text("数値として読めません")
    expect(page.get_by_label("実績値")).to_have_value("たくさん")
    expect(page.get_by_label("取組実績")).to_have_value("消えてはならない文章")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/dashboard/?year=2021", "/measures/", "/measures/I-①-イ-01/?year=2021", "/plan/"])
def test_pages_fit_a_laptop_screen_and_print_on_a4_landscape(page, people, path):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    log_in(page, "b-hq")
    page.goto(path)
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 1366×768"
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation")).to_be_hidden()
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf.startswith(b"%PDF")


def test_the_workbook_upload_page_is_accessible(page, people):
    log_in(page, "b-staff")
    page.goto("/entry/upload/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("アップロード|確認")).first.click()  # empty upload: error, no crash
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/dashboard/?year=2021", "/measures/I-①-イ-01/?year=2021"])
def test_charts_draw_under_the_content_security_policy_without_a_violation(page, people, path):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    log_in(page, "b-hq")
    page.goto(path)
    expect(page.locator(".chart svg.main-svg").first).to_be_visible()
    assert page.locator(".chart script").count() == 0
    assert violations == []


def test_a_text_box_counts_characters_as_they_are_typed_and_keeps_an_over_long_text(page, people):
    from core.texts import TEXT_MAX_LENGTH

    log_in(page, "b-staff")
    page.goto("/entry/II-④-ア-01/2022/")
    box = page.get_by_label("取組実績")
    counter = page.locator("#id_achievements_text-counter")
    expect(counter).to_have_text(f"0 / {TEXT_MAX_LENGTH:,} 文字")
    box.fill("あ" * (TEXT_MAX_LENGTH + 3))
    expect(counter).to_contain_text("3 文字超過")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_role("alert")).to_contain_text("文字以内で入力してください")
    expect(page.get_by_label("取組実績")).to_have_value("あ" * (TEXT_MAX_LENGTH + 3))
    assert_accessible(page)


def test_headquarters_management_pages_are_accessible_and_keep_the_content_security_policy(page, people):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, "b-hq")
    for path in [
        "/manage/",
        "/years/",
        "/manage/files/",
        "/accounts/log/",
        "/accounts/users/",
        "/accounts/users/new/",
        "/accounts/users/import/",
        "/accounts/two-factor/",
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    assert violations == []
