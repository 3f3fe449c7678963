"""The achievement arithmetic, against hand-computed tables and properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.achievement import (
    Achievement,
    Band,
    Outcome,
    Rules,
    grade_for,
    indicator_achievement,
    judgement_for,
    measure_achievement,
    numeric_rate,
)

RULES = Rules(
    bands=[
        Band("A", "達成", D("1")),
        Band("B", "概ね達成", D("0.8")),
        Band("C", "一部未達成", D("0.5")),
        Band("D", "未達成", D("0")),
    ],
    rollup_cap=D("1"),
    milestone_rates={"achieved": D("1"), "partial": D("0.5"), "not_achieved": D("0")},
)
JUDGEMENTS = [("順調", D("1")), ("概ね順調", D("0.6666")), ("やや遅れ", D("0.5")), ("遅れ", D("0"))]


def numeric(target, actual, *, lower=False, baseline=None, has_target=True):
    return indicator_achievement(
        has_target=has_target,
        target_value=None if target is None else D(target),
        is_milestone=False,
        lower_is_better=lower,
        baseline=None if baseline is None else D(baseline),
        actual_value=None if actual is None else D(actual),
        milestone_status=None,
        rules=RULES,
    )


def milestone(status):
    return indicator_achievement(
        has_target=True,
        target_value=None,
        is_milestone=True,
        lower_is_better=False,
        baseline=None,
        actual_value=None,
        milestone_status=status,
        rules=RULES,
    )


@pytest.mark.parametrize(
    ("target", "actual", "lower", "baseline", "raw", "capped", "grade"),
    [
        # count, higher is better: 研修会 20 回
        ("20", "20", False, None, "1.0000", "1.0000", "A"),
        ("20", "17", False, None, "0.8500", "0.8500", "B"),
        ("20", "10", False, None, "0.5000", "0.5000", "C"),
        ("20", "9", False, None, "0.4500", "0.4500", "D"),
        ("20", "30", False, None, "1.5000", "1.0000", "A"),  # over-achievement: raw 150%, capped 100%
        # cumulative count: running total 45,000 against the cumulative target 50,000
        ("50000", "45000", False, None, "0.9000", "0.9000", "B"),
        # percentage: GPS 80% target, 72% actual
        ("80", "72", False, None, "0.9000", "0.9000", "B"),
        # upper limit 0 (悪意のある書き込み件数)
        ("0", "0", True, None, "1.0000", "1.0000", "A"),
        ("0", "3", True, None, "0.0000", "0.0000", "D"),
        # upper limit 10: 8 is fine, 20 is half
        ("10", "8", True, None, "1.0000", "1.0000", "A"),
        ("10", "20", True, None, "0.5000", "0.5000", "C"),
        # reduction with a baseline: from 100 to target 50, reached 60 → (100−60)/(100−50)
        ("50", "60", True, "100", "0.8000", "0.8000", "B"),
        # worse than the baseline is 0, never negative
        ("50", "120", True, "100", "0.0000", "0.0000", "D"),
        # a zero target on a higher-is-better count is met by anything
        ("0", "0", False, None, "1.0000", "1.0000", "A"),
    ],
)
def test_numeric_indicators_by_hand(target, actual, lower, baseline, raw, capped, grade):
    result = numeric(target, actual, lower=lower, baseline=baseline)
    assert result == Achievement(Outcome.GRADED, D(raw), D(capped), grade)


@pytest.mark.parametrize(
    ("status", "rate", "grade"), [("achieved", "1", "A"), ("partial", "0.5", "C"), ("not_achieved", "0", "D")]
)
def test_milestones_take_the_plan_rates(status, rate, grade):
    result = milestone(status)
    assert (result.raw_rate, result.grade) == (D(rate).quantize(D("0.0001")), grade)


def test_a_year_without_a_target_is_out_of_scope_even_with_an_actual():
    assert numeric(None, "5", has_target=False).outcome is Outcome.NO_TARGET
    assert numeric(None, "5", has_target=False).label == "対象外"


def test_a_target_without_an_actual_is_unreported():
    assert numeric("20", None).outcome is Outcome.UNREPORTED
    assert milestone("").label == "未報告"


def test_a_measure_is_the_mean_of_its_capped_indicator_rates():
    over = numeric("20", "30")  # raw 1.5, capped 1.0
    half = numeric("20", "10")  # 0.5
    result = measure_achievement([over, half], RULES)
    assert (result.raw_rate, result.grade) == (D("0.7500"), "C")


def test_a_measure_ignores_out_of_scope_indicators_and_reports_missing_ones():
    assert measure_achievement([numeric(None, None, has_target=False)], RULES).outcome is Outcome.NO_TARGET
    assert measure_achievement([numeric("5", None)], RULES).outcome is Outcome.UNREPORTED
    partly = measure_achievement([numeric("5", None), numeric("10", "9")], RULES)
    assert (partly.outcome, partly.raw_rate) == (Outcome.GRADED, D("0.9000"))


def test_grade_boundaries_belong_to_the_higher_grade():
    assert grade_for(D("0.8"), RULES.bands) == "B"
    assert grade_for(D("0.7999"), RULES.bands) == "C"


@pytest.mark.parametrize(
    ("met", "graded", "label"),
    [(3, 3, "順調"), (2, 3, "概ね順調"), (1, 2, "やや遅れ"), (1, 3, "遅れ"), (0, 0, None)],
)
def test_judgement_by_count(met, graded, label):
    assert judgement_for(met, graded, JUDGEMENTS) == label


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(target=amounts, actual=amounts, lower=st.booleans(), baseline=st.none() | amounts)
def test_rates_are_never_negative_and_never_divide_by_zero(target, actual, lower, baseline):
    rate = numeric_rate(actual=actual, target=target, lower_is_better=lower, baseline=baseline)
    assert rate >= 0


@given(target=amounts.filter(lambda v: v > 0), actual=amounts)
def test_higher_is_better_rates_grow_with_the_actual(target, actual):
    low = numeric_rate(actual=actual, target=target, lower_is_better=False)
    high = numeric_rate(actual=actual + 1, target=target, lower_is_better=False)
    assert high >= low


@given(target=amounts, actual=amounts)
def test_upper_limits_are_met_exactly_when_the_actual_stays_under(target, actual):
    rate = numeric_rate(actual=actual, target=target, lower_is_better=True)
    assert (rate == 1) == (actual <= target) or (target == 0 and actual > 0 and rate == 0)


@given(target=amounts.filter(lambda v: v > 0), actual=amounts, lower=st.booleans())
def test_a_stored_rate_reaches_a_grade_exactly_when_the_exact_rate_does(target, actual, lower):
    bands = RULES.bands
    rate = numeric_rate(actual=actual, target=target, lower_is_better=lower)
    if lower:
        exact = D(1) if actual <= target else target / actual
    else:
        exact = actual / target
    assert grade_for(rate, bands) == next((b.code for b in bands if exact >= b.min_rate), bands[-1].code)


def test_a_rate_a_hair_under_a_band_is_not_rounded_into_it():
    assert numeric_rate(actual=D("199.99"), target=D("200"), lower_is_better=False) == D("0.9999")
    assert numeric_rate(actual=D("200.00"), target=D("199.99"), lower_is_better=True) == D("0.9999")
    assert grade_for(D("0.9999"), RULES.bands) == "B"


@given(rates=st.lists(amounts, min_size=1, max_size=6))
def test_capped_rates_never_exceed_the_cap(rates):
    results = [numeric("100", str(r)) for r in rates]
    assert all(r.capped_rate <= 1 for r in results)
    assert measure_achievement(results, RULES).raw_rate <= 1


@pytest.mark.django_db
def test_the_real_plans_judgement_calls_two_of_three_mostly_on_track(plan):
    judgements = [(j.label, j.min_share) for j in plan.judgements.order_by("order")]
    assert judgement_for(2, 3, judgements) == "概ね順調"
    assert judgement_for(1, 2, judgements) == "やや遅れ"
    assert judgement_for(5, 11, judgements) == "遅れ"
