"""Writes to indicators, targets and actuals, with the achievement computed as they are written.

These services trust their caller: the rights check ("may this user edit this measure in
this year?") belongs to `pdca.rights`, which every user-facing write asks first.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.cache import data_changed
from core.db import columns_update, rows_write_with_history, service_atomic
from indicators import achievement, plausibility
from indicators.basis import Basis
from indicators.group_results import group_results_apply, group_results_rebuild
from indicators.models import (
    Actual,
    Indicator,
    IndicatorKind,
    MeasureResult,
    MilestoneStatus,
    Target,
    TargetRevision,
    target_is_set,
)
from measures.models import Measure, Plan, PlanYear


class StaleVersionError(Exception):
    """Someone else saved this actual after the form was opened."""

    def __init__(self, current: Actual):
        self.current = current
        super().__init__(f"actual {current.pk} is at version {current.version}")


def rules_for(plan: Plan) -> achievement.Rules:
    """The plan's rules, its bands read now (`indicators.selectors.plan_rules` for pages)."""
    bands = [achievement.Band(b.code, b.label, b.min_rate) for b in plan.grade_bands.order_by("order")]
    return rules_with_bands(plan, bands)


def rules_with_bands(plan: Plan, bands: list[achievement.Band]) -> achievement.Rules:
    return achievement.Rules(
        bands=bands,
        rollup_cap=plan.rollup_cap,
        milestone_rates={
            MilestoneStatus.ACHIEVED: plan.milestone_achieved_rate,
            MilestoneStatus.PARTIAL: plan.milestone_partial_rate,
            MilestoneStatus.NOT_ACHIEVED: plan.milestone_not_achieved_rate,
        },
    )


def indicator_achievement_for(
    indicator: Indicator, target: Target | None, actual: Actual | None, rules: achievement.Rules
) -> achievement.Achievement:
    """The one adapter from model rows to the pure arithmetic."""
    return indicator_achievement_of(
        kind=indicator.kind,
        direction=indicator.direction,
        baseline=indicator.baseline,
        target=(target.value, target.text) if target else None,
        actual=(actual.value, actual.milestone_status) if actual else None,
        rules=rules,
    )


def indicator_achievement_of(
    *,
    kind: str,
    direction: str,
    baseline: Decimal | None,
    target: tuple[Decimal | None, str] | None,
    actual: tuple[Decimal | None, str] | None,
    rules: achievement.Rules,
) -> achievement.Achievement:
    """`indicator_achievement_for` from the rows' plain values (the indicator's kind, direction
    and baseline; the target's value and text; the actual's value and milestone status), for
    reads of a whole plan that fetch no model rows."""
    return achievement.indicator_achievement(
        has_target=target is not None and target_is_set(*target),
        target_value=target[0] if target else None,
        is_milestone=kind == IndicatorKind.MILESTONE,
        lower_is_better=direction == "lower",
        baseline=baseline,
        actual_value=actual[0] if actual else None,
        milestone_status=actual[1] if actual else None,
        rules=rules,
    )


def stored_indicator_achievement(
    indicator: Indicator, target: Target | None, actual: Actual | None, rules: achievement.Rules
) -> achievement.Achievement:
    """An indicator's achievement in a year as stored with its actual; without a graded actual,
    only whether the year has a target (対象外) or still awaits a report (未報告)."""
    if actual is not None and actual.raw_rate is not None:
        return stored_achievement(actual.raw_rate, actual.capped_rate, actual.grade)
    return indicator_achievement_for(indicator, target, None, rules)


def stored_achievement(raw_rate: Decimal, capped_rate: Decimal, grade: str) -> achievement.Achievement:
    """The achievement stored with a graded actual (its rates and grade columns)."""
    return achievement.Achievement(achievement.Outcome.GRADED, raw_rate, capped_rate, grade)


