"""The basis of a figure (承認済のみ / 提出済以上 / 入力済すべて): a report's status moves its
measure's figures onto and off each basis, and the stored roll-ups equal a hand-written query."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import connection

from indicators.basis import Basis, counts_on, reached_on, result_on_basis
from indicators.group_results import group_results_rebuild
from indicators.models import MeasureResult
from indicators.selectors import indicator_results_for_year, measure_results_for_year, rollup
from measures.models import PlanYear
from pdca.models import Role, SubmissionStatus
from pdca.selectors import chosen_basis
from pdca.services import (
    Entry,
    IndicatorEntry,
    ProgressEntry,
    entry_save,
    report_bases_sync,
    submission_approve,
    submission_for,
    submission_reopen,
    submission_return,
)
from tests.conftest import make_user, measure
from tests.indicators.test_group_results import _computed, _stored

pytestmark = pytest.mark.django_db

YEAR = 2022
# 国際文化観光局 観光企画課: one page-view count, 600,000 in R4 (the issue's example).
CODE = "I-①-イ-01"


def _report(user, code: str, value: Decimal, *, submit: bool):
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR)
    submission = submission_for(m, plan_year)
    entry = Entry(
        indicators=[
            IndicatorEntry(i, milestone_status="achieved", description="実施した。")
            if i.is_milestone
            else IndicatorEntry(i, value)
            for i in m.indicators.all()
        ],
        progress=[ProgressEntry(item, "done") for item in m.schedule_items.filter(years=plan_year)],
        achievements_text="実施した。",
        self_assessment="on_track",
        issues_text="なし。",
        next_steps_text="継続する。",
    )
    result = entry_save(
        user=user, measure=m, plan_year=plan_year, entry=entry, expected_version=submission.version, submit=submit
    )
    assert result.submitted == submit, result.gaps
    return result.submission


def _plan_rollups(plan) -> dict[str, object]:
    return {basis: rollup(plan=plan, fiscal_year=YEAR, level="plan", basis=basis)[None] for basis in Basis.values}


def test_bases_are_ordered_widest_first():
    assert reached_on(Basis.ENTERED) == ["approved", "submitted", "entered"]
    assert reached_on(Basis.SUBMITTED) == ["approved", "submitted"]
    assert reached_on(Basis.APPROVED) == ["approved"]
    assert counts_on("approved", "entered") and not counts_on("submitted", "approved")


def test_a_draft_counts_only_on_entered_and_moves_with_submit_approve_return_and_reopen(plan):
    hq = make_user("b-hq", Role.HQ)
    before = _plan_rollups(plan)
    submission = _report(hq, CODE, Decimal(2000), submit=False)

    after = _plan_rollups(plan)
    assert after["entered"].graded == before["entered"].graded + 1
    for basis in ("submitted", "approved"):
        assert after[basis].graded == before[basis].graded
        assert after[basis].left_out == before[basis].left_out + 1
        assert after[basis].unreported == after["entered"].unreported + after[basis].left_out
    result = measure_results_for_year(plan=plan, fiscal_year=YEAR, basis=Basis.SUBMITTED)[submission.measure_id]
    assert result.outcome == MeasureResult.Outcome.UNREPORTED and result.rate is None and result.left_out

    submission = _report(hq, CODE, Decimal(2000), submit=True)
    assert submission.status == SubmissionStatus.SUBMITTED
    moved = _plan_rollups(plan)
    assert moved["submitted"].graded == before["submitted"].graded + 1
    assert moved["approved"].left_out == before["approved"].left_out + 1

    submission = submission_approve(submission=submission, reviewer=hq)
    assert _plan_rollups(plan)["approved"].graded == before["approved"].graded + 1
    assert _stored(plan) == _computed(plan)

    submission = submission_reopen(submission=submission, reviewer=hq, reason="数値の確認")
    assert [r.graded for r in _plan_rollups(plan).values()] == [r.graded for r in before.values()][:2] + [
        after["entered"].graded
    ]
    submission = _report(hq, CODE, Decimal(2000), submit=True)
    submission_return(submission=submission, reviewer=hq, comment="根拠資料を添えてください。")
    returned = _plan_rollups(plan)
    assert returned["submitted"].graded == before["submitted"].graded
    assert returned["entered"].graded == after["entered"].graded

    incremental = _stored(plan)
    assert incremental == _computed(plan)
    group_results_rebuild(plan)
    assert _stored(plan) == incremental


def _by_hand(plan, basis: str) -> tuple[int, Decimal | None, int]:
    """The plan's graded count, mean rate and left-out count in YEAR on `basis`, written as
    plain SQL over the results and the reports (independent of the stored roll-ups)."""
    statuses = {
        "approved": ["approved"],
        "submitted": ["submitted", "approved"],
        "entered": [s for s in SubmissionStatus.values],
    }[basis]
    marks = ", ".join(["%s"] * len(statuses))
    sql = f"""
        SELECT r.rate, COALESCE(s.status, 'not_started') IN ({marks})
        FROM indicators_measureresult r
        JOIN measures_planyear y ON y.id = r.plan_year_id
        LEFT JOIN pdca_submission s ON s.measure_id = r.measure_id AND s.plan_year_id = r.plan_year_id
        WHERE y.plan_id = %s AND y.fiscal_year = %s AND r.outcome = 'graded'
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*statuses, plan.pk, YEAR])
        rows = cursor.fetchall()
    counted = [Decimal(str(rate)) for rate, counts in rows if counts]
    left_out = sum(1 for _rate, counts in rows if not counts)
    mean = (sum(counted) / len(counted)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) if counted else None
    return len(counted), mean, left_out


