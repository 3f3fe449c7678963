"""Reads for the workbooks. The meeting workbook: every roll-up of the 概要 sheet and each
measure with its indicators' figures for the 施策一覧 and 施策別 sheets. The department template: each measure's
entry as saved now.

The rates and grades are the ones `indicators.selectors` hands every page (stored on
MeasureResult and Actual when written); nothing is recomputed here. The rows are built
from a fixed number of queries that fetch plain tuples, not model instances, so that a
plan of 10,000 measures costs the same number of queries as the real plan's 76 and stays
within a modest amount of memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.fiscal_year import reiwa_short
from indicators.achievement import OUTCOME_LABELS
from indicators.basis import DEFAULT_BASIS
from indicators.models import Actual, Indicator, MeasureResult, MilestoneStatus, Target
from indicators.selectors import Rollup, indicator_results_for_year, measure_results_for_year, rollup
from measures.models import Measure, MeasureSection, Pillar, Plan, PlanYear, ScheduleItem, SubPillar
from measures.selectors import bureaus_in_plan_order, sections_in_plan_order
from pdca import rights
from pdca.dashboard import measures_at_risk
from pdca.models import ScheduleProgress, SelfAssessment, Submission, SubmissionStatus
from pdca.selectors import submission_status_counts


@dataclass
class SummaryRow:
    """One line of a 概要 table: a group's labels, its roll-up and its submission counts."""

    labels: tuple[str, str]
    rollup: Rollup
    statuses: dict[str, int]


@dataclass
class Summary:
    bands: list[tuple[str, str, Decimal]]  # code, label, lower bound
    judgements: list[tuple[str, Decimal]]  # label, lowest share of top-graded measures; best first
    plan: SummaryRow
    pillars: list[SummaryRow] = field(default_factory=list)
    subpillars: list[SummaryRow] = field(default_factory=list)
    bureaus: list[SummaryRow] = field(default_factory=list)
    sections: list[SummaryRow] = field(default_factory=list)


def meeting_summary(*, plan: Plan, fiscal_year: int, basis: str = DEFAULT_BASIS) -> Summary:
    """The 概要 sheet: plan, pillar, sub-pillar, bureau and section roll-ups with submission
    counts, bureaus and sections in plan order. A fixed number of queries."""

    def level(name: str) -> tuple[dict, dict]:
        return (
            rollup(plan=plan, fiscal_year=fiscal_year, level=name, basis=basis),
            submission_status_counts(plan=plan, fiscal_year=fiscal_year, level=name),
        )

    def rows(groups, name: str, labels) -> list[SummaryRow]:
        rollups, statuses = level(name)
        return [
            SummaryRow(labels(group), rollups[group.pk], statuses.get(group.pk, {}))
            for group in groups
            if group.pk in rollups
        ]

    plan_rollups, plan_statuses = level("plan")
    return Summary(
        bands=list(plan.grade_bands.order_by("order").values_list("code", "label", "min_rate")),
        judgements=list(plan.judgements.order_by("-min_share").values_list("label", "min_share")),
        plan=SummaryRow(("", plan.name), plan_rollups.get(None, Rollup()), plan_statuses.get(None, {})),
        pillars=rows(Pillar.objects.filter(plan=plan), "pillar", lambda p: (p.code, p.name)),
        subpillars=rows(SubPillar.objects.filter(pillar__plan=plan), "subpillar", lambda s: (s.code, s.name)),
        bureaus=rows(bureaus_in_plan_order(plan), "bureau", lambda b: (b.name, "")),
        sections=rows(sections_in_plan_order(plan), "section", lambda s: (s.bureau.name, s.name)),
    )


@dataclass(slots=True)
class TargetCell:
    """A year's target: its number where the plan gives one, else its text (a milestone)."""

    value: Decimal | None
    text: str
    # The printed target when headquarters has revised it (目標値の見直し): the figures above
    # are the target in force, which every rate uses.
    is_revised: bool = False
    original_value: Decimal | None = None
    original_text: str = ""


NO_TARGET = TargetCell(None, "")


@dataclass(slots=True)
class IndicatorFigures:
    """An indicator's targets and the year's actual, rate and grade."""

    pk: int
    name: str
    unit: str
    targets: list[TargetCell]
    actual_value: Decimal | None
    actual_label: str  # a milestone's 達成状況
    description: str  # 実施内容
    rate: Decimal | None
    grade: str


@dataclass(slots=True)
class MeasureBlock:
    """A measure with everything the workbook shows of it in a year: the card, the owners,
    each indicator's figures, the measure's rate and grade, and the submission."""

    pk: int
    code: str
    name: str
    summary: str
    goal: str
    target_year: str
    pillar: str
    field: str
    bureaus: list[str]
    sections: list[str]
    indicators: list[IndicatorFigures]
    rate: Decimal | None
    grade: str
    status: str
    status_label: str
    self_assessment: str
    achievements_text: str
    issues_text: str
    next_steps_text: str