def actual_record(
    *,
    indicator: Indicator,
    plan_year: PlanYear,
    value: Decimal | None = None,
    milestone_status: str = "",
    description: str = "",
    comment: str | None = None,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    is_demo: bool = False,
    rules: achievement.Rules | None = None,
) -> Actual:
    """Record (create or update) an actual, store its achievement and refresh its measure's result.

    `expected_version` is the version the user's form was built from; if the row has moved on
    since, nothing is written and StaleVersionError carries the current row. A `comment` of
    None keeps the stored one (the entry form and the template do not carry it). A form that
    records every actual of a measure at once uses `measure_actuals_record` instead.
    """
    if plan_year.plan_id != indicator.measure.plan_id:
        raise ValidationError(_("年度が施策の計画と一致しません。"))
    with service_atomic():
        # order_by("pk"): at most one row, and no default ordering to sort by.
        actual = (
            Actual.objects.select_for_update().filter(indicator=indicator, plan_year=plan_year).order_by("pk").first()
        )
        if actual is not None and expected_version is not None and actual.version != expected_version:
            raise StaleVersionError(actual)
        if actual is None:
            if expected_version not in (None, 0):
                raise StaleVersionError(Actual(indicator=indicator, plan_year=plan_year, version=0))
            actual = Actual(indicator=indicator, plan_year=plan_year, version=0)
        target = next(iter(_targets_locked(Target.objects.filter(indicator=indicator, plan_year=plan_year))), None)
        changed = _actual_fill(
            actual,
            indicator=indicator,
            target=target,
            value=value,
            milestone_status=milestone_status,
            description=description,
            comment=comment,
            user=user,
            is_demo=is_demo,
            rules=rules or rules_for(indicator.measure.plan),
        )
        if changed:
            data_changed()  # the measure page shows the actual (core.cache)
            actual.save()
            measure_results_refresh(measures=[indicator.measure], plan_years=[plan_year])
    return actual


@dataclass
class ActualInput:
    """One indicator's figure as an entry form gives it. Neither a value nor a status means
    that the year's actual is removed."""

    indicator: Indicator
    value: Decimal | None = None
    milestone_status: str = ""
    description: str = ""
    # The value as typed (for the % check), and the plausibility warnings the clerk confirmed
    # (their codes). None: no check (the template upload confirms in its preview, demo data).
    typed: str | None = None
    confirmed: frozenset[str] | None = None

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.milestone_status


class PlausibilityPending(Exception):
    """Some values raise plausibility warnings the clerk has not confirmed; nothing was
    written. `warnings` maps indicator ids to their unconfirmed warnings."""

    def __init__(self, warnings: dict[int, list[plausibility.PlausibilityWarning]]):
        self.warnings = warnings
        super().__init__(f"{len(warnings)} indicators with unconfirmed warnings")


def _previous_values(plan_year: PlanYear, indicators: Iterable[Indicator]) -> dict[int, Decimal | None]:
    """The previous plan year's actual values of the cumulative indicators (one query, none
    when there are no cumulative indicators or no previous year)."""
    cumulative = [i.pk for i in indicators if i.cumulative]
    if not cumulative:
        return {}
    rows = Actual.objects.filter(
        indicator_id__in=cumulative,
        plan_year__plan_id=plan_year.plan_id,
        plan_year__fiscal_year=plan_year.fiscal_year - 1,
    ).order_by()
    return dict(rows.values_list("indicator_id", "value"))