def test_stored_roll_ups_equal_a_hand_written_query_on_every_basis(plan, client_for, personas):
    hq = make_user("b-hq2", Role.HQ)
    draft = _report(hq, CODE, Decimal(2000), submit=False)
    submitted = _report(hq, "II-④-ア-01", Decimal(70), submit=True)
    approved = submission_approve(submission=_report(hq, "I-①-ア-01", Decimal(5), submit=True), reviewer=hq)
    assert {draft.status, submitted.status, approved.status} == {"draft", "submitted", "approved"}
    for basis in Basis.values:
        stored = rollup(plan=plan, fiscal_year=YEAR, level="plan", basis=basis)[None]
        graded, mean, left_out = _by_hand(plan, basis)
        assert (stored.graded, stored.mean_rate, stored.left_out) == (graded, mean, left_out), basis
    # Indicator figures follow the same basis: the draft's indicator is 未報告 on 提出済以上.
    indicator = measure(CODE).indicators.order_by("order").first()
    entered = indicator_results_for_year(plan=plan, fiscal_year=YEAR, basis=Basis.ENTERED)[indicator.pk]
    submitted_view = indicator_results_for_year(plan=plan, fiscal_year=YEAR, basis=Basis.SUBMITTED)[indicator.pk]
    assert entered.grade and not submitted_view.grade


def test_a_bulk_sync_matches_the_reports(plan):
    hq = make_user("b-hq3", Role.HQ)
    submission = _report(hq, CODE, Decimal(2000), submit=True)
    MeasureResult.objects.filter(measure_id=submission.measure_id).update(basis_reached="entered")
    report_bases_sync(plan=plan)
    row = MeasureResult.objects.get(measure_id=submission.measure_id, plan_year=submission.plan_year)
    assert row.basis_reached == "submitted"
    assert _stored(plan) == _computed(plan)


def test_result_on_basis_keeps_no_target_and_unreported_as_they_are(plan):
    row = MeasureResult(outcome=MeasureResult.Outcome.NO_TARGET, basis_reached="entered")
    assert result_on_basis(row, Basis.APPROVED) is row and not row.left_out
    assert result_on_basis(None, Basis.APPROVED) is None


def test_only_headquarters_may_choose_the_basis(personas):
    assert chosen_basis(personas["hq"], "entered") == Basis.ENTERED
    assert chosen_basis(personas["hq"], "nonsense") == Basis.SUBMITTED
    for name in ("viewer", "staff", "other_staff"):
        assert chosen_basis(personas[name], "entered") == Basis.SUBMITTED
    from django.contrib.auth.models import AnonymousUser

    assert chosen_basis(AnonymousUser(), "approved") == Basis.SUBMITTED


def test_an_unsubmitted_draft_does_not_move_the_viewers_dashboard(plan, client_for, personas):
    """The issue's case: a clerk's draft of 2,000 page views (target 600,000) in R4."""
    from django.urls import reverse

    from core.numbers import format_rate

    url = reverse("dashboard") + f"?year={YEAR}"
    before = client_for("viewer").get(url).content.decode()
    _report(personas["hq"], CODE, Decimal(2000), submit=False)
    viewer = client_for("viewer").get(url).content.decode()
    assert "集計基準：提出済以上" in viewer
    assert "報告がこの基準に達していない 1 施策の実績は集計から除き" in viewer
    draft_rate = rollup(plan=plan, fiscal_year=YEAR, level="plan", basis=Basis.ENTERED)[None].mean_rate
    shown = f'<span class="figure">{format_rate(draft_rate)}</span>'
    assert draft_rate is not None and shown not in viewer
    assert '<span class="figure">—</span><span class="caption">平均達成率' in viewer
    # A viewer cannot switch the basis; headquarters can, and then sees the draft.
    assert shown not in client_for("viewer").get(url + "&basis=entered").content.decode()
    assert 'name="basis"' not in viewer and 'name="basis"' in client_for("hq").get(url).content.decode()
    hq_entered = client_for("hq").get(url + "&basis=entered").content.decode()
    assert "集計基準：入力済すべて" in hq_entered and shown in hq_entered
    assert before.count("未報告") <= viewer.count("未報告")


def test_the_dashboard_shows_the_hand_written_figure_on_every_basis(plan, client_for, personas):
    from django.urls import reverse

    from core.numbers import format_rate

    hq = personas["hq"]
    _report(hq, CODE, Decimal(2000), submit=False)
    _report(hq, "II-④-ア-01", Decimal(70), submit=True)
    submission_approve(submission=_report(hq, "I-①-ア-01", Decimal(5), submit=True), reviewer=hq)
    client = client_for("hq")
    for basis in Basis.values:
        page = client.get(reverse("dashboard") + f"?year={YEAR}&basis={basis}").content.decode()
        graded, mean, left_out = _by_hand(plan, basis)
        headline = page.split('<ul class="headline">', 1)[1].split("</ul>", 1)[0]
        assert f'<span class="figure">{format_rate(mean)}</span>' in headline, basis
        if left_out:
            assert f"うち基準外 {left_out}。" in headline, basis
