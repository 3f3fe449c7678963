"""Synthetic plans: the real plan's shape at any size, with stored results the services
would have written, and roll-ups whose query count does not grow with the plan."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.synthetic import synthetic_plan_create
from indicators.models import Actual, Indicator, IndicatorKind, MeasureResult, Target
from indicators.plan_file import plan_export, plan_file_check, plan_load
from indicators.selectors import ROLLUP_LEVELS, rollup
from indicators.services import indicator_achievement_for, results_recompute, rules_for, target_update
from measures.models import Bureau, Field, MeasureSection, Pillar, PlanYear, ScheduleItem, Section, SubPillar

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthetic():
    return synthetic_plan_create(measures=200, code="synthetic-200", seed=7)


def test_a_synthetic_plan_has_the_real_plans_rules_and_period(synthetic):
    assert synthetic.fiscal_years == [2019, 2020, 2021, 2022]
    assert [y.fiscal_year for y in PlanYear.objects.filter(plan=synthetic)] == [2019, 2020, 2021, 2022]
    bands = [(b.code, b.min_rate) for b in synthetic.grade_bands.order_by("order")]
    assert bands == [("A", Decimal("1")), ("B", Decimal("0.8")), ("C", Decimal("0.5")), ("D", Decimal("0"))]
    judgements = [(j.label, j.min_share) for j in synthetic.judgements.order_by("order")]
    assert judgements == [
        ("順調", Decimal("1")),
        ("概ね順調", Decimal("0.6666")),
        ("やや遅れ", Decimal("0.5")),
        ("遅れ", Decimal("0")),
    ]


def test_a_synthetic_plan_has_the_asked_number_of_everything(synthetic):
    measures = synthetic.measures.all()
    assert measures.count() == 200
    assert Pillar.objects.filter(plan=synthetic).count() == 2
    assert SubPillar.objects.filter(pillar__plan=synthetic).count() == 17  # 50 fields, 3 a sub-pillar
    assert Field.objects.filter(subpillar__pillar__plan=synthetic).count() == 50  # 4 measures a field
    assert Section.objects.filter(measures__plan=synthetic).distinct().count() == 40  # 5 measures a section
    assert MeasureSection.objects.filter(measure__plan=synthetic, is_primary=True).count() == 200
    assert ScheduleItem.objects.filter(measure__plan=synthetic).count() == 400
    assert not ScheduleItem.objects.filter(measure__plan=synthetic, years=None).exists()
    assert Indicator.objects.filter(measure__plan=synthetic).count() == 600
    assert Target.objects.filter(indicator__measure__plan=synthetic).count() == 2400
    assert MeasureResult.objects.filter(measure__plan=synthetic).count() == 200 * 4
    assert len(set(measures.values_list("code", flat=True))) == 200


def test_every_kind_of_indicator_and_target_is_present(synthetic):
    indicators = Indicator.objects.filter(measure__plan=synthetic)
    assert set(indicators.values_list("kind", flat=True)) == set(IndicatorKind.values)
    assert set(indicators.filter(kind=IndicatorKind.UPPER_LIMIT).values_list("direction", flat=True)) == {"lower"}
    assert indicators.filter(cumulative=True).exists()
    assert indicators.filter(baseline__isnull=False).exists()
    targets = list(Target.objects.filter(indicator__measure__plan=synthetic))
    assert any(not t.is_set for t in targets)  # some years print "—"


def test_actuals_give_a_spread_of_grades_and_leave_r4_open(synthetic):
    actuals = Actual.objects.filter(indicator__measure__plan=synthetic)
    assert set(actuals.values_list("plan_year__fiscal_year", flat=True)) == {2019, 2020, 2021}
    assert not actuals.filter(raw_rate__isnull=True).exists()
    for year in (2020, 2021):
        results = MeasureResult.objects.filter(measure__plan=synthetic, plan_year__fiscal_year=year)
        assert set(results.values_list("grade", flat=True)) >= {"A", "B", "C", "D"}
    outcomes = Counter(MeasureResult.objects.filter(measure__plan=synthetic).values_list("outcome", flat=True))
    assert outcomes["graded"] and outcomes["unreported"]  # R4 is not reported yet


def test_stored_rates_are_those_the_services_compute(synthetic):
    rules = rules_for(synthetic)
    targets = {(t.indicator_id, t.plan_year_id): t for t in Target.objects.filter(indicator__measure__plan=synthetic)}
    for actual in Actual.objects.filter(indicator__measure__plan=synthetic).select_related("indicator")[:300]:
        expected = indicator_achievement_for(
            actual.indicator, targets.get((actual.indicator_id, actual.plan_year_id)), actual, rules
        )
        assert (actual.raw_rate, actual.capped_rate, actual.grade) == (
            expected.raw_rate,
            expected.capped_rate,
            expected.grade,
        )
    stored = set(MeasureResult.objects.filter(measure__plan=synthetic).values_list("measure", "plan_year", "rate"))
    MeasureResult.objects.filter(measure__plan=synthetic).delete()
    results_recompute(plan=synthetic)
    assert set(MeasureResult.objects.filter(measure__plan=synthetic).values_list("measure", "plan_year", "rate")) == (
        stored
    )


def _content(plan) -> tuple:
    document = plan_export(plan)
    actuals = sorted(
        Actual.objects.filter(indicator__measure__plan=plan).values_list(
            "indicator__measure__code", "indicator__order", "plan_year__fiscal_year", "value", "milestone_status"
        )
    )
    return document["pillars"], document["measures"], actuals


def test_the_same_seed_builds_the_same_plan_and_another_seed_another():
    first = synthetic_plan_create(measures=30, code="synthetic-a", seed=3)
    second = synthetic_plan_create(measures=30, code="synthetic-b", seed=3)
    third = synthetic_plan_create(measures=30, code="synthetic-c", seed=4)
    assert _content(first) == _content(second)
    assert _content(first) != _content(third)


def test_several_synthetic_plans_share_bureaus_and_sections():
    synthetic_plan_create(measures=50, code="synthetic-small")
    synthetic_plan_create(measures=100, code="synthetic-large")
    assert Bureau.objects.filter(name__startswith="局").count() == 7  # 20 sections, 3 a bureau
    assert Section.objects.filter(name__startswith="課").count() == 20


def test_without_actuals_every_result_waits_for_a_report_or_has_no_target():
    plan = synthetic_plan_create(measures=20, code="synthetic-empty", with_actuals=False)
    assert not Actual.objects.filter(indicator__measure__plan=plan).exists()
    outcomes = set(MeasureResult.objects.filter(measure__plan=plan).values_list("outcome", flat=True))
    assert outcomes <= {"unreported", "no_target"}
    assert MeasureResult.objects.filter(measure__plan=plan).count() == 80


def test_a_synthetic_plan_is_a_valid_plan_file_that_reloads_without_change():
    plan = synthetic_plan_create(measures=30, code="synthetic-file")
    document = plan_export(plan)
    plan_file_check(document, source="synthetic")
    before = _content(plan)
    plan_load(document, source="synthetic")
    assert _content(plan) == before


def test_every_roll_up_costs_the_same_queries_for_the_real_plan_and_ten_times_its_size(plan):
    large = synthetic_plan_create(measures=10 * plan.measures.count(), code="synthetic-10x")
    counts = {}
    for level in ROLLUP_LEVELS:
        for each in (plan, large):
            with CaptureQueriesContext(connection) as queries:
                assert rollup(plan=each, fiscal_year=2021, level=level)
            counts.setdefault(level, []).append(len(queries))
    assert {level: real for level, (real, _large) in counts.items()} == {
        level: large for level, (_real, large) in counts.items()
    }


def test_recomputing_writes_changed_rates_and_empties_those_without_a_target(plan):
    """The bulk write of recomputed rates, on both databases: changed values and NULLs."""
    synthetic = synthetic_plan_create(measures=20, code="synthetic-recompute")
    actual = (
        Actual.objects.filter(indicator__measure__plan=synthetic, indicator__kind="count", value__gt=0)
        .order_by("pk")
        .first()
    )
    target = Target.objects.get(indicator=actual.indicator, plan_year=actual.plan_year)
    before = actual.raw_rate

    target_update(target=target, text=target.text, value=target.value * 2)
    actual.refresh_from_db()
    assert actual.raw_rate != before and actual.raw_rate is not None

    target_update(target=target, text="—", value=None)
    actual.refresh_from_db()
    assert (actual.raw_rate, actual.capped_rate, actual.grade) == (None, None, "")
    result = MeasureResult.objects.get(measure=actual.indicator.measure, plan_year=actual.plan_year)
    assert result.indicators_with_target == sum(
        t.is_set for t in Target.objects.filter(indicator__measure=result.measure, plan_year=result.plan_year)
    )