def measure_actuals_record(
    *,
    measure: Measure,
    plan_year: PlanYear,
    inputs: list[ActualInput],
    user: AbstractBaseUser | None,
    is_demo: bool = False,
    rules: achievement.Rules | None = None,
    indicators: Sequence[Indicator] | None = None,
) -> None:
    """Record a measure's actuals for a year in one go, as an entry form does.

    The year's targets and actuals are locked and read (a query each); only the actuals that
    changed are written (each with its history row) and emptied ones removed; then the
    measure's result and the roll-ups are refreshed once, from what is already in memory.
    Nothing is written unless everything is (the caller's transaction, or this one).

    The targets are read under `_targets_locked`, the lock a target change takes first: a
    change made while a form was open is the one its rates are computed with, and the
    measure's stored result that the roll-ups' deltas start from is the one after it. A
    caller that has just read the measure's indicators (as the entry form has) passes them in.
    """
    if plan_year.plan_id != measure.plan_id:
        raise ValidationError(_("年度が施策の計画と一致しません。"))
    if any(item.indicator.measure_id != measure.pk for item in inputs):
        raise ValidationError(_("別の施策の指標です。"))
    with service_atomic():
        rules = rules or rules_for(measure.plan)
        if indicators is None:
            indicators = Indicator.objects.filter(measure=measure).order_by()
        indicators = {i.pk: i for i in indicators}
        year_rows = {"indicator_id__in": list(indicators), "plan_year": plan_year}
        targets = {t.indicator_id: t for t in _targets_locked(Target.objects.filter(**year_rows))}
        actuals = {a.indicator_id: a for a in Actual.objects.select_for_update().filter(**year_rows).order_by()}
        checked = [item for item in inputs if item.confirmed is not None and item.value is not None]
        previous = _previous_values(plan_year, [indicators[item.indicator.pk] for item in checked])
        pending, confirmed_codes = {}, {}
        for item in checked:
            pk = item.indicator.pk
            indicator, target, current = indicators[pk], targets.get(pk), actuals.get(pk)
            warnings = plausibility.warnings_for(
                value=item.value,
                kind=indicator.kind,
                unit=indicator.unit,
                cumulative=indicator.cumulative,
                target_value=target.value if target is not None else None,
                previous_value=previous.get(pk),
                typed=item.typed,
                factor=measure.plan.plausibility_ratio,
            )
            # A value saved before with its warnings confirmed is not asked about again.
            kept = set(current.confirmed_warnings) if current is not None and current.value == item.value else set()
            waiting = plausibility.unconfirmed(warnings, item.confirmed | kept)
            if waiting:
                pending[pk] = waiting
            confirmed_codes[pk] = [warning.code for warning in warnings]
        if pending:
            raise PlausibilityPending(pending)
        to_create: list[Actual] = []
        to_update: list[Actual] = []
        removed = False
        for item in inputs:
            pk = item.indicator.pk
            current = actuals.get(pk)
            if item.is_empty:
                if current is not None:
                    current.delete()
                    del actuals[pk]
                    removed = True
                continue
            actual = current or Actual(indicator=indicators[pk], plan_year=plan_year, version=0)
            changed = _actual_fill(
                actual,
                indicator=indicators[pk],
                target=targets.get(pk),
                value=item.value,
                milestone_status=item.milestone_status,
                description=item.description,
                comment=None,
                user=user,
                is_demo=is_demo,
                rules=rules,
            )
            if pk in confirmed_codes and actual.confirmed_warnings != confirmed_codes[pk]:
                actual.confirmed_warnings = confirmed_codes[pk]
                changed = True
            if changed:
                actuals[pk] = actual
                (to_update if actual.pk else to_create).append(actual)
        if to_create or to_update or removed:
            data_changed()  # the measure page shows the actuals (core.cache)
        rows_write_with_history(Actual, to_create, to_update, ACTUAL_FIELDS, user=user, stamp="updated_at")
        rows = _ResultInputs(
            measure_ids=[measure.pk],
            years=[plan_year],
            indicators=indicators,
            targets={(pk, plan_year.pk): t for pk, t in targets.items()},
            actuals={(pk, plan_year.pk): a for pk, a in actuals.items()},
            existing={(r.measure_id, r.plan_year_id): r for r in measure.results.filter(plan_year=plan_year)},
        )
        changes = _measure_results_write(rows, rules)
        group_results_apply(plan=measure.plan, changes=changes)


# What an entry changes on an actual (all but its keys).
ACTUAL_FIELDS = [
    "value",
    "milestone_status",
    "description",
    "comment",
    "updated_by",
    "updated_at",
    "version",
    "raw_rate",
    "capped_rate",
    "grade",
    "is_demo",
    "confirmed_warnings",
]


def _actual_fill(
    actual: Actual,
    *,
    indicator: Indicator,
    target: Target | None,
    value: Decimal | None,
    milestone_status: str,
    description: str,
    comment: str | None,
    user: AbstractBaseUser | None,
    is_demo: bool,
    rules: achievement.Rules,
) -> bool:
    """Put a user's figure on an actual and compute its achievement; False when nothing
    would change (so that re-saving a form writes no history)."""
    if comment is None:
        comment = actual.comment
    unchanged = (
        actual.pk is not None
        and actual.value == value
        and actual.milestone_status == milestone_status
        and actual.description == description
        and actual.comment == comment
    )
    if unchanged:
        return False
    actual.value = value
    actual.milestone_status = milestone_status
    actual.description = description
    actual.comment = comment
    actual.updated_by = user if user is not None and user.is_authenticated else None
    actual.version += 1
    actual.is_demo = is_demo
    _apply(actual, indicator_achievement_for(indicator, target, actual, rules))
    # The foreign keys were just loaded from the database; re-validating them costs a query each.
    actual.full_clean(
        exclude=["indicator", "plan_year", "updated_by"], validate_unique=False, validate_constraints=False
    )
    return True


