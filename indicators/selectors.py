"""Reads of achievement: per-measure tables and roll-ups by plan, pillar, sub-pillar, field,
bureau and section. Every page and export takes its figures from here.

Roll-ups are GROUP BY aggregates over MeasureResult (one row per measure and year), so a
roll-up costs the same number of queries for 76 measures or for 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from indicators import achievement
from indicators.models import Actual, Indicator, MeasureResult, Target
from indicators.services import rules_for, stored_indicator_achievement
from measures.models import Measure, Plan, PlanYear

# What a roll-up can be grouped by: a name for callers, the MeasureResult path to group on.
ROLLUP_LEVELS = {
    "plan": None,
    "pillar": "measure__field__subpillar__pillar",
    "subpillar": "measure__field__subpillar",
    "field": "measure__field",
    "bureau": "measure__measure_sections__section__bureau",
    "section": "measure__measure_sections__section",
}


@dataclass
class Rollup:
    """The state of a group of measures in one fiscal year."""

    measures: int = 0
    mean_rate: Decimal | None = None
    grade_counts: dict[str, int] = field(default_factory=dict)
    unreported: int = 0
    no_target: int = 0
    grade: str | None = None
    judgement: str | None = None

    @property
    def graded(self) -> int:
        return sum(self.grade_counts.values())

    @property
    def reported(self) -> int:
        return self.graded


def _band_key(code: str) -> str:
    return f"grade_{code}"


def rollup(*, plan: Plan, fiscal_year: int, level: str) -> dict[int | None, Rollup]:
    """Roll-ups for one level, keyed by the group's primary key (None for the plan level).

    One query per call, whatever the number of measures.
    """
    group_by = ROLLUP_LEVELS[level]
    bands, judgements = _rollup_rules(plan)
    rules_bands = [achievement.Band(b.code, b.label, b.min_rate) for b in bands]
    aggregates = {
        "measures": Count("measure", distinct=True),
        "mean_rate": Avg("rate", filter=Q(outcome=MeasureResult.Outcome.GRADED)),
        "unreported": Count("measure", filter=Q(outcome=MeasureResult.Outcome.UNREPORTED), distinct=True),
        "no_target": Count("measure", filter=Q(outcome=MeasureResult.Outcome.NO_TARGET), distinct=True),
    }
    for band in bands:
        aggregates[_band_key(band.code)] = Count("measure", filter=Q(grade=band.code), distinct=True)
    results = MeasureResult.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year)
    if level == "bureau":
        rows = _bureau_rows(results, group_by, bands)
    elif group_by is None:
        rows = [results.aggregate(**aggregates)]
    else:
        rows = results.values(group_by).annotate(**aggregates)
    rollups: dict[int | None, Rollup] = {}
    top_band = bands[0].code if bands else None
    for row in rows:
        mean = row["mean_rate"]
        mean = Decimal(mean).quantize(achievement.RATE_PLACES, rounding=ROUND_HALF_UP) if mean is not None else None
        counts = {band.code: row[_band_key(band.code)] for band in bands}
        item = Rollup(
            measures=row["measures"],
            mean_rate=mean,
            grade_counts=counts,
            unreported=row["unreported"],
            no_target=row["no_target"],
            grade=achievement.grade_for(mean, rules_bands) if mean is not None and rules_bands else None,
        )
        item.judgement = achievement.judgement_for(counts.get(top_band, 0), item.graded, judgements)
        rollups[row[group_by] if group_by else None] = item
    return rollups


def _rollup_rules(plan: Plan):
    """The plan's grade bands and judgements, read once per Plan instance (one request)."""
    cached = getattr(plan, "_rollup_rules_cache", None)
    if cached is None:
        bands = list(plan.grade_bands.order_by("order"))
        judgements = [(j.label, j.min_share) for j in plan.judgements.order_by("order")]
        cached = plan._rollup_rules_cache = (bands, judgements)
    return cached


