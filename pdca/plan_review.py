"""Reads for the plan-period review (総括評価): every measure judged on its target in its
達成年度, the trend over all years, the schedule items completed and the final evaluation
text, with counts and roll-ups by pillar, sub-pillar and bureau.

A fixed number of queries whatever the size of the plan: the measures' final results are
read as plain values once (one row a measure) and counted here; the table shows one page of
measures, whose details are read for that page only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext_lazy as _

from indicators.achievement import quantize_rate
from indicators.basis import Basis, counts_on
from indicators.models import Actual, Indicator, MeasureResult, Target
from indicators.selectors import plan_bands
from measures.models import Measure, MeasureSection, Pillar, Plan, ScheduleItem, SubPillar
from pdca.models import FinalReview, ProgressStatus, SubmissionStatus

ACHIEVED, PARTLY, NOT_ACHIEVED, UNREPORTED, NO_TARGET = "achieved", "partly", "not_achieved", "unreported", "no_target"
VERDICT_LABELS = {
    ACHIEVED: _("達成"),
    PARTLY: _("一部達成"),
    NOT_ACHIEVED: _("未達成"),
    UNREPORTED: _("未報告"),
    NO_TARGET: _("対象外"),
}
MEASURES_PER_PAGE = 50


@dataclass
class Tally:
    """Counts of final verdicts over a group of measures, and their mean final rate."""

    name: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICT_LABELS, 0))
    rate_sum: Decimal = Decimal(0)
    graded: int = 0

    def add(self, verdict: str, rate: Decimal | None) -> None:
        self.counts[verdict] += 1
        if rate is not None and verdict in (ACHIEVED, PARTLY, NOT_ACHIEVED):
            self.rate_sum += rate
            self.graded += 1

    @property
    def measures(self) -> int:
        return sum(self.counts.values())

    @property
    def mean_rate(self) -> Decimal | None:
        return quantize_rate(self.rate_sum / self.graded) if self.graded else None


def verdict_of(outcome: str | None, grade: str, reached: str | None, basis: str, bands: list[str]) -> str:
    """達成 (top band), 未達成 (lowest band), 一部達成 (any other band), or 未報告 / 対象外;
    a graded result whose report has not reached `basis` is 未報告."""
    if outcome == MeasureResult.Outcome.NO_TARGET:
        return NO_TARGET
    if outcome != MeasureResult.Outcome.GRADED or not counts_on(reached or "entered", basis):
        return UNREPORTED
    if bands and grade == bands[0]:
        return ACHIEVED
    if bands and grade == bands[-1]:
        return NOT_ACHIEVED
    return PARTLY


@dataclass
class Summary:
    plan: Tally
    pillars: list[Tally]
    subpillars: list[Tally]
    bureaus: list[Tally]


def final_year(plan: Plan, target_fiscal_year: int) -> int:
    """The year a measure is judged on at the end of the plan: its 達成年度, or the nearest
    year of the plan's period for a 達成年度 outside it."""
    return min(max(target_fiscal_year, plan.first_fiscal_year), plan.last_fiscal_year)


def _final_year_expression(plan: Plan, path: str):
    """`final_year` in a query, for the 達成年度 at `path`."""
    return Greatest(Least(F(path), Value(plan.last_fiscal_year)), Value(plan.first_fiscal_year))


def final_results(plan: Plan) -> dict[int, tuple[str | None, Decimal | None, str, str | None]]:
    """Each measure's stored result in the year it is judged on (`final_year`) as (outcome,
    rate, grade, basis reached), keyed by measure id (one query)."""
    rows = MeasureResult.objects.filter(
        measure__plan=plan, plan_year__fiscal_year=_final_year_expression(plan, "measure__target_fiscal_year")
    ).order_by()
    return {
        measure_id: (outcome, rate, grade, reached)
        for measure_id, outcome, rate, grade, reached in rows.values_list(
            "measure_id", "outcome", "rate", "grade", "basis_reached"
        )
    }


@dataclass(frozen=True)
class Verdict:
    """How a measure ends the plan period on a basis: the year judged, its class, and the
    rate and grade (only for a measure achieved, partly achieved or not achieved)."""

    fiscal_year: int
    verdict: str
    rate: Decimal | None
    grade: str

    @property
    def label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    @property
    def counted(self) -> bool:
        return self.verdict in (ACHIEVED, PARTLY, NOT_ACHIEVED)