def target_update(*, target: Target, text: str, value: Decimal | None) -> Target:
    """Change a printed target (HQ only); recompute what depends on it.

    Every target of the measure is locked first (`_targets_locked`), so that an entry save
    of the measure, which locks its year's targets before reading them, waits for this
    change and computes with it, and this recomputation reads the actuals that save wrote."""
    with service_atomic():
        data_changed()  # the measure page shows the target (core.cache)
        _targets_locked(Target.objects.filter(indicator__measure_id=target.indicator.measure_id))
        target.text, target.value = text, value
        target.full_clean(validate_unique=False, validate_constraints=False)
        target.save()
        results_recompute(plan=target.indicator.measure.plan, measures=[target.indicator.measure])
    return target


def _targets_locked(targets: QuerySet[Target]) -> list[Target]:
    """The targets, read and locked until the transaction ends: in the order of their unique
    key (indicator, year), so that two writers lock them in the same order, and the targets
    only, not the rows a filter joins. Both sides of a race between a target change and an
    entry save take this lock before reading what the other writes; on SQLite, where one
    writer at a time holds the database, it is a plain read.

    Not in primary-key order: for that order SQLite walks the primary key through every
    target of the database (9 ms at 10,000 measures) rather than find the few by the key."""
    return list(targets.select_for_update(of=("self",)).order_by("indicator_id", "plan_year_id"))


def _apply(actual: Actual, result: achievement.Achievement) -> None:
    actual.raw_rate = result.raw_rate
    actual.capped_rate = result.capped_rate
    actual.grade = result.grade or ""


def results_recompute(*, plan: Plan, measures: Iterable[Measure] | None = None) -> None:
    """Recompute every stored rate and grade of a plan (or of some measures), e.g. after a
    threshold or target changed. Cost grows with the rows, queries do not."""
    rules = rules_for(plan)
    measure_ids = None if measures is None else [m.pk for m in measures]
    with service_atomic():
        rows = _ResultInputs.load(plan=plan, measure_ids=measure_ids)
        changed = []
        for actual in rows.actuals.values():
            before = (actual.raw_rate, actual.capped_rate, actual.grade)
            target = rows.targets.get((actual.indicator_id, actual.plan_year_id))
            _apply(actual, indicator_achievement_for(rows.indicators[actual.indicator_id], target, actual, rules))
            if (actual.raw_rate, actual.capped_rate, actual.grade) != before:
                changed.append(actual)
        # Written without history on purpose: a recomputation is not a user's change.
        columns_update(Actual, changed, ["raw_rate", "capped_rate", "grade"])
        changes = _measure_results_write(rows, rules)
        if measure_ids is None:
            # A whole plan: its groups may have changed too (a plan load), so rebuild them.
            group_results_rebuild(plan)
        else:
            group_results_apply(plan=plan, changes=changes)


def measure_results_refresh(
    *,
    measures: list[Measure] | None = None,
    plan_years: list[PlanYear] | None = None,
    plan: Plan | None = None,
) -> None:
    """Rebuild MeasureResult rows (one per measure and plan year) from indicators, targets
    and the stored actual rates."""
    if measures is None:
        assert plan is not None
        the_plan, measure_ids = plan, None
    else:
        if not measures:
            return
        measure_ids = [m.pk for m in measures]
        the_plan = plan or measures[0].plan
    with service_atomic():
        rows = _ResultInputs.load(plan=the_plan, measure_ids=measure_ids, plan_years=plan_years)
        changes = _measure_results_write(rows, rules_for(the_plan))
        if measure_ids is None:
            group_results_rebuild(the_plan)
        else:
            group_results_apply(plan=the_plan, changes=changes)


