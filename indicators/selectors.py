"""Reads of achievement: per-measure tables and roll-ups by plan, pillar, sub-pillar, field,
bureau and section. Every page and export takes its figures from here.

Roll-ups are read from GroupResult, kept current with every MeasureResult write
(indicators.group_results), so a roll-up is one small query for 76 measures or for 10,000.
Every roll-up and result selector takes `basis=` (indicators.basis), defaulting to
`Basis.ENTERED`; pages and exports pass the basis they show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef

from core.cache import cached
from indicators import achievement
from indicators.basis import Basis, reached_on, result_on_basis
from indicators.models import Actual, GroupResult, Indicator, MeasureResult, Target, TargetRevision
from indicators.services import (
    indicator_achievement_for,
    indicator_achievement_of,
    rules_with_bands,
    stored_achievement,
    stored_indicator_achievement,
)
from measures.models import Measure, Plan, PlanYear
from measures.selectors import plan_years

# What a roll-up can be grouped by.
ROLLUP_LEVELS = tuple(GroupResult.Level.values)


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
    # Measures with a graded figure that the basis left out (counted in `unreported`).
    left_out: int = 0

    @property
    def graded(self) -> int:
        return sum(self.grade_counts.values())

    @property
    def reported(self) -> int:
        return self.graded


class StoredRollup(NamedTuple):
    """The columns of a GroupResult that a roll-up is made of, read as plain values: model
    instances (a Decimal and a JSON field to convert, two related rows for a section) cost
    about 70 µs a row, more than the query."""

    measures: int
    mean_rate: Decimal | None
    unreported: int
    no_target: int
    grade_counts: dict[str, int]
    left_out: int


ROLLUP_COLUMNS = StoredRollup._fields
# A GroupResult's group columns; exactly its level's own is set (none for the plan).
GROUP_COLUMNS = tuple(f"{name}_id" for name in GroupResult.GROUP_FIELDS.values() if name)


def _stored_rollups(rows, *leading: str) -> Iterator[tuple]:
    """(the `leading` columns…, group id, StoredRollup) for each GroupResult row, read as
    plain values in one query."""
    width, groups = len(leading), len(GROUP_COLUMNS)
    for row in rows.values_list(*leading, *GROUP_COLUMNS, *ROLLUP_COLUMNS):
        group_id = next((pk for pk in row[width : width + groups] if pk is not None), None)
        yield (*row[:width], group_id, StoredRollup(*row[width + groups :]))


def rollup(
    *, plan: Plan, fiscal_year: int, level: str, ids: Iterable[int] | None = None, basis: str = Basis.ENTERED
) -> dict[int | None, Rollup]:
    """Roll-ups for one level on a basis, keyed by the group's primary key (None for the plan
    level), read from the stored GroupResult rows: one query, whatever the number of measures.
    `ids` narrows a level to some groups (a page of a table)."""
    rows = GroupResult.objects.filter(
        plan_year__plan=plan, plan_year__fiscal_year=fiscal_year, level=level, basis=basis
    )
    if ids is not None:
        rows = rows.filter(**{f"{GroupResult.GROUP_FIELDS[level]}_id__in": list(ids)})
    return {group_id: rollup_of(plan, stored) for group_id, stored in _stored_rollups(rows)}


def rollups_by_year(
    *, plan: Plan, levels: Iterable[str], basis: str = Basis.ENTERED
) -> dict[tuple[int, str, int | None], Rollup]:
    """Every plan year's roll-ups for some (small) levels on a basis, keyed by (fiscal year,
    level, group id): the year-over-year lines in one query."""
    rows = GroupResult.objects.filter(plan_year__plan=plan, level__in=list(levels), basis=basis)
    return {
        (fiscal_year, level, group_id): rollup_of(plan, stored)
        for fiscal_year, level, group_id, stored in _stored_rollups(rows, "plan_year__fiscal_year", "level")
    }


def rollup_of(plan: Plan, row: GroupResult | StoredRollup) -> Rollup:
    """A stored GroupResult as the figures pages show, graded and judged by the plan's rules."""
    bands, judgements = _rollup_rules(plan)
    counts = {band.code: row.grade_counts.get(band.code, 0) for band in bands}
    mean = Decimal(row.mean_rate) if row.mean_rate is not None else None
    item = Rollup(
        measures=row.measures,
        mean_rate=mean,
        grade_counts=counts,
        unreported=row.unreported,
        no_target=row.no_target,
        left_out=row.left_out,
        grade=achievement.grade_for(mean, bands) if mean is not None and bands else None,
    )
    item.judgement = achievement.judgement_for(counts.get(bands[0].code, 0) if bands else 0, item.graded, judgements)
    return item


