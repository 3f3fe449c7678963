"""Headquarters' review season in a real browser: the queue (filter, approve two at once,
return one with a comment), the clerk's answer, and the board's counts; axe-core checks each
new page (serious or critical violations fail)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from measures.models import PlanYear
from pdca.models import Submission, SubmissionStatus, Transition
from pdca.services import Entry, IndicatorEntry, ProgressEntry, entry_save
from tests.browser import test_journeys as journeys
from tests.browser.test_journeys import assert_accessible, log_in
from tests.conftest import measure

# The journeys' own fixtures: Chromium, the signed-in people, a page on the live server.
browser, people, page = journeys.browser, journeys.people, journeys.page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2022
RETURNED = "II-④-ア-01"  # the clerk's complete report, which headquarters returns
APPROVED = ["II-①-ア-01", "II-①-ア-02"]  # approved together


def _season(staff: User) -> None:
    """Three reports of the clerk's section submitted: one complete through the service,
    two recorded as submitted."""
    m = measure(RETURNED)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR)
    entry = Entry(
        indicators=[IndicatorEntry(indicator, Decimal("85")) for indicator in m.indicators.all()],
        progress=[ProgressEntry(item, "done") for item in m.schedule_items.filter(years=plan_year)],
        achievements_text="研修を4回実施した。",
        self_assessment="on_track",
        issues_text="受講者の偏り。",
        next_steps_text="オンライン研修を増やす。",
    )
    assert entry_save(
        user=staff, measure=m, plan_year=plan_year, entry=entry, expected_version=0, submit=True
    ).submitted
    for code in APPROVED:
        submission = Submission.objects.create(
            measure=measure(code), plan_year=plan_year, status=SubmissionStatus.SUBMITTED
        )
        Transition.objects.create(
            submission=submission, from_status=SubmissionStatus.DRAFT, to_status=SubmissionStatus.SUBMITTED, user=staff
        )


def board_counts(page: Page) -> dict[str, str]:
    page.goto(f"/status/?year={YEAR}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("提出状況")
    headers = page.locator("table.status-board thead th").all_inner_texts()[2:]
    cells = page.locator("table.status-board tr", has=page.get_by_role("rowheader", name="ICT・データ戦略課"))
    values = cells.locator("td.num").all_inner_texts()
    return dict(zip(headers, values, strict=True))


def test_headquarters_works_through_the_queue_and_the_clerk_answers(page, people):
    _season(people["staff"])

    log_in(page, "b-hq")
    before = board_counts(page)
    assert_accessible(page)
    assert (before["提出済"], before["差戻し"], before["承認済"]) == ("3", "0", "0")

    # The queue, narrowed to the clerk's section: three submitted reports.
    page.get_by_role("link", name="審査待ち").click()
    page.goto(f"/review/?year={YEAR}")
    assert_accessible(page)
    page.get_by_label("所属").select_option(label="総務局 ICT・データ戦略課")
    page.get_by_role("button", name="絞り込む").click()
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(3)

    # Approve two at once, after the confirmation.
    for code in APPROVED:
        page.get_by_label(f"{code}を選択").check()
    page.get_by_role("button", name="選択した報告をまとめて承認する…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("まとめて承認する")
    assert_accessible(page)
    page.get_by_role("button", name="2 件を承認する").click()
    expect(page.get_by_role("status").first).to_contain_text("2件の報告を承認しました。")
    expect(rows).to_have_count(1)

    # Return the third with a comment, from its row.
    row = page.locator("tr", has_text=RETURNED)
    row.locator("summary").click()
    row.get_by_label("差戻しの理由（必須）").fill("研修の実施記録を添付してください。")
    row.get_by_role("button", name="差し戻す", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("差し戻しました。")
    assert_accessible(page)

    after = board_counts(page)
    assert (after["提出済"], after["差戻し"], after["承認済"]) == ("0", "1", "2")
    page.get_by_role("button", name="ログアウト").click()

    # The clerk is told on signing in, sees the comment after saving a draft, replies, resubmits.
    log_in(page, "b-staff")
    expect(page.locator(".messages")).to_contain_text("差し戻された報告が 1 件あります")
    expect(page.locator("tr", has_text=RETURNED)).to_contain_text("差戻しへの対応が必要")
    page.goto(f"/entry/{RETURNED}/{YEAR}/")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator(".open-request")).to_contain_text("研修の実施記録を添付してください。")
    page.get_by_label("本部とのやりとりにメッセージを書く").fill("実施記録を添付しました。")
    page.get_by_role("button", name="メッセージを送る").click()
    expect(page.locator(".thread")).to_contain_text("実施記録を添付しました。")
    assert_accessible(page)
    page.get_by_role("button", name="保存して提出").click()
    expect(page.get_by_role("status").first).to_contain_text("提出しました")
    page.get_by_role("button", name="ログアウト").click()

    log_in(page, "b-hq")
    final = board_counts(page)
    assert (final["提出済"], final["差戻し"], final["承認済"]) == ("1", "0", "2")
    page.goto(f"/measures/{RETURNED}/?year={YEAR}")
    thread = page.locator(".thread")
    expect(thread.locator("li").first).to_contain_text("実施記録を添付しました。")  # newest first
    page.goto("/deadlines/")
    assert_accessible(page)


def test_the_desk_pages_are_accessible_with_demo_data(page, people):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    log_in(page, "b-hq")
    for path in ("/review/?year=2021", "/status/?year=2021", "/deadlines/", "/entry/?year=2021&status=returned"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)


def test_no_content_sits_outside_a_landmark(page, people):
    """axe's moderate `region` rule: the demo banner, the messages and the pages' content all
    sit inside landmarks."""
    from django.core.management import call_command

    from tests.browser.test_journeys import AXE

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    log_in(page, "b-staff")
    for path in ("/entry/?year=2021", "/status/?year=2021", "/dashboard/?year=2021", "/measures/"):
        page.goto(path)
        expect(page.locator(".demo-banner")).to_be_visible()
        violations = AXE.run(page).response["violations"]
        assert [v["id"] for v in violations if v["id"] == "region"] == [], path