@dataclass
class _ResultInputs:
    """What a plan's (or some measures') results are computed from, read in a fixed number of
    queries. A whole plan is selected by joins on the plan, not by lists of ids: a list of
    30,000 indicator ids would outgrow SQLite's limit on query parameters."""

    measure_ids: list[int]
    years: list[PlanYear]
    indicators: dict[int, Indicator]
    targets: dict[tuple[int, int], Target]
    actuals: dict[tuple[int, int], Actual]
    existing: dict[tuple[int, int], MeasureResult]
    # The basis reached by measure-years without a stored result yet (measure_results_basis_set).
    reached: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def load(
        cls, *, plan: Plan, measure_ids: list[int] | None, plan_years: list[PlanYear] | None = None
    ) -> _ResultInputs:
        years = plan_years if plan_years is not None else list(plan.years.all())
        year_ids = [y.pk for y in years]
        plan_wide = measure_ids is None
        if plan_wide:
            by_measure = {"measure__plan": plan}
            measures = Measure.objects.filter(plan=plan)
        else:
            by_measure = {"measure_id__in": measure_ids}
            measures = Measure.objects.filter(plan=plan, pk__in=measure_ids)
        measure_ids = list(measures.order_by("order").values_list("pk", flat=True))
        # Unordered (order_by()): rows go into dicts, and the models' default ordering joins up
        # to the plan, which at 10,000 measures costs more than the rows themselves.
        indicators = {i.pk: i for i in Indicator.objects.filter(**by_measure).order_by()}
        if plan_wide:
            by_indicator = {"indicator__measure__plan": plan}
        else:
            # A few measures (a save): their indicators' ids let the unique index answer.
            by_indicator = {"indicator_id__in": list(indicators)}
        targets = Target.objects.filter(**by_indicator, plan_year_id__in=year_ids).order_by()
        actuals = Actual.objects.filter(**by_indicator, plan_year_id__in=year_ids).order_by()
        existing = MeasureResult.objects.filter(**by_measure, plan_year_id__in=year_ids)
        return cls(
            measure_ids=measure_ids,
            years=years,
            indicators=indicators,
            targets={(t.indicator_id, t.plan_year_id): t for t in targets},
            actuals={(a.indicator_id, a.plan_year_id): a for a in actuals},
            existing={(r.measure_id, r.plan_year_id): r for r in existing},
        )


RESULT_FIELDS = ["outcome", "rate", "grade", "indicators_with_target", "indicators_reported"]


def _measure_results_write(rows: _ResultInputs, rules: achievement.Rules) -> list[tuple]:
    """Write the measures' results; return what changed as (measure id, plan year id, old
    values, new values), for the group roll-ups."""
    by_measure: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in sorted(rows.indicators.values(), key=lambda i: (i.measure_id, i.order, i.pk)):
        by_measure[indicator.measure_id].append(indicator)
    to_create, to_update = [], []
    changes = []
    for measure_id in rows.measure_ids:
        for year in rows.years:
            results = []
            with_target = reported = 0
            for indicator in by_measure[measure_id]:
                result = stored_indicator_achievement(
                    indicator,
                    rows.targets.get((indicator.pk, year.pk)),
                    rows.actuals.get((indicator.pk, year.pk)),
                    rules,
                )
                if result.outcome is not achievement.Outcome.NO_TARGET:
                    with_target += 1
                    reported += result.outcome is achievement.Outcome.GRADED
                results.append(result)
            overall = achievement.measure_achievement(results, rules)
            values = {
                "outcome": overall.outcome.value,
                "rate": overall.capped_rate,
                "grade": overall.grade or "",
                "indicators_with_target": with_target,
                "indicators_reported": reported,
            }
            row = rows.existing.get((measure_id, year.pk))
            reached = row.basis_reached if row is not None else rows.reached.get((measure_id, year.pk), Basis.ENTERED)
            new = (values["outcome"], values["rate"], values["grade"], reached)
            if row is None:
                to_create.append(MeasureResult(measure_id=measure_id, plan_year=year, basis_reached=reached, **values))
                changes.append((measure_id, year.pk, None, new))
            elif any(getattr(row, k) != v for k, v in values.items()):
                changes.append((measure_id, year.pk, _result_values(row), new))
                for key, value in values.items():
                    setattr(row, key, value)
                to_update.append(row)
    MeasureResult.objects.bulk_create(to_create, batch_size=1000)
    columns_update(MeasureResult, to_update, RESULT_FIELDS)
    return changes


def _result_values(row: MeasureResult) -> tuple:
    """A stored result as the roll-ups count it (indicators.group_results.ResultValues)."""
    return (row.outcome, row.rate, row.grade, row.basis_reached)


