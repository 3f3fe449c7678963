"""Which year a page shows when the address names none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.selectors import chosen_fiscal_year, default_fiscal_year
from indicators.services import actual_record
from measures.models import Measure, PlanYear

pytestmark = pytest.mark.django_db


def test_pages_open_on_the_latest_year_with_a_reported_actual(plan):
    assert default_fiscal_year(plan) == 2019  # nothing reported: the first plan year
    indicator = Measure.objects.get(code="I-①-イ-02").indicators.order_by("order").first()
    for year in (2020, 2019):
        plan_year = PlanYear.objects.get(plan=plan, fiscal_year=year)
        actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(5), user=None)
    assert default_fiscal_year(plan) == 2020
    assert chosen_fiscal_year(plan, None) == 2020
    assert chosen_fiscal_year(plan, "2022") == 2022
    assert chosen_fiscal_year(plan, "2031") == 2020


def test_bands_and_judgements_come_in_the_plans_order_from_one_query_then_from_the_cache(
    plan, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.cache import data_changed
    from indicators.selectors import _rollup_rules
    from measures.models import GradeBand, Plan, ProgressJudgement
    from measures.selectors import plans_with_version

    GradeBand.objects.filter(plan=plan, code="A").update(order=99)  # A now last
    ProgressJudgement.objects.filter(plan=plan, label="遅れ").update(order=0)  # 遅れ now first
    fresh = Plan.objects.get(pk=plan.pk)
    with CaptureQueriesContext(connection) as queries:
        bands, judgements = _rollup_rules(fresh)
    assert [q["sql"].count("UNION ALL") for q in queries if "measures_gradeband" in q["sql"]] == [1]
    assert [b.code for b in bands] == ["B", "C", "D", "A"]
    assert [label for label, _share in judgements] == ["遅れ", "順調", "概ね順調", "やや遅れ"]
    assert judgements[2][1] == Decimal("0.6666")
    # A plan read with its data version (as a request reads it) takes them from the cache.
    data_changed()
    with django_capture_on_commit_callbacks(execute=True):
        _rollup_rules(plans_with_version().get(pk=plan.pk))
    with CaptureQueriesContext(connection) as queries:
        assert _rollup_rules(plans_with_version().get(pk=plan.pk)) == (bands, judgements)
    assert len(queries) == 1  # the plan row only


def test_the_plans_results_for_a_year_equal_the_measure_pages_also_for_indicators_without_an_actual(plan):
    """indicator_results_for_year reads plain values for the indicators without a graded
    actual: each is still 対象外 or 未報告 exactly as the measure page tells it from the rows."""
    from indicators.models import Target
    from indicators.selectors import indicator_results_for_year, measure_achievement_table

    year = 2020
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=year)
    reported = Measure.objects.get(code="I-①-イ-02").indicators.order_by("order").first()
    actual_record(indicator=reported, plan_year=plan_year, value=Decimal(5), user=None)
    no_target = Target.objects.filter(plan_year=plan_year).exclude(indicator=reported).first()
    no_target.value, no_target.text = None, "—"
    no_target.save()
    results = indicator_results_for_year(plan=plan, fiscal_year=year)
    outcomes = set()
    for measure in plan.measures.all():
        table, _measure_results = measure_achievement_table(measure)
        for row in table:
            page = next(cell.result for cell in row.years if cell.plan_year.fiscal_year == year)
            assert results[row.indicator.pk] == page
            outcomes.add(page.outcome)
    assert results[no_target.indicator_id].outcome == "no_target"
    assert {"graded", "no_target", "unreported"} <= outcomes
