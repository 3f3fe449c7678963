"""What the inspection report (点検報告書) shows, read on one basis: approved reports only
(承認済のみ). A measure-year whose report is not approved shows no figures and no texts and
counts as 未報告 in every roll-up; nothing below the basis reaches the document.

Each part (one plan) is read in a fixed number of queries of plain values, whatever the
number of measures, and its rates and grades are the stored ones (`MeasureResult`, `Actual`)
that every page and the workbook show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Max
from django.utils.translation import gettext as _

from core.fiscal_year import full_label, reiwa_label, reiwa_short
from core.numbers import format_decimal, format_rate
from indicators import achievement
from indicators.basis import Basis
from indicators.models import NO_TARGET_TEXTS, Actual, Indicator, MeasureResult, MilestoneStatus, Target
from indicators.selectors import Rollup, plan_bands, rollup, rollups_by_year
from measures.models import MeasureSection, Pillar, Plan, ScheduleItem, SubPillar
from pdca import plan_review
from pdca.models import ProgressStatus, ReportEdition, ScheduleProgress, SelfAssessment, Submission, SubmissionStatus
from pdca.report import charts

APPROVED = SubmissionStatus.APPROVED.value
Outcome = MeasureResult.Outcome


@dataclass
class YearFigure:
    """An indicator's target, actual, rate and grade in one year, as the report prints them."""

    fiscal_year: int
    target: str
    actual: str
    rate: str
    grade: str

    @property
    def year_label(self) -> str:
        return reiwa_short(self.fiscal_year)


@dataclass
class IndicatorFigures:
    name: str
    unit: str
    years: list[YearFigure]
    final: YearFigure | None = None


@dataclass
class ScheduleLine:
    name: str
    status: str
    note: str


@dataclass
class MeasureYear:
    """A measure's own result in one year, on the report's basis."""

    fiscal_year: int
    rate: Decimal | None
    grade: str
    label: str

    @property
    def year_label(self) -> str:
        return reiwa_short(self.fiscal_year)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate) if self.rate is not None else "—"


@dataclass
class MeasurePage:
    """One measure's section of the report."""

    pk: int
    code: str
    name: str
    order: int
    pillar_id: int
    subpillar_id: int
    field_label: str
    owners: str
    summary: str
    goal: str
    target_fiscal_year: int
    status: str
    approved: bool
    result: MeasureYear
    history: list[MeasureYear] = field(default_factory=list)
    indicators: list[IndicatorFigures] = field(default_factory=list)
    schedule: list[ScheduleLine] = field(default_factory=list)
    achievements: str = ""
    assessment: str = ""
    issues: str = ""
    next_steps: str = ""
    risks: list[str] = field(default_factory=list)
    # The plan-period edition (総括): the result in the measure's 達成年度.
    final: MeasureYear | None = None
    final_outcome: str = ""
    final_note: str = ""
    final_text: str = ""

    @property
    def anchor(self) -> str:
        return f"measure-{self.pk}"

    @property
    def target_year_label(self) -> str:
        return full_label(self.target_fiscal_year)

    @property
    def final_outcome_label(self) -> str:
        return str(plan_review.VERDICT_LABELS.get(self.final_outcome, ""))


@dataclass
class GroupRow:
    """A group's roll-up in the report's year (a pillar, a sub-pillar, a plan), with its
    counts in the order of the plan's grade bands."""

    code: str
    name: str
    rollup: Rollup
    counts: list[int]

    @property
    def rate_text(self) -> str:
        return format_rate(self.rollup.mean_rate)


def group_row(code: str, name: str, item: Rollup, bands: list[achievement.Band]) -> GroupRow:
    return GroupRow(code, name, item, [item.grade_counts.get(band.code, 0) for band in bands])


@dataclass
class TrendSeries:
    label: str
    rates: list[Decimal | None]

    @property
    def rate_texts(self) -> list[str]:
        return [format_rate(rate) for rate in self.rates]