def verdicts(plan: Plan, basis: str) -> dict[int, Verdict]:
    """Every measure's final verdict on `basis`, keyed by measure id: the one rule the review
    page, the inspection report's plan-period edition and the workbook's 総括 sheet share
    (two queries)."""
    bands = [band.code for band in plan_bands(plan)]
    finals = final_results(plan)
    result = {}
    for measure_id, target_year in Measure.objects.filter(plan=plan).values_list("pk", "target_fiscal_year"):
        outcome, rate, grade, reached = finals.get(measure_id, (None, None, "", None))
        verdict = verdict_of(outcome, grade, reached, basis, bands)
        counted = verdict in (ACHIEVED, PARTLY, NOT_ACHIEVED)
        result[measure_id] = Verdict(
            final_year(plan, target_year), verdict, rate if counted else None, grade if counted else ""
        )
    return result


def verdict_counts(found: dict[int, Verdict]) -> dict[str, int]:
    """How many measures end in each class, in the order of `VERDICT_LABELS`."""
    counts = dict.fromkeys(VERDICT_LABELS, 0)
    for verdict in found.values():
        counts[verdict.verdict] += 1
    return counts


def final_texts(plan: Plan, basis: str) -> dict[int, str]:
    """The final evaluation texts (総括評価) whose review has reached `basis` (承認済のみ: approved
    reviews only), keyed by measure id."""
    statuses = {
        Basis.APPROVED: [SubmissionStatus.APPROVED],
        Basis.SUBMITTED: [SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED],
    }.get(basis, list(SubmissionStatus))
    return dict(
        FinalReview.objects.filter(measure__plan=plan, status__in=statuses)
        .exclude(evaluation_text="")
        .values_list("measure_id", "evaluation_text")
        .order_by()
    )


def summary(plan: Plan, basis: str) -> Summary:
    """Counts of measures achieved, partly achieved and not achieved, for the plan and by
    pillar, sub-pillar and bureau (a measure counts once in each bureau that owns it)."""
    found = verdicts(plan, basis)
    pillars = {p.pk: Tally(f"{p.code} {p.name}") for p in Pillar.objects.filter(plan=plan).order_by("order")}
    subpillars = {
        s.pk: Tally(f"{s.code} {s.name}")
        for s in SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order")
    }
    whole = Tally(str(_("計画全体")))
    for measure_id, subpillar_id, pillar_id in Measure.objects.filter(plan=plan).values_list(
        "pk", "field__subpillar_id", "field__subpillar__pillar_id"
    ):
        final = found[measure_id]
        for tally in (whole, pillars.get(pillar_id), subpillars.get(subpillar_id)):
            if tally is not None:
                tally.add(final.verdict, final.rate)
    bureaus: dict[int, Tally] = {}
    owners = (
        MeasureSection.objects.filter(measure__plan=plan)
        .values_list("measure_id", "section__bureau_id", "section__bureau__name")
        .distinct()
        .order_by("section__bureau__name")
    )
    for measure_id, bureau_id, bureau_name in owners:
        final = found[measure_id]
        bureaus.setdefault(bureau_id, Tally(bureau_name)).add(final.verdict, final.rate)
    return Summary(whole, list(pillars.values()), list(subpillars.values()), list(bureaus.values()))


@dataclass
class IndicatorFinal:
    name: str
    unit: str
    target: str
    actual: str
    target_value: Decimal | None = None
    actual_value: Decimal | None = None


@dataclass
class MeasureFinal:
    measure: Measure
    verdict: str
    verdict_label: str
    rate: Decimal | None
    grade: str
    indicators: list[IndicatorFinal]
    trend: list[tuple[int, Decimal | None]]
    items_done: int
    items: int
    review: FinalReview | None


def measure_page(plan: Plan, basis: str, page_number) -> tuple[list[MeasureFinal], Page]:
    """One page of measures in plan order, each with its final figures, trend, schedule
    completion and evaluation: a fixed number of queries for the page."""
    paginator = Paginator(Measure.objects.filter(plan=plan).order_by("order").only("pk"), MEASURES_PER_PAGE)
    page = paginator.get_page(page_number)
    return measure_finals(plan, basis, [m.pk for m in page.object_list]), page


