"""The plan-period review (総括評価): the page per plan for every persona, the counts, the
evaluation text's submit / approve flow, bad input, and rights on every write route."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.services import actual_record, measure_results_basis_set
from measures.models import PlanYear
from pdca import plan_review
from pdca.models import FinalReview, SubmissionStatus
from tests.conftest import measure

pytestmark = pytest.mark.django_db

# Owned by 総務局 ICT・データ戦略課 (the staff persona): one percentage indicator, 80% in R4.
CODE = "II-④-ア-01"


def _achieve(code: str, value: str, reached: str = "submitted") -> None:
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=m.target_fiscal_year)
    actual_record(indicator=m.indicators.get(), plan_year=plan_year, value=Decimal(value), user=None)
    measure_results_basis_set(plan=m.plan, reached={(m.pk, plan_year.pk): reached})


@pytest.mark.parametrize("persona", ["staff", "other_staff", "hq", "viewer"])
def test_every_signed_in_persona_reads_the_review_page(client_for, persona):
    response = client_for(persona).get(reverse("plan_review"))
    assert response.status_code == 200
    assert "総括評価" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client_for):
    assert client_for("anonymous").get(reverse("plan_review")).status_code == 302
    assert client_for("anonymous").get(reverse("final_review", args=[CODE])).status_code == 302
    assert client_for("anonymous").post(reverse("final_review_decide", args=[CODE])).status_code == 302


def test_counts_of_achieved_partly_and_not_achieved_follow_the_basis(plan):
    _achieve(CODE, "85")  # 85 / 80 → A, 達成
    _achieve("I-③-エ-02", "60", reached="entered")  # a draft: 未報告 on 提出済以上
    summary = plan_review.summary(plan, "submitted")
    assert summary.plan.counts["achieved"] == 1 and summary.plan.measures == 76
    entered = plan_review.summary(plan, "entered")
    assert entered.plan.counts["not_achieved"] + entered.plan.counts["partly"] == 1
    assert sum(t.measures for t in summary.pillars) == 76


def test_the_page_shows_the_final_figures_and_stays_flat(client_for, plan):
    _achieve(CODE, "85")
    client = client_for("viewer")
    page = client.get(reverse("plan_review") + "?page=2").content.decode()
    row = page[page.index(f'id="measure-{CODE}"') :]
    row = row[: row.index("</tr>")]
    assert "目標 80% / 実績 85" in row and "100.0%" in row and "達成" in row
    cache.clear()  # both pages read cold (the frame too: base.html keeps its menu)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("plan_review"))
    _achieve("I-③-エ-02", "99")
    cache.clear()
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("plan_review") + "?page=2")
    assert len(second) == len(first)


def test_the_section_writes_submits_and_headquarters_approves(client_for):
    url = reverse("final_review", args=[CODE])
    staff = client_for("staff")
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"version": 0, "evaluation_text": "目標を達成した。", "submit": "1"})
    assert response.status_code == 302
    review = FinalReview.objects.get(measure__code=CODE)
    assert (review.status, review.evaluation_text) == (SubmissionStatus.SUBMITTED, "目標を達成した。")
    # Submitted: the section can no longer change it.
    assert staff.get(url).status_code == 403
    decide = reverse("final_review_decide", args=[CODE])
    assert client_for("viewer").post(decide, {"action": "approve"}).status_code == 403
    hq = client_for("hq")
    hq.post(decide, {"action": "return", "comment": ""})  # a return needs a reason
    assert FinalReview.objects.get(pk=review.pk).status == SubmissionStatus.SUBMITTED
    assert hq.post(decide, {"action": "approve"}).status_code == 302
    assert FinalReview.objects.get(pk=review.pk).status == SubmissionStatus.APPROVED
    assert hq.get(url).status_code == 403  # approved is locked


def test_an_empty_evaluation_cannot_be_submitted_and_nothing_is_written(client_for):
    url = reverse("final_review", args=[CODE])
    response = client_for("staff").post(url, {"version": 0, "evaluation_text": "   ", "submit": "1"})
    assert response.status_code == 400
    assert "提出するには総括評価を入力してください。" in response.content.decode()
    assert not FinalReview.objects.exists()


@pytest.mark.parametrize("persona", ["other_staff", "viewer"])
def test_others_may_not_write_an_evaluation(client_for, persona):
    url = reverse("final_review", args=[CODE])
    client = client_for(persona)
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": 0, "evaluation_text": "x"}).status_code == 403
    assert not FinalReview.objects.exists()


def test_the_review_page_costs_the_same_queries_for_76_and_330_measures(client_for, plan):
    from benchmarks.synthetic import synthetic_plan_create

    large = synthetic_plan_create(measures=330, code="synthetic-review")
    client = client_for("hq")
    counts = []
    for code in (plan.code, large.code):
        client.get(reverse("plan_review") + f"?plan={code}")  # the plan's settings, kept per process
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("plan_review") + f"?plan={code}&page=2").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