def plan_bands(plan: Plan) -> list[achievement.Band]:
    """The plan's grade bands, best first, from its settings (`Plan.settings`)."""
    return _rollup_rules(plan)[0]


def _rollup_rules(plan: Plan) -> tuple[list[achievement.Band], list[tuple[str, Decimal]]]:
    """The plan's grade bands and judgements, from its settings (`Plan.settings`, read once
    per request)."""
    settings = plan.settings
    bands = [achievement.Band(code, label, min_rate) for code, label, min_rate in settings.bands]
    return bands, list(settings.judgements)


def plan_rules(plan: Plan) -> achievement.Rules:
    """`indicators.services.rules_for`, with the bands from the plan's settings
    (`Plan.settings`): for pages, and for a save whose plan row this request has just read."""
    return rules_with_bands(plan, plan_bands(plan))


def measure_indicators(measure: Measure) -> list[Indicator]:
    """The measure's indicators with their parts, in order (one query), or from the cache
    under the data version of the plan the measure was read with (`measure.plan`)."""
    version = getattr(measure.plan, "data_version", None)
    return cached(
        ("measure-indicators", measure.pk),
        version,
        lambda: list(Indicator.objects.filter(measure=measure).select_related("subprogramme")),
    )


def measure_results_for_year(
    *, plan: Plan, fiscal_year: int, measure_ids: Iterable[int] | None = None, basis: str = Basis.ENTERED
) -> dict[int, MeasureResult]:
    """Each measure's stored result in a year (or some measures'), as `basis` sees it
    (indicators.basis.result_on_basis), keyed by measure id (one query)."""
    results = MeasureResult.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year)
    if measure_ids is not None:
        results = results.filter(measure_id__in=list(measure_ids))
    return {r.measure_id: result_on_basis(r, basis) for r in results}


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


def indicator_results_for_year(
    *, plan: Plan, fiscal_year: int, basis: str = Basis.ENTERED
) -> dict[int, achievement.Achievement]:
    """Every indicator's achievement in a year, keyed by indicator id: the figures of
    `measure_achievement_table` for the whole plan at once (exports, lists).

    A fixed number of queries, all of plain values: a graded actual carries its stored rate
    and grade; an indicator without one is told 対象外 from 未報告 by the year's target. So a
    plan of 10,000 measures stays light.
    On a basis narrower than 入力済すべて, an actual whose measure's report has not reached
    it is 未報告 (indicators.basis).
    """
    year_filter = {"plan_year__plan": plan, "plan_year__fiscal_year": fiscal_year}
    graded = Actual.objects.filter(indicator__measure__plan=plan, raw_rate__isnull=False, **year_filter)
    if basis != Basis.ENTERED:
        graded = graded.filter(
            indicator__measure__results__plan_year=F("plan_year"),
            indicator__measure__results__basis_reached__in=reached_on(basis),
        )
    results = {
        indicator_id: stored_achievement(raw_rate, capped_rate, grade)
        for indicator_id, raw_rate, capped_rate, grade in graded.values_list(
            "indicator_id", "raw_rate", "capped_rate", "grade"
        )
    }
    ungraded = Indicator.objects.filter(measure__plan=plan).exclude(pk__in=graded.values("indicator_id"))
    # Plain values rather than rows: in a plan whose year has few actuals yet, nearly every
    # indicator is here.
    targets = {
        indicator_id: (value, text)
        for indicator_id, value, text in Target.objects.filter(
            indicator__in=ungraded.values("pk"), **year_filter
        ).values_list("indicator_id", "value", "text")
    }
    rules = plan_rules(plan)
    for pk, kind, direction, baseline in ungraded.values_list("pk", "kind", "direction", "baseline"):
        results[pk] = indicator_achievement_of(
            kind=kind, direction=direction, baseline=baseline, target=targets.get(pk), actual=None, rules=rules
        )
    return results