@dataclass
class ReportPart:
    """One plan's part of the report: its overview, a section per measure and its annex."""

    plan: Plan
    fiscal_year: int
    is_period_review: bool
    bands: list[achievement.Band]
    judgements: list[tuple[str, Decimal]]
    total: Rollup
    approved: int
    pillars: list[GroupRow]
    subpillars: list[GroupRow]
    trend_years: list[int]
    trend: list[TrendSeries]
    measures: list[MeasurePage]
    final_counts: dict[str, int] = field(default_factory=dict)
    data_date: datetime | None = None

    @property
    def anchor(self) -> str:
        return f"plan-{self.plan.code}"

    @property
    def year_label(self) -> str:
        return full_label(self.fiscal_year)

    @property
    def at_risk(self) -> list[MeasurePage]:
        return [page for page in self.measures if page.risks]

    @property
    def rate_text(self) -> str:
        return format_rate(self.total.mean_rate)

    @property
    def band_rows(self) -> list[tuple[achievement.Band, int]]:
        return [(band, self.total.grade_counts.get(band.code, 0)) for band in self.bands]

    @property
    def judgement_legend(self) -> list[tuple[str, str]]:
        """Each judgement with its rule in words: 順調 (達成の施策が100%), ..."""
        rows = []
        top = self.bands[0].label if self.bands else ""
        for label, share in self.judgements:
            if Decimal(share) > 0:
                rule = _("%(top)sの施策の割合が%(share)s以上") % {"top": top, "share": format_rate(Decimal(share))}
            else:
                rule = _("上記以外")
            rows.append((label, rule))
        return rows

    @property
    def final_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.final_counts.get(key, 0)) for key, label in plan_review.VERDICT_LABELS.items()]

    @property
    def charts(self) -> dict:
        labels = {band.code: band.label for band in self.bands}
        return {
            "grades": charts.grade_bars(
                [(f"{band.code} {labels[band.code]}", count, band.code) for band, count in self.band_rows]
                + [(_("未報告"), self.total.unreported, "")]
            ),
            "subpillars": charts.rate_bars([(row.code, row.rollup.mean_rate) for row in self.subpillars]),
            "trend": charts.year_lines(
                [reiwa_short(year) for year in self.trend_years], [(s.label, s.rates) for s in self.trend]
            ),
        }


@dataclass
class Report:
    fiscal_year: int
    parts: list[ReportPart]
    version: str

    @property
    def main(self) -> ReportPart:
        return self.parts[0]

    @property
    def year_label(self) -> str:
        return full_label(self.fiscal_year)

    @property
    def title(self) -> str:
        return _("%(plan)s 点検報告書（%(year)s）") % {
            "plan": self.main.plan.name,
            "year": reiwa_label(self.fiscal_year),
        }

    @property
    def basis_label(self) -> str:
        return _("承認済のみ")

    @property
    def data_date(self) -> datetime | None:
        dates = [part.data_date for part in self.parts if part.data_date is not None]
        return max(dates) if dates else None

    @property
    def is_period_review(self) -> bool:
        return self.main.is_period_review

    @property
    def combined(self) -> GroupRow:
        """All parts' measures together: the combined overview's total."""
        bands = self.main.bands
        total = rollup_combine([part.total for part in self.parts], bands, self.main.judgements)
        return group_row("", _("合計"), total, bands)

    @property
    def part_rows(self) -> list[tuple[ReportPart, GroupRow]]:
        bands = self.main.bands
        return [(part, group_row("", part.plan.name, part.total, bands)) for part in self.parts]


def report_read(*, plans: list[Plan], fiscal_year: int, version: str = "") -> Report:
    """The report of `fiscal_year` for the first plan, with each further plan (whose period
    contains the year) as a part of its own."""
    parts = [report_part(plan=plan, fiscal_year=fiscal_year) for plan in plans]
    return Report(fiscal_year=fiscal_year, parts=parts, version=version or _("プレビュー（未公表）"))


