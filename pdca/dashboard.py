"""Reads for the headquarters dashboard. Each function costs a fixed number of queries,
whatever the number of measures; all rates come from indicators.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

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


def measures_at_risk(plan: Plan, plan_year: PlanYear, measures: QuerySet[Measure] | None = None) -> QuerySet[Measure]:
    """Measures graded in the two lowest bands, without a report, or with a delayed schedule
    item, annotated with their rate, grade, outcome, delay and report status.

    A queryset, so that the dashboard pages through it: its cost does not grow with the plan.
    `measures` (e.g. from a filter) narrows the list.
    """
    low_bands = list(plan.grade_bands.order_by("-order").values_list("code", flat=True)[:2])
    result = MeasureResult.objects.filter(measure=OuterRef("pk"), plan_year=plan_year)
    delayed = ScheduleProgress.objects.filter(
        schedule_item__measure=OuterRef("pk"), plan_year=plan_year, status=ProgressStatus.DELAYED
    )
    status = Submission.objects.filter(measure=OuterRef("pk"), plan_year=plan_year).values("status")[:1]
    return (
        (measures if measures is not None else Measure.objects.filter(plan=plan))
        .annotate(
            risk_rate=Subquery(result.values("rate")[:1]),
            risk_grade=Subquery(result.values("grade")[:1]),
            risk_outcome=Subquery(result.values("outcome")[:1]),
            risk_delayed=Exists(delayed),
            risk_status=Coalesce(Subquery(status), Value(SubmissionStatus.NOT_STARTED.value)),
        )
        .filter(Q(risk_grade__in=low_bands) | Q(risk_outcome=MeasureResult.Outcome.UNREPORTED) | Q(risk_delayed=True))
        .select_related("field")
        .prefetch_related("measure_sections__section")
        .order_by("order")
    )