def measure_achievement_table(
    measure: Measure, indicators: list[Indicator] | None = None
) -> tuple[list[IndicatorRow], dict[int, MeasureResult]]:
    """For a measure page: each indicator's target, actual, rate and grade per plan year,
    and the measure's own result per year (keyed by fiscal year). Fixed number of queries.
    `indicators` are the measure's, with their parts, when the caller has them (its card)."""
    plan = measure.plan
    rules = plan_rules(plan)
    years = plan_years(plan)
    if indicators is None:
        indicators = list(measure.indicators.select_related("subprogramme"))
    # By the indicators' ids (the unique indexes), not by a join on the measure.
    ids = [i.pk for i in indicators]
    targets = {(t.indicator_id, t.plan_year_id): t for t in Target.objects.filter(indicator_id__in=ids).order_by()}
    actuals = {(a.indicator_id, a.plan_year_id): a for a in Actual.objects.filter(indicator_id__in=ids).order_by()}
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
    fiscal_years = {year.pk: year.fiscal_year for year in years}
    results = {fiscal_years[r.plan_year_id]: r for r in MeasureResult.objects.filter(measure=measure).order_by()}
    return rows, results


def default_fiscal_year(plan: Plan) -> int:
    """The latest plan year with any reported actual; the first plan year when nothing is reported."""
    # One index probe per plan year, not a sort of every actual of the plan.
    latest = (
        plan.years.filter(Exists(Actual.objects.filter(plan_year=OuterRef("pk"))))
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .first()
    )
    return latest or plan.first_fiscal_year


def chosen_fiscal_year(plan: Plan, raw: str | None, *, default: int | None = None) -> int:
    """The year a page shows: `?year=` when it names a plan year, else the page's default
    (the latest year with data, unless the page says otherwise)."""
    if raw and raw.isdigit() and plan.first_fiscal_year <= int(raw) <= plan.last_fiscal_year:
        return int(raw)
    return default if default is not None else default_fiscal_year(plan)


def target_revisions(measure: Measure) -> list[TargetRevision]:
    """Every revision of the measure's targets (目標値の見直し), by indicator, year and date,
    with who made it (one query)."""
    return list(
        TargetRevision.objects.filter(target__indicator__measure=measure)
        .select_related("target__indicator", "target__plan_year", "revised_by")
        .order_by("target__indicator__order", "target__plan_year__fiscal_year", "effective_date", "pk")
    )


@dataclass
class RevisedTargetRate:
    """An indicator whose target for the year was revised: its rate against the target in
    force (the stored one) and against the original target."""

    indicator: Indicator
    target: Target
    actual: Actual | None
    in_force: achievement.Achievement
    original: achievement.Achievement


def revised_target_rates(*, plan: Plan, fiscal_year: int, limit: int = 50) -> list[RevisedTargetRate]:
    """The year's revised targets (at most `limit`, in plan order), each with its rate against
    the target in force and against the original: two queries."""
    targets = list(
        Target.objects.filter(is_revised=True, plan_year__plan=plan, plan_year__fiscal_year=fiscal_year)
        .select_related("indicator__measure", "plan_year")
        .order_by("indicator__measure__order", "indicator__order")[:limit]
    )
    actuals = {
        a.indicator_id: a
        for a in Actual.objects.filter(
            indicator_id__in=[t.indicator_id for t in targets], plan_year__plan=plan, plan_year__fiscal_year=fiscal_year
        ).order_by()
    }
    rules = plan_rules(plan)
    rows = []
    for target in targets:
        actual = actuals.get(target.indicator_id)
        original = Target(indicator=target.indicator, text=target.original_text, value=target.original_value)
        rows.append(
            RevisedTargetRate(
                indicator=target.indicator,
                target=target,
                actual=actual,
                in_force=stored_indicator_achievement(target.indicator, target, actual, rules),
                original=indicator_achievement_for(target.indicator, original, actual, rules),
            )
        )
    return rows