def measure_finals(plan: Plan, basis: str, ids: list[int] | None = None) -> list[MeasureFinal]:
    """The measures `ids` (every measure of the plan when None) in plan order, each with its
    final figures in the year it is judged on (`final_year`), trend, schedule completion and
    evaluation: a fixed number of queries whatever their number."""
    bands = [band.code for band in plan_bands(plan)]
    measures = (Measure.objects.filter(pk__in=ids) if ids is not None else Measure.objects.filter(plan=plan)).only(
        "plan", "code", "name", "order", "target_fiscal_year"
    )
    by_id = {m.pk: m for m in measures}
    if ids is None:
        ids = [m.pk for m in sorted(by_id.values(), key=lambda m: m.order)]
    trend: dict[int, dict[int, tuple]] = defaultdict(dict)
    for measure_id, fiscal_year, outcome, rate, grade, reached in (
        MeasureResult.objects.filter(measure__in=measures)
        .order_by()
        .values_list("measure_id", "plan_year__fiscal_year", "outcome", "rate", "grade", "basis_reached")
    ):
        trend[measure_id][fiscal_year] = (outcome, rate, grade, reached)
    at_target = {"plan_year__fiscal_year": _final_year_expression(plan, "indicator__measure__target_fiscal_year")}
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator__measure__in=measures, **at_target).only(
            "indicator_id", "text", "value"
        )
    }
    actuals = {
        a.indicator_id: a
        for a in Actual.objects.filter(indicator__measure__in=measures, **at_target).only(
            "indicator_id", "value", "milestone_status"
        )
    }
    indicators = defaultdict(list)
    for indicator in Indicator.objects.filter(measure__in=measures).only("measure_id", "name", "unit", "order", "kind"):
        actual = actuals.get(indicator.pk)
        shown = "—"
        if actual is not None:
            shown = (
                actual.get_milestone_status_display()
                if actual.milestone_status
                else f"{actual.value:,f}".rstrip("0").rstrip(".")
            )
        target = targets.get(indicator.pk)
        indicators[indicator.measure_id].append(
            IndicatorFinal(
                indicator.name,
                indicator.unit,
                (target.text if target else "") or "—",
                shown,
                target_value=target.value if target else None,
                actual_value=actual.value if actual is not None and not actual.milestone_status else None,
            )
        )
    items = dict(
        ScheduleItem.objects.filter(measure__in=measures).values_list("measure_id").annotate(n=Count("pk")).order_by()
    )
    done = dict(
        ScheduleItem.objects.filter(measure__in=measures)
        .filter(Q(progress__status=ProgressStatus.DONE))
        .values_list("measure_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    reviews = {r.measure_id: r for r in FinalReview.objects.filter(measure__in=measures)}
    rows = []
    for measure_id in ids:
        measure = by_id[measure_id]
        outcome, rate, grade, reached = trend[measure_id].get(
            final_year(plan, measure.target_fiscal_year), (None, None, "", None)
        )
        verdict = verdict_of(outcome, grade, reached, basis, bands)
        counted = verdict in (ACHIEVED, PARTLY, NOT_ACHIEVED)
        rows.append(
            MeasureFinal(
                measure=measure,
                verdict=verdict,
                verdict_label=str(VERDICT_LABELS[verdict]),
                rate=rate if counted else None,
                grade=grade if counted else "",
                indicators=indicators[measure_id],
                trend=[
                    (
                        year,
                        values[1]
                        if (values := trend[measure_id].get(year))
                        and values[0] == MeasureResult.Outcome.GRADED
                        and counts_on(values[3], basis)
                        else None,
                    )
                    for year in plan.fiscal_years
                ],
                items_done=done.get(measure_id, 0),
                items=items.get(measure_id, 0),
                review=reviews.get(measure_id),
            )
        )
    return rows


def review_status_label(review: FinalReview | None) -> str:
    return str(SubmissionStatus(review.status).label if review else SubmissionStatus.NOT_STARTED.label)