def report_part(*, plan: Plan, fiscal_year: int) -> ReportPart:
    """One plan's part, on the approved basis. A fixed number of queries."""
    years = [year for year in plan.fiscal_years if year <= fiscal_year]
    bands = plan_bands(plan)
    judgements = list(plan.settings.judgements)
    measures = list(
        plan.measures.order_by("order").values_list(
            "pk",
            "code",
            "name",
            "order",
            "summary",
            "goal",
            "target_fiscal_year",
            "field__code",
            "field__name",
            "field__subpillar_id",
            "field__subpillar__pillar_id",
        )
    )
    statuses = _statuses(plan, years)
    approved = {key for key, status in statuses.items() if status == APPROVED}
    results = _results(plan, years, approved)
    pages = {}
    status_labels = dict(SubmissionStatus.choices)
    for pk, code, name, order, summary, goal, target_year, field_code, field_name, subpillar_id, pillar_id in measures:
        status = statuses.get((pk, fiscal_year), SubmissionStatus.NOT_STARTED.value)
        history = [results.get((pk, year)) or _unreported(year) for year in years]
        pages[pk] = MeasurePage(
            pk=pk,
            code=code,
            name=name,
            order=order,
            pillar_id=pillar_id,
            subpillar_id=subpillar_id,
            field_label=f"{field_code} {field_name}",
            owners="",
            summary=summary,
            goal=goal,
            target_fiscal_year=target_year,
            status=str(status_labels.get(status, status)),
            approved=(pk, fiscal_year) in approved,
            result=history[-1],
            history=history,
        )
    _owners_add(plan, pages)
    _indicators_add(plan, pages, years, approved)
    _texts_add(plan, pages, fiscal_year)
    _schedule_add(plan, pages, fiscal_year)
    _risks_add(pages.values(), bands)
    is_period_review = fiscal_year == plan.last_fiscal_year
    final_counts: dict[str, int] = {}
    if is_period_review:
        final_counts = _finals_add(plan, pages.values(), results)
    # The roll-ups every page shows, on the report's basis (indicators.basis).
    by_year = rollups_by_year(plan=plan, levels=["plan", "pillar"], basis=Basis.APPROVED)
    subpillar_rollups = rollup(plan=plan, fiscal_year=fiscal_year, level="subpillar", basis=Basis.APPROVED)

    def stored(year: int, level: str, pk: int | None = None) -> Rollup:
        return by_year.get((year, level, pk), Rollup())

    pillars = list(Pillar.objects.filter(plan=plan).order_by("order").values_list("pk", "code", "name"))
    subpillars = list(
        SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order").values_list("pk", "code", "name")
    )
    return ReportPart(
        plan=plan,
        fiscal_year=fiscal_year,
        is_period_review=is_period_review,
        bands=bands,
        judgements=judgements,
        total=stored(fiscal_year, "plan"),
        approved=sum(1 for page in pages.values() if page.approved),
        pillars=[group_row(code, name, stored(fiscal_year, "pillar", pk), bands) for pk, code, name in pillars],
        subpillars=[group_row(code, name, subpillar_rollups.get(pk, Rollup()), bands) for pk, code, name in subpillars],
        trend_years=years,
        trend=[
            TrendSeries(_("計画全体"), [stored(year, "plan").mean_rate for year in years]),
            *[
                TrendSeries(
                    _("柱%(code)s %(name)s") % {"code": code, "name": name},
                    [stored(year, "pillar", pk).mean_rate for year in years],
                )
                for pk, code, name in pillars
            ],
        ],
        measures=list(pages.values()),
        final_counts=final_counts,
        data_date=_data_date(plan, years),
    )


def _statuses(plan: Plan, years: list[int]) -> dict[tuple[int, int], str]:
    rows = Submission.objects.filter(measure__plan=plan, plan_year__fiscal_year__in=years).values_list(
        "measure_id", "plan_year__fiscal_year", "status"
    )
    return {(measure_id, year): status for measure_id, year, status in rows}


def _unreported(fiscal_year: int) -> MeasureYear:
    return MeasureYear(fiscal_year, None, "", str(Outcome.UNREPORTED.label))


def _results(plan: Plan, years: list[int], approved: set[tuple[int, int]]) -> dict[tuple[int, int], MeasureYear]:
    """Each measure-year's stored result on the approved basis: a result below the basis is
    未報告, except 対象外 (a year without targets has nothing to report)."""
    rows = MeasureResult.objects.filter(plan_year__plan=plan, plan_year__fiscal_year__in=years).values_list(
        "measure_id", "plan_year__fiscal_year", "outcome", "rate", "grade"
    )
    labels = dict(Outcome.choices)
    results = {}
    for measure_id, year, outcome, rate, grade in rows:
        if outcome == Outcome.NO_TARGET:
            results[(measure_id, year)] = MeasureYear(year, None, "", str(labels[outcome]))
        elif (measure_id, year) in approved and outcome == Outcome.GRADED:
            results[(measure_id, year)] = MeasureYear(year, rate, grade, grade)
    return results


