"""Reads for the headquarters dashboard. Each function costs a fixed number of queries,
whatever the number of measures; all rates come from indicators.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indicators.models import MeasureResult
from indicators.selectors import Rollup, rollup
from measures.models import Bureau, Measure, Pillar, Plan, PlanYear, Section, SubPillar
from pdca.models import ProgressStatus, ScheduleProgress, Submission, SubmissionStatus
from pdca.selectors import submission_status_counts


@dataclass
class Headline:
    plan: Rollup
    status_counts: dict[str, int]
    measures: int

    @property
    def submitted(self) -> int:
        return self.status_counts.get(SubmissionStatus.SUBMITTED, 0)

    @property
    def approved(self) -> int:
        return self.status_counts.get(SubmissionStatus.APPROVED, 0)

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [(SubmissionStatus(status).label, count) for status, count in self.status_counts.items()]


def headline(plan: Plan, fiscal_year: int) -> Headline:
    by_status = submission_status_counts(plan=plan, fiscal_year=fiscal_year, level="plan").get(None, {})
    counts = {status: by_status.get(status, 0) for status in SubmissionStatus.values}
    plan_rollup = rollup(plan=plan, fiscal_year=fiscal_year, level="plan").get(None, Rollup())
    return Headline(plan=plan_rollup, status_counts=counts, measures=sum(counts.values()))


@dataclass
class TreeRow:
    level: str
    code: str
    name: str
    pk: int
    rollup: Rollup


def pillar_rows(plan: Plan, fiscal_year: int) -> list[TreeRow]:
    """Pillars each followed by their sub-pillars, with roll-ups."""
    pillars = rollup(plan=plan, fiscal_year=fiscal_year, level="pillar")
    subpillars = rollup(plan=plan, fiscal_year=fiscal_year, level="subpillar")
    rows = []
    subs_by_pillar: dict[int, list[SubPillar]] = {}
    for sub in SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order"):
        subs_by_pillar.setdefault(sub.pillar_id, []).append(sub)
    for pillar in Pillar.objects.filter(plan=plan).order_by("order"):
        rows.append(TreeRow("pillar", pillar.code, pillar.name, pillar.pk, pillars.get(pillar.pk, Rollup())))
        for sub in subs_by_pillar.get(pillar.pk, []):
            rows.append(TreeRow("subpillar", sub.code, sub.name, sub.pk, subpillars.get(sub.pk, Rollup())))
    return rows


@dataclass
class YearSeries:
    label: str
    rates: list[Decimal | None]


def year_over_year(plan: Plan) -> tuple[list[int], list[YearSeries]]:
    """Mean achievement of the plan and each pillar, for every plan year (2 queries a year)."""
    years = plan.fiscal_years
    pillars = list(Pillar.objects.filter(plan=plan).order_by("order"))
    plan_series = YearSeries("計画全体", [])
    pillar_series = {p.pk: YearSeries(f"柱{p.code} {p.name}", []) for p in pillars}
    for year in years:
        plan_series.rates.append(rollup(plan=plan, fiscal_year=year, level="plan").get(None, Rollup()).mean_rate)
        by_pillar = rollup(plan=plan, fiscal_year=year, level="pillar")
        for pillar in pillars:
            pillar_series[pillar.pk].rates.append(by_pillar.get(pillar.pk, Rollup()).mean_rate)
    return years, [plan_series, *pillar_series.values()]


@dataclass
class DepartmentRow:
    bureau: str
    section: str
    section_id: int
    rollup: Rollup

    @property
    def owned(self) -> int:
        return self.rollup.measures

    @property
    def reported(self) -> int:
        return self.rollup.graded


def department_rows(plan: Plan, fiscal_year: int) -> list[DepartmentRow]:
    by_section = rollup(plan=plan, fiscal_year=fiscal_year, level="section")
    sections = (
        Section.objects.filter(pk__in=by_section.keys()).select_related("bureau").order_by("bureau__name", "name")
    )
    return [DepartmentRow(s.bureau.name, s.name, s.pk, by_section[s.pk]) for s in sections]


def bureau_rollups(plan: Plan, fiscal_year: int) -> list[tuple[Bureau, Rollup]]:
    by_bureau = rollup(plan=plan, fiscal_year=fiscal_year, level="bureau")
    return [(b, by_bureau[b.pk]) for b in Bureau.objects.filter(pk__in=by_bureau.keys()).order_by("name")]


@dataclass
class RiskRow:
    measure: Measure
    result: MeasureResult | None
    reasons: list[str]
    status: str


def measures_at_risk(plan: Plan, plan_year: PlanYear, measures=None) -> list[RiskRow]:
    """Measures graded C or D (the two lowest bands), without a report, or with a delayed schedule item.
    `measures` (a queryset, e.g. from a filter) narrows the list."""
    low_bands = list(plan.grade_bands.order_by("-order").values_list("code", flat=True)[:2])
    results = {
        r.measure_id: r
        for r in MeasureResult.objects.filter(plan_year=plan_year).exclude(outcome=MeasureResult.Outcome.NO_TARGET)
    }
    delayed = set(
        ScheduleProgress.objects.filter(plan_year=plan_year, status=ProgressStatus.DELAYED).values_list(
            "schedule_item__measure_id", flat=True
        )
    )
    statuses = dict(Submission.objects.filter(plan_year=plan_year).values_list("measure_id", "status"))
    flagged = {
        measure_id
        for measure_id, r in results.items()
        if r.grade in low_bands or r.outcome == MeasureResult.Outcome.UNREPORTED
    } | delayed
    rows = []
    measures = (
        (measures if measures is not None else Measure.objects.filter(plan=plan))
        .filter(pk__in=flagged)
        .select_related("field__subpillar__pillar")
        .prefetch_related("measure_sections__section__bureau")
        .order_by("order")
    )
    for measure in measures:
        result = results.get(measure.pk)
        reasons = []
        if result is not None and result.grade in low_bands:
            reasons.append(f"評価{result.grade}")
        if result is not None and result.outcome == MeasureResult.Outcome.UNREPORTED:
            reasons.append("未報告")
        if measure.pk in delayed:
            reasons.append("取組の遅延")
        status = statuses.get(measure.pk, SubmissionStatus.NOT_STARTED)
        rows.append(RiskRow(measure, result, reasons, SubmissionStatus(status).label))
    return rows