def measure_results_basis_set(*, plan: Plan, reached: dict[tuple[int, int], str]) -> None:
    """Record how far some measure-years' reports have got: `reached` maps (measure id, plan
    year id) to the strictest basis each now counts on (indicators.basis). Moves the roll-ups
    of every basis with them, in the caller's transaction. A measure-year without a stored
    result gets one computed first. A fixed number of queries, whatever the number of rows."""
    if not reached:
        return
    with service_atomic():
        measure_ids = sorted({measure_id for measure_id, _year in reached})
        year_ids = sorted({year_id for _measure, year_id in reached})
        rows = {
            (r.measure_id, r.plan_year_id): r
            for r in MeasureResult.objects.select_for_update()
            .filter(measure_id__in=measure_ids, plan_year_id__in=year_ids)
            .order_by("pk")
        }
        missing = [key for key in reached if key not in rows]
        if missing:
            inputs = _ResultInputs.load(
                plan=plan,
                measure_ids=sorted({m for m, _y in missing}),
                plan_years=list(PlanYear.objects.filter(pk__in={y for _m, y in missing})),
            )
            inputs.reached = {key: Basis(value) for key, value in reached.items()}
            group_results_apply(plan=plan, changes=_measure_results_write(inputs, rules_for(plan)))
            rows.update(
                {
                    (r.measure_id, r.plan_year_id): r
                    for r in MeasureResult.objects.filter(measure_id__in=measure_ids, plan_year_id__in=year_ids)
                }
            )
        changed, changes = [], []
        for key, value in reached.items():
            row = rows.get(key)
            if row is None or row.basis_reached == value:
                continue
            old = _result_values(row)
            row.basis_reached = value
            changed.append(row)
            changes.append((row.measure_id, row.plan_year_id, old, _result_values(row)))
        columns_update(MeasureResult, changed, ["basis_reached"])
        group_results_apply(plan=plan, changes=changes)


def plan_results_basis_set(*, plan: Plan, reached: dict[tuple[int, int], str]) -> None:
    """Set how far every report of a plan has got at once (after a bulk write such as demo
    data): `reached` maps (measure id, plan year id) to a basis; measure-years it omits
    are at `Basis.ENTERED`. Writes only the results that differ, then rebuilds the plan's
    roll-ups. Selected by the plan, not by lists of ids, so its queries do not grow."""
    with service_atomic():
        if MeasureResult.objects.filter(plan_year__plan=plan).count() < (
            Measure.objects.filter(plan=plan).count() * plan.years.count()
        ):
            measure_results_refresh(plan=plan)
        changed = []
        for row in MeasureResult.objects.filter(plan_year__plan=plan).order_by().only("pk", "basis_reached"):
            value = reached.get((row.measure_id, row.plan_year_id), Basis.ENTERED)
            if row.basis_reached != value:
                row.basis_reached = value
                changed.append(row)
        columns_update(MeasureResult, changed, ["basis_reached"])
        group_results_rebuild(plan)


def target_revise(
    *,
    target: Target,
    text: str,
    value: Decimal | None,
    reason: str,
    effective_date: datetime.date,
    user: AbstractBaseUser | None,
) -> TargetRevision:
    """Revise a year's target (目標値の見直し, headquarters): keep the original on the target
    the first time, record the revision with its reason and effective date, and recompute the
    measure's rates against the target now in force. Nothing is written on a bad input."""
    errors = {}
    if not reason.strip():
        errors["reason"] = _("見直しの理由を入力してください。")
    if not text.strip():
        errors["value"] = _("見直し後の目標値を入力してください。")
    plan = target.indicator.measure.plan
    first, last = plan_period_dates(plan)
    if not first <= effective_date <= last:
        errors["effective_date"] = _("適用日は計画期間（%(first)s〜%(last)s）の日付を入力してください。") % {
            "first": f"{first.year}年{first.month}月{first.day}日",
            "last": f"{last.year}年{last.month}月{last.day}日",
        }
    if errors:
        raise ValidationError(errors)
    with service_atomic():
        _targets_locked(Target.objects.filter(indicator__measure_id=target.indicator.measure_id))
        target.refresh_from_db()
        revision = TargetRevision(
            target=target,
            previous_text=target.text,
            previous_value=target.value,
            text=text.strip(),
            value=value,
            reason=reason.strip(),
            effective_date=effective_date,
            revised_by=user if user is not None and user.is_authenticated else None,
        )
        revision.full_clean(exclude=["target", "revised_by"])
        if not target.is_revised:
            target.is_revised = True
            target.original_text, target.original_value = target.text, target.value
        target.text, target.value = revision.text, value
        target.full_clean(validate_unique=False, validate_constraints=False)
        target.save()
        revision.save()
        results_recompute(plan=plan, measures=[target.indicator.measure])
        data_changed()  # the measure page and the dashboard show the revision (core.cache)
    return revision


def plan_period_dates(plan: Plan) -> tuple[datetime.date, datetime.date]:
    """The plan period's first and last day: 1 April of its first fiscal year to 31 March
    after its last."""
    return datetime.date(plan.first_fiscal_year, 4, 1), datetime.date(plan.last_fiscal_year + 1, 3, 31)