def _owners_add(plan: Plan, pages: dict[int, MeasurePage]) -> None:
    owners: dict[int, list[str]] = defaultdict(list)
    rows = (
        MeasureSection.objects.filter(measure__plan=plan)
        .order_by("measure_id", "order")
        .values_list("measure_id", "section__bureau__name", "section__name")
    )
    for measure_id, bureau, section in rows:
        owners[measure_id].append(section if bureau == section else f"{bureau} {section}")
    for pk, names in owners.items():
        pages[pk].owners = "、".join(names)


def _indicators_add(
    plan: Plan, pages: dict[int, MeasurePage], years: list[int], approved: set[tuple[int, int]]
) -> None:
    """Each indicator's figures for the plan's years up to the report's: an actual shows only
    where its measure's report of that year is approved."""
    indicators = (
        Indicator.objects.filter(measure__plan=plan)
        .order_by("measure_id", "order", "pk")
        .values_list("pk", "measure_id", "name", "unit", "subprogramme__number")
    )
    targets = {
        (indicator_id, year): text
        for indicator_id, year, text in Target.objects.filter(
            indicator__measure__plan=plan, plan_year__fiscal_year__in=years
        ).values_list("indicator_id", "plan_year__fiscal_year", "text")
    }
    actuals = {
        (indicator_id, year): rest
        for indicator_id, year, *rest in Actual.objects.filter(
            indicator__measure__plan=plan, plan_year__fiscal_year__in=years
        ).values_list("indicator_id", "plan_year__fiscal_year", "value", "milestone_status", "raw_rate", "grade")
    }
    milestone_labels = {value: str(label) for value, label in MilestoneStatus.choices}
    for pk, measure_id, name, unit, number in indicators:
        figures = []
        for year in years:
            target = targets.get((pk, year), "")
            has_target = target.strip() not in NO_TARGET_TEXTS
            actual = actuals.get((pk, year)) if (measure_id, year) in approved else None
            if not has_target:
                figures.append(YearFigure(year, target or "—", "—", "—", _("対象外")))
            elif actual is None:
                figures.append(YearFigure(year, target, "—", "—", _("未報告")))
            else:
                value, milestone, raw_rate, grade = actual
                shown = milestone_labels.get(milestone) or format_decimal(value, unit=_unit_suffix(unit))
                figures.append(YearFigure(year, target, shown, format_rate(raw_rate), grade or _("未報告")))
        label = f"({number}) {name}" if number else name
        pages[measure_id].indicators.append(IndicatorFigures(label, unit, figures))


def _unit_suffix(unit: str) -> str:
    # Targets are printed as on the card: shares with their sign (「80%」, 「50%削減」), counts
    # bare (「10,000」, the unit in the caption). Actuals are shown the same way.
    return unit if unit.startswith("%") else ""


def _texts_add(plan: Plan, pages: dict[int, MeasurePage], fiscal_year: int) -> None:
    """The year's approved Check/Act texts."""
    assessments = dict(SelfAssessment.choices)
    rows = Submission.objects.filter(
        measure__plan=plan, plan_year__fiscal_year=fiscal_year, status=APPROVED
    ).values_list("measure_id", "achievements_text", "self_assessment", "issues_text", "next_steps_text")
    for measure_id, done, assessment, issues, next_steps in rows:
        page = pages[measure_id]
        page.achievements, page.issues, page.next_steps = done, issues, next_steps
        page.assessment = str(assessments.get(assessment, ""))


def _schedule_add(plan: Plan, pages: dict[int, MeasurePage], fiscal_year: int) -> None:
    """The year's schedule items with their progress (shown only from an approved report)."""
    items = (
        ScheduleItem.objects.filter(measure__plan=plan, years__fiscal_year=fiscal_year)
        .order_by("measure_id", "order", "pk")
        .values_list("pk", "measure_id", "name", "subprogramme__number")
    )
    progress = {
        item_id: (status, note)
        for item_id, status, note in ScheduleProgress.objects.filter(
            schedule_item__measure__plan=plan, plan_year__fiscal_year=fiscal_year
        ).values_list("schedule_item_id", "status", "note")
    }
    labels = dict(ProgressStatus.choices)
    for pk, measure_id, name, number in items:
        page = pages[measure_id]
        status, note = progress.get(pk, ("", "")) if page.approved else ("", "")
        page.schedule.append(
            ScheduleLine(
                f"({number}) {name}" if number else name, str(labels.get(status, "—")) if status else "—", note
            )
        )


