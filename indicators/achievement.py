"""Achievement arithmetic: pure functions, no database, no request.

Every rate and grade the product shows comes from here (through the stored values that
`indicators.services` writes with these functions), so the measure page, the dashboard
and the workbook cannot disagree.

Rules (docs/achievement.md):
- higher is better: actual ÷ target (a cumulative indicator's actual is the running
  total, compared with the cumulative target of that year);
- lower is better (upper limits): 100% when actual ≤ target, else target ÷ actual
  (0 when the target is 0); with a baseline, (baseline − actual) ÷ (baseline − target);
- milestones: the plan's rate for 達成 / 一部達成 / 未達成;
- the raw rate is kept as is (150% is fine); roll-ups use it capped at the plan's cap;
- the grade is the first band whose lower bound the raw rate reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy

RATE_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")


class Outcome(StrEnum):
    GRADED = "graded"
    NO_TARGET = "no_target"  # 対象外
    UNREPORTED = "unreported"  # 未報告


OUTCOME_LABELS = {Outcome.NO_TARGET: gettext_lazy("対象外"), Outcome.UNREPORTED: gettext_lazy("未報告")}


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min_rate: Decimal


@dataclass(frozen=True)
class Rules:
    """A plan's grading rules, as data."""

    bands: Sequence[Band]  # best first, the last with min_rate 0
    rollup_cap: Decimal = ONE
    milestone_rates: dict[str, Decimal] | None = None

    def milestone_rate(self, status: str) -> Decimal:
        rates = self.milestone_rates or {"achieved": ONE, "partial": Decimal("0.5"), "not_achieved": ZERO}
        return rates[status]


@dataclass(frozen=True)
class Achievement:
    outcome: Outcome
    raw_rate: Decimal | None = None
    capped_rate: Decimal | None = None
    grade: str | None = None

    @property
    def label(self) -> str:
        return self.grade or str(OUTCOME_LABELS[self.outcome])


def quantize_rate(rate: Decimal) -> Decimal:
    """A (non-negative) rate to the four decimal places it is stored with, cut rather than
    rounded. Grade bands and judgement bounds have at most four places, so a cut rate reaches
    a bound exactly when the exact rate does; rounded, 99.995% would read as 100% and grade a
    missed target 達成. Pages round half up to 0.1% from these four places, which gives the
    same figure as rounding the exact rate."""
    return rate.quantize(RATE_PLACES, rounding=ROUND_DOWN)


def numeric_rate(
    *, actual: Decimal, target: Decimal, lower_is_better: bool, baseline: Decimal | None = None
) -> Decimal:
    """The raw achievement rate of a numeric indicator; never divides by zero, never negative."""
    if lower_is_better:
        if baseline is not None and baseline != target:
            rate = (baseline - actual) / (baseline - target)
        elif actual <= target:
            rate = ONE
        elif target == 0:
            rate = ZERO
        else:
            rate = target / actual
    elif target == 0:
        rate = ONE if actual >= 0 else ZERO
    else:
        rate = actual / target
    return quantize_rate(max(rate, ZERO))


def grade_for(rate: Decimal, bands: Sequence[Band]) -> str:
    for band in bands:
        if rate >= band.min_rate:
            return band.code
    return bands[-1].code


def indicator_achievement(
    *,
    has_target: bool,
    target_value: Decimal | None,
    is_milestone: bool,
    lower_is_better: bool,
    baseline: Decimal | None,
    actual_value: Decimal | None,
    milestone_status: str | None,
    rules: Rules,
) -> Achievement:
    """Achievement of one indicator in one year."""
    if not has_target:
        return Achievement(Outcome.NO_TARGET)
    if is_milestone:
        if not milestone_status:
            return Achievement(Outcome.UNREPORTED)
        raw = quantize_rate(rules.milestone_rate(milestone_status))
    else:
        if actual_value is None or target_value is None:
            return Achievement(Outcome.UNREPORTED)
        raw = numeric_rate(actual=actual_value, target=target_value, lower_is_better=lower_is_better, baseline=baseline)
    return Achievement(Outcome.GRADED, raw, min(raw, rules.rollup_cap), grade_for(raw, rules.bands))


def measure_achievement(indicators: Iterable[Achievement], rules: Rules) -> Achievement:
    """A measure's achievement in a year: the mean of its indicators' capped rates.

    対象外 when no indicator has a target that year; 未報告 when targets exist but no
    indicator has been reported; otherwise graded on the reported ones.
    """
    results = list(indicators)
    targeted = [a for a in results if a.outcome is not Outcome.NO_TARGET]
    if not targeted:
        return Achievement(Outcome.NO_TARGET)
    graded = [a.capped_rate for a in targeted if a.outcome is Outcome.GRADED]
    if not graded:
        return Achievement(Outcome.UNREPORTED)
    mean = quantize_rate(sum(graded, ZERO) / len(graded))
    return Achievement(Outcome.GRADED, mean, mean, grade_for(mean, rules.bands))


def mean_rate(rates: Iterable[Decimal]) -> Decimal | None:
    values = list(rates)
    if not values:
        return None
    return quantize_rate(sum(values, ZERO) / len(values))


def judgement_for(met: int, graded: int, judgements: Sequence[tuple[str, Decimal]]) -> str | None:
    """Kanagawa's judgement by count (順調 / 概ね順調 / やや遅れ / 遅れ) from the share of
    graded measures that met their target; None when nothing is graded yet."""
    if graded == 0 or not judgements:
        return None
    share = Decimal(met) / Decimal(graded)
    for label, min_share in judgements:
        if share >= min_share:
            return label
    return judgements[-1][0]