def _bureau_rows(results, group_by: str, bands) -> list[dict]:
    """A measure owned by two sections of one bureau must count once in that bureau's mean,
    which a GROUP BY over the section join cannot promise; so this level is deduplicated
    here, from one query."""
    seen: set[tuple[int, int]] = set()
    groups: dict[int, list[dict]] = {}
    for row in results.values("measure_id", "rate", "outcome", "grade", group_by):
        key = (row[group_by], row["measure_id"])
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault(row[group_by], []).append(row)
    rows = []
    for bureau_id, members in groups.items():
        graded = [m["rate"] for m in members if m["outcome"] == MeasureResult.Outcome.GRADED]
        row = {
            group_by: bureau_id,
            "measures": len(members),
            "mean_rate": sum(graded, Decimal(0)) / len(graded) if graded else None,
            "unreported": sum(m["outcome"] == MeasureResult.Outcome.UNREPORTED for m in members),
            "no_target": sum(m["outcome"] == MeasureResult.Outcome.NO_TARGET for m in members),
        }
        for band in bands:
            row[_band_key(band.code)] = sum(m["grade"] == band.code for m in members)
        rows.append(row)
    return rows


def measure_results_for_year(*, plan: Plan, fiscal_year: int) -> dict[int, MeasureResult]:
    """Each measure's stored result in a year, keyed by measure id (one query)."""
    return {
        r.measure_id: r for r in MeasureResult.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year)
    }


@dataclass
class IndicatorYear:
    plan_year: PlanYear
    target: Target | None
    actual: Actual | None
    result: achievement.Achievement


@dataclass
class IndicatorRow:
    indicator: Indicator
    years: list[IndicatorYear]


def indicator_results_for_year(*, plan: Plan, fiscal_year: int) -> dict[int, achievement.Achievement]:
    """Every indicator's achievement in a year, keyed by indicator id: the figures of
    `measure_achievement_table` for the whole plan at once (exports, lists).

    A fixed number of queries; only the columns the arithmetic needs are loaded, so that a
    plan of 10,000 measures stays light.
    """
    rules = rules_for(plan)
    indicators = Indicator.objects.filter(measure__plan=plan).only("pk", "kind", "direction", "baseline")
    year_filter = {"plan_year__plan": plan, "plan_year__fiscal_year": fiscal_year}
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator__measure__plan=plan, **year_filter).only(
            "indicator_id", "text", "value"
        )
    }
    actuals = {
        a.indicator_id: a
        for a in Actual.objects.filter(indicator__measure__plan=plan, **year_filter).only(
            "indicator_id", "raw_rate", "capped_rate", "grade"
        )
    }
    return {
        indicator.pk: stored_indicator_achievement(
            indicator, targets.get(indicator.pk), actuals.get(indicator.pk), rules
        )
        for indicator in indicators.iterator(chunk_size=2000)
    }


def measure_achievement_table(measure: Measure) -> tuple[list[IndicatorRow], dict[int, MeasureResult]]:
    """For a measure page: each indicator's target, actual, rate and grade per plan year,
    and the measure's own result per year (keyed by fiscal year). Fixed number of queries."""
    plan = measure.plan
    rules = rules_for(plan)
    years = list(plan.years.all())
    indicators = list(measure.indicators.select_related("subprogramme"))
    targets = {(t.indicator_id, t.plan_year_id): t for t in Target.objects.filter(indicator__measure=measure)}
    actuals = {
        (a.indicator_id, a.plan_year_id): a
        for a in Actual.objects.filter(indicator__measure=measure).select_related("entered_by")
    }
    rows = []
    for indicator in indicators:
        cells = []
        for year in years:
            target = targets.get((indicator.pk, year.pk))
            actual = actuals.get((indicator.pk, year.pk))
            cells.append(
                IndicatorYear(year, target, actual, stored_indicator_achievement(indicator, target, actual, rules))
            )
        rows.append(IndicatorRow(indicator, cells))
    results = {
        r.plan_year.fiscal_year: r for r in MeasureResult.objects.filter(measure=measure).select_related("plan_year")
    }
    return rows, results


def default_fiscal_year(plan: Plan) -> int:
    """The latest plan year with any reported actual; the first plan year when nothing is reported."""
    latest = (
        Actual.objects.filter(plan_year__plan=plan)
        .order_by("-plan_year__fiscal_year")
        .values_list("plan_year__fiscal_year", flat=True)
        .first()
    )
    return latest or plan.first_fiscal_year


def chosen_fiscal_year(plan: Plan, raw: str | None, *, default: int | None = None) -> int:
    """The year a page shows: `?year=` when it names a plan year, else the page's default
    (the latest year with data, unless the page says otherwise)."""
    if raw and raw.isdigit() and plan.first_fiscal_year <= int(raw) <= plan.last_fiscal_year:
        return int(raw)
    return default if default is not None else default_fiscal_year(plan)