def _risks_add(pages: Iterable[MeasurePage], bands: list[achievement.Band]) -> None:
    """Why a measure is at risk in the year: graded in the two lowest bands, no approved
    report, or a schedule item delayed (the dashboard's rules, on the report's basis)."""
    low = {band.code for band in bands[-2:]}
    delayed = str(ProgressStatus.DELAYED.label)
    for page in pages:
        if page.result.grade in low:
            page.risks.append(_("評価%(grade)s") % {"grade": page.result.grade})
        if page.result.label == Outcome.UNREPORTED.label:
            page.risks.append(_("承認済の報告なし"))
        if any(line.status == delayed for line in page.schedule):
            page.risks.append(_("取組の遅延"))


def _finals_add(
    plan: Plan, pages: Iterable[MeasurePage], results: dict[tuple[int, int], MeasureYear]
) -> dict[str, int]:
    """The plan-period review on the report's basis, by the review page's rule
    (`pdca.plan_review.verdicts`): each measure judged on its result in its 達成年度 (the
    nearest year of the plan for a 達成年度 outside it), the approved final evaluation text,
    and the counts of each outcome."""
    found = plan_review.verdicts(plan, Basis.APPROVED)
    texts = plan_review.final_texts(plan, Basis.APPROVED)
    for page in pages:
        verdict = found[page.pk]
        year = verdict.fiscal_year
        if year != page.target_fiscal_year:
            page.final_note = _("達成年度（%(target)s）が計画期間外のため、%(year)sの結果で評価しています。") % {
                "target": reiwa_label(page.target_fiscal_year),
                "year": reiwa_label(year),
            }
        page.final = results.get((page.pk, year)) or _unreported(year)
        page.final_outcome = verdict.verdict
        page.final_text = texts.get(page.pk, "")
        for indicator in page.indicators:
            indicator.final = next((figure for figure in indicator.years if figure.fiscal_year == year), None)
    return plan_review.verdict_counts(found)


def rollup_combine(rollups: list[Rollup], bands, judgements) -> Rollup:
    """Several plans' roll-ups as one: counts added, the mean weighted by graded measures."""
    total = Rollup(grade_counts=defaultdict(int))
    rate_sum = Decimal(0)
    for item in rollups:
        total.measures += item.measures
        total.unreported += item.unreported
        total.left_out += item.left_out
        total.no_target += item.no_target
        for code, count in item.grade_counts.items():
            total.grade_counts[code] += count
        if item.mean_rate is not None:
            rate_sum += item.mean_rate * item.graded
    total.grade_counts = dict(total.grade_counts)
    graded = total.graded
    total.mean_rate = achievement.quantize_rate(rate_sum / graded) if graded else None
    top = bands[0].code if bands else ""
    total.judgement = achievement.judgement_for(total.grade_counts.get(top, 0), graded, judgements)
    return total


def _data_date(plan: Plan, years: list[int]) -> datetime | None:
    """The date of the data: the latest change of an approved report the part includes."""
    return Submission.objects.filter(measure__plan=plan, plan_year__fiscal_year__in=years, status=APPROVED).aggregate(
        latest=Max("updated_at")
    )["latest"]


@dataclass(frozen=True)
class PublishedEdition:
    """The latest published edition of a year's report, as the public site links it."""

    plan_code: str
    fiscal_year: int
    number: int
    published_at: datetime
    pages: int
    size: int

    @property
    def year_label(self) -> str:
        return full_label(self.fiscal_year)


def published_editions(plan: Plan) -> list[PublishedEdition]:
    """The latest edition of each year's published report of a plan, in year order (one
    query, without the PDFs' bytes)."""
    latest: dict[int, PublishedEdition] = {}
    rows = (
        ReportEdition.objects.filter(plan=plan)
        .order_by("fiscal_year", "-number")
        .values_list("fiscal_year", "number", "published_at", "pages", "size")
    )
    for fiscal_year, number, published_at, pages, size in rows:
        latest.setdefault(fiscal_year, PublishedEdition(plan.code, fiscal_year, number, published_at, pages, size))
    return list(latest.values())