def achievement_labels() -> dict:
    """`Achievement.label` of an ungraded result by its outcome, translated once rather than
    per indicator."""
    return {outcome: str(label) for outcome, label in OUTCOME_LABELS.items()}


def target_year_labels(plan: Plan) -> list[str]:
    """Column heads for the targets: R1, R2, ..."""
    return [_("%(year)s目標") % {"year": reiwa_short(year)} for year in plan.fiscal_years]


def measure_blocks(*, plan: Plan, fiscal_year: int, basis: str = DEFAULT_BASIS) -> Iterator[MeasureBlock]:
    """Every measure of the plan in plan order with its indicators' figures and its report
    for the year. The queries run before the first measure; their number is fixed."""
    years = plan.fiscal_years
    year_index = {year: index for index, year in enumerate(years)}
    measures = list(
        plan.measures.order_by("order").values_list(
            "pk",
            "code",
            "name",
            "summary",
            "goal",
            "target_fiscal_year_text",
            "field__code",
            "field__name",
            "field__subpillar__pillar__code",
            "field__subpillar__pillar__name",
        )
    )
    owners: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for measure_id, section_name, bureau_name in (
        MeasureSection.objects.filter(measure__plan=plan)
        .order_by("measure_id", "order")
        .values_list("measure_id", "section__name", "section__bureau__name")
    ):
        owners[measure_id].append((bureau_name, section_name))
    indicators: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for pk, measure_id, name, unit, number in (
        Indicator.objects.filter(measure__plan=plan)
        .order_by("measure_id", "order", "pk")
        .values_list("pk", "measure_id", "name", "unit", "subprogramme__number")
    ):
        indicators[measure_id].append((pk, f"({number}) {name}" if number else name, unit))
    targets: dict[int, list[TargetCell]] = {}
    for indicator_id, target_year, *target in Target.objects.filter(indicator__measure__plan=plan).values_list(
        "indicator_id", "plan_year__fiscal_year", "value", "text", "is_revised", "original_value", "original_text"
    ):
        targets.setdefault(indicator_id, [NO_TARGET] * len(years))[year_index[target_year]] = TargetCell(*target)
    milestone_labels = {value: str(label) for value, label in MilestoneStatus.choices}
    actuals = {
        indicator_id: (value, milestone_labels.get(status, ""), description)
        for indicator_id, value, status, description in Actual.objects.filter(
            indicator__measure__plan=plan, plan_year__fiscal_year=fiscal_year
        ).values_list("indicator_id", "value", "milestone_status", "description")
    }
    results = indicator_results_for_year(plan=plan, fiscal_year=fiscal_year, basis=basis)
    measure_results = measure_results_for_year(plan=plan, fiscal_year=fiscal_year, basis=basis)
    # The results' labels (Achievement.label, MeasureResult.label), each outcome's translated once.
    outcome_labels = achievement_labels()
    measure_outcome_labels = {value: str(label) for value, label in MeasureResult.Outcome.choices}
    status_labels = {value: str(label) for value, label in SubmissionStatus.choices}
    assessment_labels = {value: str(label) for value, label in SelfAssessment.choices}
    submissions = {
        row[0]: row[1:]
        for row in Submission.objects.filter(measure__plan=plan, plan_year__fiscal_year=fiscal_year).values_list(
            "measure_id", "status", "self_assessment", "achievements_text", "issues_text", "next_steps_text"
        )
    }
    no_targets = [NO_TARGET] * len(years)
    for (
        measure_id,
        code,
        name,
        summary,
        goal,
        target_year,
        field_code,
        field_name,
        pillar_code,
        pillar_name,
    ) in measures:
        sections = owners.get(measure_id, [])
        measure_result = measure_results.get(measure_id)
        status, assessment, done, issues, next_steps = submissions.get(
            measure_id, (SubmissionStatus.NOT_STARTED.value, "", "", "", "")
        )
        figures = []
        for indicator_id, indicator_name, unit in indicators.get(measure_id, ()):
            value, milestone, description = actuals.get(indicator_id, (None, "", ""))
            result = results.get(indicator_id)
            figures.append(
                IndicatorFigures(
                    pk=indicator_id,
                    name=indicator_name,
                    unit=unit,
                    targets=targets.get(indicator_id, no_targets),
                    actual_value=value,
                    actual_label=milestone,
                    description=description,
                    rate=result.raw_rate if result else None,
                    grade=(result.grade or outcome_labels[result.outcome]) if result else "",
                )
            )
        yield MeasureBlock(
            pk=measure_id,
            code=code,
            name=name,
            summary=summary,
            goal=goal,
            target_year=target_year,
            pillar=f"{pillar_code} {pillar_name}",
            field=f"{field_code} {field_name}",
            bureaus=list(dict.fromkeys(bureau for bureau, _section in sections)),
            sections=[section for _bureau, section in sections],
            indicators=figures,
            rate=measure_result.rate if measure_result else None,
            grade=(
                measure_result.grade or measure_outcome_labels.get(measure_result.outcome, measure_result.outcome)
                if measure_result
                else ""
            ),
            status=status,
            status_label=status_labels.get(status, status),
            self_assessment=assessment_labels.get(assessment, ""),
            achievements_text=done,
            issues_text=issues,
            next_steps_text=next_steps,
        )


