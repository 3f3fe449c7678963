"""Reads for the headquarters dashboard. Each function costs a fixed number of queries,
whatever the number of measures; all rates come from indicators.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import Case, Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.pagination import CountedPaginator
from indicators.basis import Basis, reached_on
from indicators.models import GroupResult, MeasureResult
from indicators.selectors import Rollup, plan_bands, rollup, rollups_by_year
from measures.models import Bureau, Measure, Pillar, Plan, PlanYear, ScheduleItem, SubPillar
from pdca.models import ProgressStatus, ScheduleProgress, SubmissionStatus
from pdca.selectors import submission_status_counts


@dataclass
class Headline:
    plan: Rollup
    status_counts: dict[str, int]
    measures: int
    # The plan's roll-up in the previous plan year, on the same basis (None in the first year).
    previous: Rollup | None = None

    @property
    def submitted(self) -> int:
        return self.status_counts.get(SubmissionStatus.SUBMITTED, 0)

    @property
    def approved(self) -> int:
        return self.status_counts.get(SubmissionStatus.APPROVED, 0)

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [(SubmissionStatus(status).label, count) for status, count in self.status_counts.items()]


@dataclass
class Overview:
    """The plan's and its pillars' stored roll-ups for every year, read once (one query) for
    the headline, the pillar rows and the year-over-year lines."""

    plan: Plan
    pillars: list[Pillar]
    stored: dict[tuple[int, str, int | None], Rollup]
    basis: str = Basis.ENTERED

    def rollup(self, fiscal_year: int, level: str, pk: int | None = None) -> Rollup:
        return self.stored.get((fiscal_year, level, pk), Rollup())

    def previous(self, fiscal_year: int, level: str, pk: int | None = None) -> Rollup | None:
        """The group's roll-up a year earlier, or None in the plan's first year."""
        if fiscal_year <= self.plan.first_fiscal_year:
            return None
        return self.rollup(fiscal_year - 1, level, pk)


def overview(plan: Plan, basis: str = Basis.ENTERED) -> Overview:
    """The plan's and pillars' roll-ups on `basis` (indicators.basis) for every year."""
    return Overview(
        plan=plan,
        # Each with its number of sub-pillars, which the sub-pillar pager counts on.
        pillars=list(Pillar.objects.filter(plan=plan).annotate(subpillar_count=Count("subpillars")).order_by("order")),
        stored=rollups_by_year(plan=plan, levels=["plan", "pillar"], basis=basis),
        basis=basis,
    )


def headline(view: Overview, fiscal_year: int) -> Headline:
    plan_rollup = view.rollup(fiscal_year, "plan")
    by_status = submission_status_counts(
        plan=view.plan, fiscal_year=fiscal_year, level="plan", measures=plan_rollup.measures
    ).get(None, {})
    counts = {status: by_status.get(status, 0) for status in SubmissionStatus.values}
    return Headline(
        plan=plan_rollup,
        status_counts=counts,
        measures=sum(counts.values()),
        previous=view.previous(fiscal_year, "plan"),
    )


@dataclass
class TreeRow:
    level: str
    code: str
    name: str
    pk: int
    rollup: Rollup
    # The same group's roll-up a year earlier (same basis); None in the plan's first year.
    previous: Rollup | None = None


SUBPILLARS_PER_PAGE = 20


def pillar_rows(view: Overview, fiscal_year: int, page_number: str | int | None = None) -> tuple[list[TreeRow], Page]:
    """Pillars each followed by their sub-pillars (one page of them, for a plan with many),
    with roll-ups; and the page, for its pager."""
    plan = view.plan
    subpillars = SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order")
    # Counted from what the overview read with the pillars, instead of a COUNT(*) of its own.
    paginator = CountedPaginator(
        subpillars.values_list("pk", "pillar_id", "code", "name"),
        SUBPILLARS_PER_PAGE,
        count=lambda: sum(pillar.subpillar_count for pillar in view.pillars),
    )
    page = paginator.get_page(page_number)
    shown = list(page.object_list)
    ids = [pk for pk, *_rest in shown]
    by_subpillar = rollup(plan=plan, fiscal_year=fiscal_year, level="subpillar", ids=ids, basis=view.basis)
    has_previous = fiscal_year > plan.first_fiscal_year
    before = (
        rollup(plan=plan, fiscal_year=fiscal_year - 1, level="subpillar", ids=ids, basis=view.basis)
        if has_previous
        else {}
    )
    rows = []
    for pillar in view.pillars:
        rows.append(
            TreeRow(
                "pillar",
                pillar.code,
                pillar.name,
                pillar.pk,
                view.rollup(fiscal_year, "pillar", pillar.pk),
                view.previous(fiscal_year, "pillar", pillar.pk),
            )
        )
        for pk, pillar_id, code, name in shown:
            if pillar_id == pillar.pk:
                previous = before.get(pk, Rollup()) if has_previous else None
                rows.append(TreeRow("subpillar", code, name, pk, by_subpillar.get(pk, Rollup()), previous))
    return rows, page


@dataclass
class YearSeries:
    label: str
    rates: list[Decimal | None]


def year_over_year(view: Overview) -> tuple[list[int], list[YearSeries]]:
    """Mean achievement of the plan and each pillar, for every plan year."""
    years = view.plan.fiscal_years
    plan_series = YearSeries(_("計画全体"), [view.rollup(year, "plan").mean_rate for year in years])
    pillar_series = [
        YearSeries(
            _("柱%(code)s %(name)s") % {"code": p.code, "name": p.name},
            [view.rollup(year, "pillar", p.pk).mean_rate for year in years],
        )
        for p in view.pillars
    ]
    return years, [plan_series, *pillar_series]


def group_results(plan_year: PlanYear, level: str, basis: str = Basis.ENTERED) -> QuerySet[GroupResult]:
    """A level's stored roll-ups for a year, for a sortable, paged table (which reads its
    page's names and figures as values). Selected by the plan year's id, not through a join
    on the plan and fiscal year: with the id known, PostgreSQL walks the roll-ups' name index
    for a page in name order (1 ms) instead of sorting every section of the plan (6 ms at
    10,000 measures)."""
    return GroupResult.objects.filter(plan_year=plan_year, level=level, basis=basis)


def group_counts(plan_year: PlanYear, levels: list[str], basis: str = Basis.ENTERED) -> dict[str, int]:
    """How many groups (bureaus, sections) of each level have a stored roll-up in the year: the
    row counts of their tables, in one query rather than one COUNT(*) a table."""
    rows = (
        GroupResult.objects.filter(plan_year=plan_year, level__in=levels, basis=basis)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    return {level: found.get(level, 0) for level in levels}


def measures_at_risk_count(
    view: Overview,
    plan_year: PlanYear,
    measures: QuerySet[Measure],
    *,
    pillar: Pillar | None = None,
    bureau: Bureau | None = None,
) -> int:
    """How many measures `measures_at_risk` lists, without counting the plan's measures one by
    one: the stored roll-up of the plan, the pillar (both in `view`, already read) or the
    bureau filtered on holds its low grades and unreported measures, and only the (few)
    measures delayed but otherwise not at risk are counted by query. `measures` is the
    filtered queryset the list pages through; filtered by both a pillar and a bureau, no
    stored row answers, so it is counted by query."""
    plan = view.plan
    weak = MeasureResult.objects.filter(measure=OuterRef("pk"), plan_year=plan_year).filter(_weak_on(plan, view.basis))
    late = ScheduleItem.objects.filter(progress__plan_year=plan_year, progress__status=ProgressStatus.DELAYED)
    if pillar is not None and bureau is not None:
        return measures.filter(Q(Exists(weak)) | Q(pk__in=late.values("measure_id"))).count()
    if bureau is not None:
        group = rollup(
            plan=plan, fiscal_year=plan_year.fiscal_year, level="bureau", ids=[bureau.pk], basis=view.basis
        ).get(bureau.pk, Rollup())
    elif pillar is not None:
        group = view.rollup(plan_year.fiscal_year, "pillar", pillar.pk)
    else:
        group = view.rollup(plan_year.fiscal_year, "plan")
    low = sum(group.grade_counts.get(code, 0) for code in low_bands(plan)) + group.unreported
    late_only = measures.filter(pk__in=late.values("measure_id")).exclude(Exists(weak)).count()
    return low + late_only


def _weak_on(plan: Plan, basis: str, prefix: str = "") -> Q:
    """A measure result graded in the two lowest bands or 未報告, as `basis` sees it: a
    graded result whose report has not reached the basis counts as 未報告."""
    counted = Q(**{f"{prefix}basis_reached__in": reached_on(basis)})
    graded = Q(**{f"{prefix}outcome": MeasureResult.Outcome.GRADED})
    return (
        (Q(**{f"{prefix}grade__in": low_bands(plan)}) & counted)
        | Q(**{f"{prefix}outcome": MeasureResult.Outcome.UNREPORTED})
        | (graded & ~counted)
    )


def _delayed(plan_year: PlanYear) -> QuerySet[ScheduleProgress]:
    """A delayed schedule item of the outer measure in the year. Written as "progress whose
    item is among the measure's items" so that SQLite looks each item up by the progress
    table's unique index; as a join it walked the whole year's progress for every measure."""
    items = ScheduleItem.objects.filter(measure=OuterRef(OuterRef("pk"))).values("pk")
    return ScheduleProgress.objects.filter(schedule_item__in=items, plan_year=plan_year, status=ProgressStatus.DELAYED)


def low_bands(plan: Plan) -> list[str]:
    """The two lowest grades (C and D in the real plan)."""
    return [band.code for band in plan_bands(plan)[-2:]]


def measures_at_risk(
    plan: Plan, plan_year: PlanYear, measures: QuerySet[Measure] | None = None, *, basis: str = Basis.ENTERED
) -> QuerySet[Measure]:
    """Measures graded in the two lowest bands, without a report, or with a delayed schedule
    item, annotated with their rate, grade, outcome, delay and report status, as `basis`
    sees them (a graded measure whose report has not reached it is 未報告).

    A queryset, so that the dashboard pages through it: its cost does not grow with the plan.
    `measures` (e.g. from a filter) narrows the list.
    """
    # The year's result and report joined to each measure (one row each, by unique index), so
    # that a page in plan order (the measure index) stops after its rows instead of reading
    # the whole year's results first.
    return (
        (measures if measures is not None else Measure.objects.filter(plan=plan))
        .alias(
            year_result=FilteredRelation("results", condition=Q(results__plan_year=plan_year)),
            year_report=FilteredRelation("submissions", condition=Q(submissions__plan_year=plan_year)),
        )
        .annotate(
            **_result_on_basis(basis),
            risk_delayed=Exists(_delayed(plan_year)),
            risk_status=Coalesce(F("year_report__status"), Value(SubmissionStatus.NOT_STARTED.value)),
        )
        .filter(
            Q(risk_grade__in=low_bands(plan)) | Q(risk_outcome=MeasureResult.Outcome.UNREPORTED) | Q(risk_delayed=True)
        )
        # The columns the list shows: a measure's summary, goal and notes are long texts.
        .only("plan", "code", "name", "order")
        .order_by("order")
    )


def _result_on_basis(basis: str) -> dict:
    """The year's result columns (`year_result`) as `basis` sees them: a graded result whose
    report has not reached the basis reads as 未報告, without a rate or grade."""
    if basis == Basis.ENTERED:
        return {
            "risk_rate": F("year_result__rate"),
            "risk_grade": F("year_result__grade"),
            "risk_outcome": F("year_result__outcome"),
        }
    counted = Q(year_result__basis_reached__in=reached_on(basis))
    return {
        "risk_rate": Case(When(counted, then=F("year_result__rate")), default=None),
        "risk_grade": Case(When(counted, then=F("year_result__grade")), default=Value("")),
        "risk_outcome": Case(
            When(counted | ~Q(year_result__outcome=MeasureResult.Outcome.GRADED), then=F("year_result__outcome")),
            default=Value(MeasureResult.Outcome.UNREPORTED.value),
        ),
    }
