"""The inspection report as a page: who may see it, what it shows (approved reports only),
several plans in one report, the plan-period edition, and the header's plan switcher.
The PDF itself is read back in test_report_pdf.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.basis import Basis
from indicators.models import GroupResult, Indicator, MeasureResult, Target
from indicators.selectors import rollup
from measures.models import Measure, Plan
from pdca import plan_review
from pdca.report.selectors import report_part
from pdca.services import final_review_decide, final_review_save
from tests.pdca.reporting import STRATEGY_CODE, report_enter, strategy_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(plan) -> Plan:
    return strategy_load()


def html_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"format": "html", **params}.items())
    return f"{reverse('report')}?{query}"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 403), ("other_staff", 403), ("hq", 200), ("viewer", 200), ("anonymous", 302)],
)
def test_headquarters_and_viewers_read_the_report_and_no_one_else(client_for, plan, persona, status):
    response = client_for(persona).get(html_url(year=2021))
    assert response.status_code == status
    if persona == "anonymous":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 403), ("other_staff", 403), ("viewer", 403), ("anonymous", 302)]
)
def test_only_headquarters_publishes_an_edition(client_for, plan, persona, status):
    response = client_for(persona).post(reverse("report_publish"), {"year": 2021})
    assert response.status_code == status
    assert not plan.report_editions.exists()


@pytest.mark.parametrize("persona", ["staff", "other_staff"])
def test_staff_cannot_fetch_the_pdf_either(client_for, plan, persona):
    assert client_for(persona).get(reverse("report") + "?year=2021").status_code == 403


def test_a_year_outside_the_plan_is_refused_with_a_clear_message(client_for, plan):
    response = client_for("hq").get(html_url(year=1999))
    assert response.status_code == 400
    assert "1999 は計画期間（令和元年度〜令和4年度）の年度ではありません。" in response.content.decode()


def test_an_unknown_plan_to_include_is_refused_with_a_clear_message(client_for, plan):
    response = client_for("viewer").get(html_url(year=2021, also="no-such-plan"))
    assert response.status_code == 400
    assert "計画「no-such-plan」はありません。" in response.content.decode()


def test_only_approved_reports_reach_the_document(client_for, plan, strategy, personas):
    staff, hq = personas["staff"], personas["hq"]
    online, open_data = (strategy.measures.get(code=code) for code in ("S1-①-ア-01", "S1-②-ア-01"))
    report_enter(
        online, 2021, staff, values={"オンライン化した手続数（累計）": 120}, approve_by=hq, texts="承認された記述"
    )
    report_enter(open_data, 2021, staff, values={"公開データセット数": 10}, texts="承認前の記述")
    page = client_for("viewer").get(html_url(plan=STRATEGY_CODE, year=2021)).content.decode()
    assert "承認された記述（実績）" in page
    assert "承認前の記述" not in page
    part = report_part(plan=strategy, fiscal_year=2021)
    by_code = {m.code: m for m in part.measures}
    assert by_code["S1-①-ア-01"].result.grade == "A"
    assert by_code["S1-②-ア-01"].result.label == "未報告"  # submitted, not approved
    assert by_code["S1-②-ア-01"].indicators[0].years[-1].actual == "—"
    assert part.total.grade_counts["A"] == 1
    assert part.total.unreported == 2
    assert part.approved == 1


def test_the_roll_ups_match_a_hand_written_query_on_the_approved_basis(plan, strategy, personas):
    staff, hq = personas["staff"], personas["hq"]
    online, open_data = (strategy.measures.get(code=code) for code in ("S1-①-ア-01", "S1-②-ア-01"))
    report_enter(online, 2021, staff, values={"オンライン化した手続数（累計）": 90}, approve_by=hq)
    report_enter(open_data, 2021, staff, values={"公開データセット数": 20}, approve_by=hq)
    part = report_part(plan=strategy, fiscal_year=2021)
    approved = MeasureResult.objects.filter(
        plan_year__plan=strategy,
        plan_year__fiscal_year=2021,
        outcome="graded",
        measure__submissions__plan_year__fiscal_year=2021,
        measure__submissions__status="approved",
    )
    rates = list(approved.values_list("rate", flat=True))
    assert part.total.graded == len(rates) == 2
    assert part.total.mean_rate == (sum(rates) / len(rates)).quantize(Decimal("0.0001"))
    # The selectors' roll-up on the same basis, as the dashboard and the workbook read it.
    stored = rollup(plan=strategy, fiscal_year=2021, level="plan", basis=Basis.APPROVED)[None]
    assert (stored.mean_rate, stored.grade_counts, stored.unreported) == (
        part.total.mean_rate,
        part.total.grade_counts,
        part.total.unreported,
    )


def test_a_report_covers_several_plans_each_in_its_own_part(client_for, plan, strategy):
    page = client_for("hq").get(html_url(plan=plan.code, year=2021, also=STRATEGY_CODE)).content.decode()
    assert "全体の概要（複数計画）" in page
    assert f'id="plan-{plan.code}"' in page
    assert f'id="plan-{STRATEGY_CODE}"' in page
    for code in ("I-①-ア-01", "II-④-イ-01", "S1-②-ア-02"):
        assert code in page


def test_a_plan_whose_period_misses_the_year_cannot_be_included(client_for, plan, strategy):
    response = client_for("hq").get(html_url(plan=plan.code, year=2019, also=STRATEGY_CODE))
    assert response.status_code == 400
    assert (
        f"{STRATEGY_CODE} は令和元年度 (2019)が計画期間に含まれないため、掲載できません。" in response.content.decode()
    )


def test_loading_a_second_plan_leaves_the_first_untouched(plan):
    def snapshot():
        first = Plan.objects.get(pk=plan.pk)
        return {
            "plan": (first.name, first.first_fiscal_year, first.last_fiscal_year),
            "settings": first.settings,
            "measures": list(Measure.objects.filter(plan=plan).order_by("pk").values_list()),
            "indicators": list(Indicator.objects.filter(measure__plan=plan).order_by("pk").values_list()),
            "targets": list(Target.objects.filter(indicator__measure__plan=plan).order_by("pk").values_list()),
            "results": list(MeasureResult.objects.filter(plan_year__plan=plan).order_by("pk").values_list()),
            "rollups": list(GroupResult.objects.filter(plan_year__plan=plan).order_by("pk").values_list()),
        }

    before = snapshot()
    strategy = strategy_load()
    assert snapshot() == before
    assert strategy.measures.count() == 3
    assert Plan.objects.count() == 2


def test_every_page_can_switch_plans_from_the_header_without_script(client_for, plan, strategy):
    client = client_for("staff")
    page = client.get(reverse("measure_list") + f"?plan={plan.code}").content.decode()
    assert 'class="plan-switcher"' in page
    assert f'<option value="{STRATEGY_CODE}">' in page
    switched = client.get(reverse("measure_list") + f"?plan={STRATEGY_CODE}").content.decode()
    assert "S1-②-ア-02" in switched
    # The session remembers the choice on the next page.
    assert "かながわICT・データ利活用推進戦略" in client.get(reverse("dashboard")).content.decode()


def test_one_plan_alone_shows_no_switcher(client_for, plan):
    assert 'class="plan-switcher"' not in client_for("hq").get(reverse("dashboard")).content.decode()


def test_the_plan_period_edition_judges_each_measure_on_its_target_year(plan, strategy, personas):
    staff, hq = personas["staff"], personas["hq"]
    online, open_data, guideline = (
        strategy.measures.get(code=code) for code in ("S1-①-ア-01", "S1-②-ア-01", "S1-②-ア-02")
    )
    report_enter(online, 2021, staff, values={"オンライン化した手続数（累計）": 100}, approve_by=hq)
    report_enter(online, 2022, staff, values={"オンライン化した手続数（累計）": 210}, approve_by=hq)
    report_enter(open_data, 2022, staff, values={"公開データセット数": 50}, approve_by=hq)  # 62.5%: C
    report_enter(guideline, 2021, personas["hq"], approve_by=hq)  # 達成年度 R3, achieved then
    part = report_part(plan=strategy, fiscal_year=2022)
    assert part.is_period_review
    finals = {m.code: m for m in part.measures}
    assert finals["S1-①-ア-01"].final_outcome == plan_review.ACHIEVED
    assert finals["S1-②-ア-01"].final_outcome == plan_review.PARTLY
    assert finals["S1-②-ア-02"].final.fiscal_year == 2021
    assert finals["S1-②-ア-02"].final_outcome == plan_review.ACHIEVED
    assert finals["S1-①-ア-01"].indicators[0].final.target == "200"
    assert part.final_counts == {"achieved": 2, "partly": 1, "not_achieved": 0, "unreported": 0, "no_target": 0}
    # The same rule and counts as the review page on the approved basis.
    assert part.final_counts == plan_review.summary(strategy, Basis.APPROVED).plan.counts
    assert not report_part(plan=strategy, fiscal_year=2021).is_period_review


def test_the_plan_period_edition_prints_the_approved_final_evaluation_only(client_for, plan, strategy, personas):
    hq = personas["hq"]
    online, open_data = (strategy.measures.get(code=code) for code in ("S1-①-ア-01", "S1-②-ア-01"))
    approved = final_review_save(
        user=hq, measure=online, text="4年間で目標を上回った。", expected_version=0, submit=True
    )
    final_review_decide(review=approved, reviewer=hq, approve=True)
    final_review_save(user=hq, measure=open_data, text="提出中の総括評価。", expected_version=0, submit=True)
    finals = {m.code: m for m in report_part(plan=strategy, fiscal_year=2022).measures}
    assert finals["S1-①-ア-01"].final_text == "4年間で目標を上回った。"
    assert finals["S1-②-ア-01"].final_text == ""
    page = client_for("hq").get(html_url(plan=STRATEGY_CODE, year=2022)).content.decode()
    assert "4年間で目標を上回った。" in page
    assert "提出中の総括評価。" not in page
    assert "（承認済の総括評価はありません）" in page