def at_risk_rows(*, plan: Plan, plan_year: PlanYear, basis: str = DEFAULT_BASIS):
    """The dashboard's measures at risk (`pdca.dashboard.measures_at_risk`) for the 要注意施策
    sheet, as plain values: (pk, rate, grade, outcome, delayed, report status). One query."""
    return measures_at_risk(plan, plan_year, basis=basis).values_list(
        "pk", "risk_rate", "risk_grade", "risk_outcome", "risk_delayed", "risk_status"
    )


@dataclass(slots=True)
class YearFigures:
    """An indicator's actual, rate and grade in one year."""

    actual_value: Decimal | None
    actual_label: str
    rate: Decimal | None
    grade: str


def indicator_year_figures(*, plan: Plan, fiscal_year: int, basis: str = DEFAULT_BASIS) -> dict[int, YearFigures]:
    """Each indicator's actual, rate and grade in a year (the 前年度比較 sheet's earlier year),
    keyed by the indicator's id. Two queries."""
    milestone_labels = {value: str(label) for value, label in MilestoneStatus.choices}
    actuals = dict(
        (indicator_id, (value, milestone_labels.get(status, "")))
        for indicator_id, value, status in Actual.objects.filter(
            indicator__measure__plan=plan, plan_year__fiscal_year=fiscal_year
        ).values_list("indicator_id", "value", "milestone_status")
    )
    outcome_labels = achievement_labels()
    figures = {}
    for indicator_id, result in indicator_results_for_year(plan=plan, fiscal_year=fiscal_year, basis=basis).items():
        value, label = actuals.get(indicator_id, (None, ""))
        grade = result.grade or outcome_labels[result.outcome]  # result.label
        figures[indicator_id] = YearFigures(value, label, result.raw_rate, grade)
    return figures


@dataclass
class IndicatorState:
    indicator: Indicator
    target: Target | None
    actual: Actual | None


@dataclass
class ProgressState:
    item: ScheduleItem
    progress: ScheduleProgress | None


@dataclass
class MeasureState:
    """A measure's entry for a year as saved now, and whether this user may change it."""

    measure: Measure
    submission: Submission
    decision: rights.Decision
    indicators: list[IndicatorState] = field(default_factory=list)
    progress: list[ProgressState] = field(default_factory=list)


def entry_states(*, user, plan_year: PlanYear) -> list[MeasureState]:
    """What the department template holds and what an upload is compared with: the
    measures this user enters results for, with each indicator's target and actual, the
    year's schedule rows with their progress, and the submission. Queries are fixed in
    number apart from `pdca.rights.may_edit`, asked once per measure."""
    measures = list(rights.measures_owned_by(user, plan_year.plan).select_related("plan", "field").order_by("order"))
    ids = [m.pk for m in measures]
    submissions = {
        s.measure_id: s
        for s in Submission.objects.filter(measure_id__in=ids, plan_year=plan_year).select_related("updated_by")
    }
    targets = {t.indicator_id: t for t in Target.objects.filter(indicator__measure_id__in=ids, plan_year=plan_year)}
    actuals = {a.indicator_id: a for a in Actual.objects.filter(indicator__measure_id__in=ids, plan_year=plan_year)}
    progress = {
        p.schedule_item_id: p
        for p in ScheduleProgress.objects.filter(schedule_item__measure_id__in=ids, plan_year=plan_year)
    }
    states = {}
    for measure in measures:
        submission = submissions.get(measure.pk) or Submission(
            measure=measure, plan_year=plan_year, status=SubmissionStatus.NOT_STARTED, version=0
        )
        decision = rights.may_edit(user, measure, plan_year, submissions.get(measure.pk))
        states[measure.pk] = MeasureState(measure, submission, decision)
    for indicator in (
        Indicator.objects.filter(measure_id__in=ids).select_related("subprogramme").order_by("measure_id", "order")
    ):
        indicator.measure = states[indicator.measure_id].measure
        states[indicator.measure_id].indicators.append(
            IndicatorState(indicator, targets.get(indicator.pk), actuals.get(indicator.pk))
        )
    for item in (
        ScheduleItem.objects.filter(measure_id__in=ids, years=plan_year)
        .select_related("subprogramme")
        .order_by("measure_id", "order")
    ):
        item.measure = states[item.measure_id].measure
        states[item.measure_id].progress.append(ProgressState(item, progress.get(item.pk)))
    return list(states.values())
