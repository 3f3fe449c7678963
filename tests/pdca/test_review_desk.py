"""Headquarters' review desk: the review queue (bulk approval), the submission board,
deadlines and overdue marks, as each persona sees them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks.synthetic import synthetic_plan_create
from measures.models import PlanYear, Section
from pdca.models import Message, Submission, SubmissionDeadline, SubmissionStatus, Transition
from tests.conftest import measure
from tests.pdca.test_entry import CODE, YEAR, _submit, form_data
from tests.pdca.test_query_counts import queries_for

pytestmark = pytest.mark.django_db

QUEUE = reverse("review_queue")
BOARD = reverse("status_board")
BULK = reverse("review_bulk_approve")
# Two more measures of 総務局 ICT・データ戦略課 (the staff persona's section).
OTHERS = ["II-①-ア-01", "II-①-ア-02"]


def submitted(code: str, *, days_ago: int = 0, year: int = YEAR) -> Submission:
    """A report submitted `days_ago` days ago, as the workflow would have recorded it."""
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=year)
    submission = Submission.objects.create(measure=m, plan_year=plan_year, status=SubmissionStatus.SUBMITTED)
    move = Transition.objects.create(
        submission=submission, from_status=SubmissionStatus.DRAFT, to_status=SubmissionStatus.SUBMITTED
    )
    Transition.objects.filter(pk=move.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return submission


def queue_codes(page: str) -> list[str]:
    return re.findall(r'<th scope="row" class="code"><a href="[^"]+">([^<]+)</a></th>', page)


@pytest.mark.parametrize(
    ("persona", "status"), [("hq", 200), ("viewer", 200), ("staff", 403), ("other_staff", 403), ("anonymous", 302)]
)
def test_the_queue_is_for_headquarters_and_viewers(client_for, persona, status):
    _submit(client_for)
    response = client_for(persona).get(QUEUE + f"?year={YEAR}")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert CODE in page
        # Viewers read; only headquarters gets the buttons.
        assert ('name="submission"' in page) == (persona == "hq")
        assert ("review_approve" not in page) and (("承認<span" in page) == (persona == "hq"))


def test_the_queue_shows_submitted_reports_oldest_first_with_waiting_time_and_grade(client_for):
    submitted(OTHERS[0], days_ago=3)
    submitted(OTHERS[1], days_ago=10)
    _submit(client_for)  # 85% against 80%: graded A by the entry
    Submission.objects.create(
        measure=measure("I-①-イ-02"),
        plan_year=PlanYear.objects.get(plan=measure(CODE).plan, fiscal_year=YEAR),
        status=SubmissionStatus.DRAFT,
    )
    page = client_for("hq").get(QUEUE + f"?year={YEAR}").content.decode()
    assert queue_codes(page) == [OTHERS[1], OTHERS[0], CODE]
    assert "10日待ち" in page and "3日待ち" in page
    row = page[page.index(f">{CODE}</a>") :]
    assert '<span class="grade grade-A">A</span>' in row[: row.index("</tr>")]
    everything = client_for("hq").get(QUEUE + f"?year={YEAR}&status=").content.decode()
    assert "I-①-イ-02" in everything
    drafts = client_for("hq").get(QUEUE + f"?year={YEAR}&status=draft").content.decode()
    assert queue_codes(drafts) == ["I-①-イ-02"]


def test_the_queue_filters_by_bureau_and_section(client_for):
    submitted(CODE)
    submitted("I-①-イ-02")  # 国際観光課
    tourism = Section.objects.get(name="国際観光課")
    page = client_for("hq").get(QUEUE + f"?year={YEAR}&section={tourism.pk}").content.decode()
    assert queue_codes(page) == ["I-①-イ-02"]
    page = client_for("hq").get(QUEUE + f"?year={YEAR}&bureau={tourism.bureau_id}").content.decode()
    assert queue_codes(page) == ["I-①-イ-02"]


def test_approving_from_the_queue_returns_to_it_with_its_filters(client_for):
    submission = submitted(CODE)
    response = client_for("hq").post(
        reverse("review_approve", args=[CODE, YEAR]), {"back": "queue", "query": f"year={YEAR}&status=submitted"}
    )
    assert response.status_code == 302
    assert response.url == QUEUE + f"?year={YEAR}&status=submitted"
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED


def test_a_refused_return_from_the_queue_keeps_the_comment_in_its_row(client_for):
    submission = submitted(CODE)
    comment = "理由" * (Message.MAX_LENGTH // 2 + 1)
    page = (
        client_for("hq")
        .post(
            reverse("review_return", args=[CODE, YEAR]),
            {"back": "queue", "query": f"year={YEAR}", "comment": comment},
            follow=True,
        )
        .content.decode()
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert f"{Message.MAX_LENGTH}文字以内" in page and f">{comment}</textarea>" in page


def test_bulk_approval_asks_for_confirmation_then_approves_all(client_for):
    first, second = submitted(OTHERS[0]), submitted(OTHERS[1])
    client = client_for("hq")
    confirm = client.post(BULK, {"submission": [first.pk, second.pk], "query": f"year={YEAR}"})
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "2 件を承認する" in page and OTHERS[0] in page and OTHERS[1] in page
    assert Submission.objects.filter(status=SubmissionStatus.APPROVED).count() == 0
    done = client.post(BULK, {"submission": [first.pk, second.pk], "query": f"year={YEAR}", "confirm": "1"})
    assert done.status_code == 302 and done.url == QUEUE + f"?year={YEAR}"
    assert set(Submission.objects.filter(status=SubmissionStatus.APPROVED).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert "2件の報告を承認しました。" in client.get(done.url).content.decode()


def test_bulk_approval_is_all_or_nothing(client_for):
    first, second = submitted(OTHERS[0]), submitted(OTHERS[1])
    Submission.objects.filter(pk=second.pk).update(status=SubmissionStatus.RETURNED)
    client = client_for("hq")
    response = client.post(BULK, {"submission": [first.pk, second.pk], "confirm": "1"}, follow=True)
    assert f"{OTHERS[1]}：提出済の報告ではありません。 どの報告も承認していません。" in response.content.decode()
    assert not Submission.objects.filter(status=SubmissionStatus.APPROVED).exists()
    assert not Transition.objects.filter(to_status=SubmissionStatus.APPROVED).exists()


def test_bulk_approval_without_a_selection_says_so(client_for):
    response = client_for("hq").post(BULK, {"query": f"year={YEAR}"}, follow=True)
    assert "承認する報告を選んでください。" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 403), ("other_staff", 403), ("viewer", 403), ("anonymous", 302)]
)
def test_only_headquarters_may_bulk_approve(client_for, persona, status):
    first = submitted(CODE)
    response = client_for(persona).post(BULK, {"submission": [first.pk], "confirm": "1"})
    assert response.status_code == status
    first.refresh_from_db()
    assert first.status == SubmissionStatus.SUBMITTED


def board_row(page: str, section: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\">{re.escape(section)}</th>(.*?)</tr>", page, re.S)
    assert row, section
    return re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', row.group(1))


@pytest.mark.parametrize(
    ("persona", "status", "sees_tourism"),
    [
        ("hq", 200, True),
        ("viewer", 200, True),
        ("staff", 200, False),
        ("other_staff", 200, True),
        ("anonymous", 302, False),
    ],
)
def test_the_board_shows_every_section_to_the_desk_and_their_own_to_staff(client_for, persona, status, sees_tourism):
    response = client_for(persona).get(BOARD + f"?year={YEAR}")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert ("国際観光課" in page) == sees_tourism
        assert ("ICT・データ戦略課" in page) == (persona != "other_staff")


def test_the_board_counts_each_status_and_the_overdue_and_links_to_the_list(client_for, plan):
    owned = measure(CODE).plan.measures.filter(measure_sections__section__name="ICT・データ戦略課").count()
    _submit(client_for)
    page = client_for("hq").get(BOARD + f"?year={YEAR}").content.decode()
    # 未入力, 入力中, 提出済, 差戻し, 承認済, 期限超過 (no deadline yet)
    assert board_row(page, "ICT・データ戦略課") == [str(owned - 1), "0", "1", "0", "0", "0"]
    section = Section.objects.get(name="ICT・データ戦略課")
    assert f"status=submitted&amp;section={section.pk}" in page
    SubmissionDeadline.objects.create(
        plan_year=PlanYear.objects.get(plan=plan, fiscal_year=YEAR), due_on=timezone.localdate() - timedelta(days=1)
    )
    page = client_for("hq").get(BOARD + f"?year={YEAR}").content.decode()
    assert board_row(page, "ICT・データ戦略課")[-1] == str(owned - 1)
    # Worst first: the section with the most overdue reports leads.
    first = re.search(r'<tbody>\s*<tr>\s*<td>[^<]*</td>\s*<th scope="row">([^<]+)</th>', page).group(1)
    assert first == "ICT・データ戦略課"


def test_the_dashboards_status_cards_link_to_the_board(client_for):
    page = client_for("viewer").get(reverse("dashboard") + "?year=2021").content.decode()
    assert f'href="{BOARD}?year=2021"' in page


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [("hq", 200, 302), ("viewer", 200, 403), ("staff", 403, 403), ("other_staff", 403, 403), ("anonymous", 302, 302)],
)
def test_headquarters_sets_a_deadline_in_the_app(client_for, plan, persona, get_status, post_status):
    client = client_for(persona)
    assert client.get(reverse("deadlines")).status_code == get_status
    response = client.post(reverse("deadlines"), {"fiscal_year": YEAR, f"{YEAR}-due_on": "2023-05-31"})
    assert response.status_code == post_status
    saved = SubmissionDeadline.objects.filter(plan_year__fiscal_year=YEAR).values_list("due_on", flat=True).first()
    assert (saved is not None) == (persona == "hq")


def test_a_bad_deadline_is_refused_in_japanese_and_kept(client_for):
    response = client_for("hq").post(reverse("deadlines"), {"fiscal_year": YEAR, f"{YEAR}-due_on": "5月31日ごろ"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "日付は 2023-05-31 のように入力してください。" in page and 'value="5月31日ごろ"' in page
    assert not SubmissionDeadline.objects.exists()


def test_overdue_reports_are_marked_on_the_worklist_and_the_queue(client_for, plan):
    SubmissionDeadline.objects.create(
        plan_year=PlanYear.objects.get(plan=plan, fiscal_year=YEAR), due_on=timezone.localdate() - timedelta(days=1)
    )
    client_for("staff").post(reverse("entry", args=[CODE, YEAR]), form_data())  # a draft, past the deadline
    worklist = client_for("staff").get(reverse("worklist") + f"?year={YEAR}&status=draft").content.decode()
    assert "期限超過" in worklist and CODE in worklist and "II-①-ア-02" not in worklist
    section = Section.objects.get(name="ICT・データ戦略課")
    queue = client_for("hq").get(QUEUE + f"?year={YEAR}&status=owed&section={section.pk}").content.decode()
    assert CODE in queue and "期限超過" in queue


def test_the_desk_pages_cost_the_same_at_ten_times_the_size(client_for, plan):
    large = synthetic_plan_create(measures=760, code="synthetic-10x")
    client = client_for("hq")
    for url in (QUEUE + "?status=&year=2021", BOARD + "?year=2021", reverse("deadlines") + "?year=2021"):
        real = queries_for(client, f"{url}&plan={plan.code}")
        big = queries_for(client, f"{url}&plan={large.code}")
        assert real == big, url


def test_the_admin_shows_messages_deadlines_and_reminders_read_only(client_for, personas):
    personas["hq"].is_staff = True
    personas["hq"].save()
    client = client_for("hq")
    for model in ("message", "submissiondeadline", "remindersent"):
        assert client.get(f"/admin/pdca/{model}/").status_code == 200
        assert client.get(f"/admin/pdca/{model}/add/").status_code == 403


def test_the_queue_shows_the_plausibility_warnings_the_clerk_confirmed(client_for):
    from indicators.models import Actual

    _submit(client_for)
    Actual.objects.filter(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR).update(
        confirmed_warnings=["fraction"]
    )
    page = client_for("hq").get(QUEUE + f"?year={YEAR}").content.decode()
    row = page[page.index(f">{CODE}</a>") :]
    assert "小数で入力された割合の疑い" in row[: row.index("</tr>")]
