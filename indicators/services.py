"""Writes to indicators, targets and actuals, with the achievement computed as they are written.

These services trust their caller: the rights check ("may this user edit this measure in
this year?") belongs to `pdca.rights`, which every user-facing write asks first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from indicators import achievement
from indicators.models import Actual, Indicator, MeasureResult, MilestoneStatus, Target
from measures.models import Measure, Plan, PlanYear


class StaleVersionError(Exception):
    """Someone else saved this actual after the form was opened."""

    def __init__(self, current: Actual):
        self.current = current
        super().__init__(f"actual {current.pk} is at version {current.version}")


def rules_for(plan: Plan) -> achievement.Rules:
    bands = [achievement.Band(b.code, b.label, b.min_rate) for b in plan.grade_bands.order_by("order")]
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
    return achievement.indicator_achievement(
        has_target=target is not None and target.is_set,
        target_value=target.value if target else None,
        is_milestone=indicator.is_milestone,
        lower_is_better=indicator.direction == "lower",
        baseline=indicator.baseline,
        actual_value=actual.value if actual else None,
        milestone_status=actual.milestone_status if actual else None,
        rules=rules,
    )


def actual_record(
    *,
    indicator: Indicator,
    plan_year: PlanYear,
    value: Decimal | None = None,
    milestone_status: str = "",
    description: str = "",
    comment: str = "",
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    is_demo: bool = False,
) -> Actual:
    """Record (create or update) an actual, store its achievement and refresh its measure's result.

    `expected_version` is the version the user's form was built from; if the row has moved on
    since, nothing is written and StaleVersionError carries the current row.
    """
    if plan_year.plan_id != indicator.measure.plan_id:
        raise ValidationError("年度が施策の計画と一致しません。")
    with transaction.atomic():
        actual = Actual.objects.select_for_update().filter(indicator=indicator, plan_year=plan_year).first()
        if actual is not None and expected_version is not None and actual.version != expected_version:
            raise StaleVersionError(actual)
        if actual is None:
            if expected_version not in (None, 0):
                raise StaleVersionError(Actual(indicator=indicator, plan_year=plan_year, version=0))
            actual = Actual(indicator=indicator, plan_year=plan_year, version=0)
        unchanged = (
            actual.pk is not None
            and actual.value == value
            and actual.milestone_status == milestone_status
            and actual.description == description
            and actual.comment == comment
        )
        if unchanged:
            return actual
        actual.value = value
        actual.milestone_status = milestone_status
        actual.description = description
        actual.comment = comment
        actual.entered_by = user if user is not None and user.is_authenticated else None
        actual.version += 1
        actual.is_demo = is_demo
        target = Target.objects.filter(indicator=indicator, plan_year=plan_year).first()
        _apply(actual, indicator_achievement_for(indicator, target, actual, rules_for(indicator.measure.plan)))
        actual.full_clean(validate_unique=False, validate_constraints=False)
        actual.save()
        measure_results_refresh(measures=[indicator.measure], plan_years=[plan_year])
    return actual


def actual_delete(*, actual: Actual) -> None:
    """Remove an actual (e.g. one entered for the wrong year) and refresh its measure's result."""
    with transaction.atomic():
        measure, plan_year = actual.indicator.measure, actual.plan_year
        actual.delete()
        measure_results_refresh(measures=[measure], plan_years=[plan_year])


def target_update(*, target: Target, text: str, value: Decimal | None) -> Target:
    """Change a printed target (HQ only); recompute what depends on it."""
    with transaction.atomic():
        target.text, target.value = text, value
        target.full_clean(validate_unique=False, validate_constraints=False)
        target.save()
        results_recompute(plan=target.indicator.measure.plan, measures=[target.indicator.measure])
    return target


def _apply(actual: Actual, result: achievement.Achievement) -> None:
    actual.raw_rate = result.raw_rate
    actual.capped_rate = result.capped_rate
    actual.grade = result.grade or ""


def results_recompute(*, plan: Plan, measures: Iterable[Measure] | None = None) -> None:
    """Recompute every stored rate and grade of a plan (or of some measures), e.g. after a
    threshold or target changed. Cost grows with the rows, queries do not."""
    rules = rules_for(plan)
    with transaction.atomic():
        actuals = Actual.objects.filter(indicator__measure__plan=plan).select_related("indicator", "plan_year")
        targets = Target.objects.filter(indicator__measure__plan=plan)
        if measures is not None:
            measure_ids = [m.pk for m in measures]
            actuals = actuals.filter(indicator__measure_id__in=measure_ids)
            targets = targets.filter(indicator__measure_id__in=measure_ids)
        target_by_key = {(t.indicator_id, t.plan_year_id): t for t in targets}
        changed = []
        for actual in actuals:
            before = (actual.raw_rate, actual.capped_rate, actual.grade)
            target = target_by_key.get((actual.indicator_id, actual.plan_year_id))
            _apply(actual, indicator_achievement_for(actual.indicator, target, actual, rules))
            if (actual.raw_rate, actual.capped_rate, actual.grade) != before:
                changed.append(actual)
        # bulk_update bypasses history on purpose: a recomputation is not a user's change.
        Actual.objects.bulk_update(changed, ["raw_rate", "capped_rate", "grade"], batch_size=1000)
        measure_results_refresh(measures=list(measures) if measures is not None else None, plan=plan)


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
        measure_qs = Measure.objects.filter(plan=plan)
    else:
        measure_qs = Measure.objects.filter(pk__in=[m.pk for m in measures])
    measure_list = list(measure_qs.select_related("plan"))
    if not measure_list:
        return
    the_plan = plan or measure_list[0].plan
    rules = rules_for(the_plan)
    years = plan_years if plan_years is not None else list(the_plan.years.all())
    year_ids = [y.pk for y in years]
    indicators = list(Indicator.objects.filter(measure__in=measure_list))
    targets = {
        (t.indicator_id, t.plan_year_id): t
        for t in Target.objects.filter(indicator__in=indicators, plan_year_id__in=year_ids)
    }
    actuals = {
        (a.indicator_id, a.plan_year_id): a
        for a in Actual.objects.filter(indicator__in=indicators, plan_year_id__in=year_ids)
    }
    by_measure: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_measure[indicator.measure_id].append(indicator)

    existing = {
        (r.measure_id, r.plan_year_id): r
        for r in MeasureResult.objects.filter(measure__in=measure_list, plan_year_id__in=year_ids)
    }
    to_create, to_update = [], []
    for measure in measure_list:
        for year in years:
            results = []
            with_target = reported = 0
            for indicator in by_measure[measure.pk]:
                target = targets.get((indicator.pk, year.pk))
                actual = actuals.get((indicator.pk, year.pk))
                if actual is not None and actual.raw_rate is not None:
                    result = achievement.Achievement(
                        achievement.Outcome.GRADED, actual.raw_rate, actual.capped_rate, actual.grade
                    )
                else:
                    result = indicator_achievement_for(indicator, target, None, rules)
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
            row = existing.get((measure.pk, year.pk))
            if row is None:
                to_create.append(MeasureResult(measure=measure, plan_year=year, **values))
            elif any(getattr(row, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                to_update.append(row)
    MeasureResult.objects.bulk_create(to_create, batch_size=1000)
    MeasureResult.objects.bulk_update(
        to_update, ["outcome", "rate", "grade", "indicators_with_target", "indicators_reported"], batch_size=1000
    )
