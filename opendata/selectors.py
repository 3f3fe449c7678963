"""Reads for the public side: which years are published, and their figures on the approved
basis (承認済のみ). Every public page, open data file and API response is made from the
rows these functions return, so they cannot disagree; the figures themselves come from the
project's stored results and roll-up arithmetic (`indicators`), never computed again here.

Nothing here reads history, review comments, conversation or user names: a row is built
from named columns only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from core import fiscal_year as fy
from indicators.achievement import Outcome
from indicators.basis import Basis
from indicators.models import Actual, Indicator, IndicatorKind, MeasureResult, MilestoneStatus, Target
from indicators.selectors import Rollup, measure_results_for_year, plan_bands, plan_rules, rollup
from indicators.services import stored_achievement, stored_indicator_achievement
from measures.models import Field, Measure, MeasureSection, Pillar, Plan, ScheduleItem, SubPillar
from measures.selectors import plan_years, plans_with_version
from opendata.models import Publication
from pdca.models import (
    ProgressStatus,
    ReportEdition,
    ScheduleProgress,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    Transition,
)

HUNDRED = Decimal(100)
LEVELS = ("plan", "pillar", "subpillar", "field", "bureau")


def local_government_code() -> str:
    """The publisher's 全国地方公共団体コード (Kanagawa: 140007), a column of every file."""
    return settings.OPENDATA_LOCAL_GOVERNMENT_CODE


@dataclass(frozen=True)
class PublicState:
    """What is published of a plan, and the version every public response is keyed by."""

    plan: Plan
    years: tuple[int, ...]
    published_at: dict[int, datetime]
    last_published: datetime | None
    last_modified: datetime | None
    version: str

    def is_published(self, fiscal_year: int) -> bool:
        return fiscal_year in self.years

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None


def public_plans():
    """Plans as the public side reads them: each with, in the same query, the marks its public
    data version is made of (the last publication and withdrawal, the last approval or
    reopening of a report, the last target revision, the last report edition)."""
    publications = Publication.objects.filter(plan_year__plan=OuterRef("pk"))
    approvals = Transition.objects.filter(submission__plan_year__plan=OuterRef("pk")).filter(
        Q(to_status=SubmissionStatus.APPROVED) | Q(from_status=SubmissionStatus.APPROVED)
    )
    targets = Target.history.filter(indicator__measure__plan=OuterRef("pk"))
    editions = ReportEdition.objects.filter(plan=OuterRef("pk"))
    return plans_with_version().annotate(
        public_last_publication=Subquery(publications.order_by("-pk").values("pk")[:1]),
        public_last_withdrawal=Subquery(
            publications.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at").values("withdrawn_at")[:1]
        ),
        public_last_approval=Subquery(approvals.order_by("-pk").values("pk")[:1]),
        public_last_target=Subquery(targets.order_by("-history_id").values("history_id")[:1]),
        # The latest published edition of the inspection report, which the home page links.
        public_last_edition=Subquery(editions.order_by("-pk").values("pk")[:1]),
    )


def public_plan(code: str | None = None) -> Plan:
    """The plan named by `code`, else the newest plan with a published year (else the newest
    plan), read with its public marks (`public_plans`); 404 with a message when there is none."""
    plans = public_plans().order_by("-first_fiscal_year", "code")
    if code:
        plan = plans.filter(code=code).first()
        if plan is None:
            raise Http404(_("計画 %(code)s はありません。") % {"code": code})
        return plan
    live = Publication.objects.filter(withdrawn_at__isnull=True).values("plan_year__plan_id")
    plan = plans.filter(pk__in=live).first() or plans.first()
    if plan is None:
        raise Http404(_("公表されている計画はありません。"))
    return plan


# How long a public state is kept: it is keyed by its version, so only to let old ones go.
STATE_KEPT_SECONDS = 3600


def public_state(plan: Plan) -> PublicState:
    """Published years and the public data version of a plan read by `public_plan`.

    The version changes with a publication or withdrawal, with any approval or reopening of a
    report (the approved basis changes), with a target revision, and with the plan's structure
    and settings stamps; so whatever is kept under it is never stale. The years themselves are
    read once per version and kept in Django's cache: a visitor's request then costs the one
    query that read the plan."""
    if not hasattr(plan, "public_last_publication"):
        plan = public_plans().get(pk=plan.pk)
    parts = [
        plan.pk,
        # The plan's structure and settings: the data version (core.cache) that every write renews.
        getattr(plan, "data_version", ""),
        plan.public_last_publication,
        plan.public_last_withdrawal,
        plan.public_last_approval,
        plan.public_last_target,
        plan.public_last_edition,
    ]
    version = hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    key = f"opendata:state:{version}"
    kept = cache.get(key)
    if kept is None:
        kept = _state_read(plan)
        cache.set(key, kept, STATE_KEPT_SECONDS)
    published_at, last_modified = kept
    return PublicState(
        plan=plan,
        years=tuple(sorted(published_at)),
        published_at=published_at,
        last_published=max(published_at.values()) if published_at else None,
        last_modified=last_modified,
        version=version,
    )


def current_public_state(code: str | None = None) -> PublicState:
    """The public state of the plan `code` names (or the default plan) as a visitor's request
    reads it: from Django's cache when read there within `PUBLIC_STATE_SECONDS`, so that a
    crowd's requests cost no query at all; a publication or withdrawal forgets it at once
    (`forget_current_states`), an approval or a plan change is seen within those seconds."""
    seconds = settings.PUBLIC_STATE_SECONDS
    if not seconds:
        return public_state(public_plan(code))
    key = _current_key(code)
    state = cache.get(key)
    if state is None:
        state = public_state(public_plan(code))
        cache.set(key, state, seconds)
    return state


def _current_key(code: str | None) -> str:
    return f"opendata:current:{code or ''}"


def forget_current_states(plan: Plan) -> None:
    cache.delete_many([_current_key(None), _current_key(plan.code)])


def _state_read(plan: Plan) -> tuple[dict[int, datetime], datetime | None]:
    rows = list(
        Publication.objects.filter(plan_year__plan=plan).values_list(
            "plan_year__fiscal_year", "published_at", "withdrawn_at"
        )
    )
    published_at = {year: at for year, at, withdrawn in rows if withdrawn is None}
    events = [at for _year, at, _w in rows] + [w for *_rest, w in rows if w is not None]
    if published_at:
        approved_at = (
            Transition.objects.filter(submission__plan_year__plan=plan, pk=plan.public_last_approval)
            .values_list("at", flat=True)
            .first()
        )
        if approved_at is not None:
            events.append(approved_at)
    return published_at, (max(events) if events else None)


def published_year(state: PublicState, raw: str | int | None) -> int:
    """A fiscal year given by a visitor, if it is published; 404 with the reason otherwise."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        raise Http404(_("年度は西暦の数字で指定してください（例：2021）。"))
    year = int(text)
    if year not in state.years:
        raise Http404(_("%(year)s年度は公表されていません。") % {"year": year})
    return year


# --- The tree and the measures -------------------------------------------------------------


@dataclass
class Tree:
    pillars: list[Pillar]
    subpillars: list[SubPillar]
    fields: list[Field]
    bureaus: dict[int, str]
    # Each measure's bureaus and sections (names), in the card's order.
    owners: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)


def plan_structure(plan: Plan) -> Tree:
    pillars = list(Pillar.objects.filter(plan=plan).order_by("order"))
    subpillars = list(SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order"))
    fields = list(Field.objects.filter(subpillar__pillar__plan=plan).order_by())
    order = {s.pk: i for i, s in enumerate(subpillars)}
    fields.sort(key=lambda f: (order.get(f.subpillar_id, 0), f.order))
    owners: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    bureaus: dict[int, str] = {}
    rows = (
        MeasureSection.objects.filter(measure__plan=plan)
        .order_by("measure_id", "order")
        .values_list("measure_id", "section__bureau_id", "section__bureau__name", "section__name")
    )
    for measure_id, bureau_id, bureau, section in rows:
        owners[measure_id].append((bureau_id, bureau, section))
        bureaus[bureau_id] = bureau
    return Tree(pillars, subpillars, fields, dict(sorted(bureaus.items(), key=lambda kv: kv[1])), owners)


def plan_measures(plan: Plan, measure_ids: Iterable[int] | None = None) -> list[Measure]:
    measures = Measure.objects.filter(plan=plan).select_related("field__subpillar__pillar").order_by("order")
    if measure_ids is not None:
        measures = measures.filter(pk__in=list(measure_ids))
    return list(measures.only(
        "code", "name", "summary", "goal", "target_fiscal_year", "order", "plan_id",
        "field__code", "field__name", "field__subpillar__code", "field__subpillar__name",
        "field__subpillar__pillar__code", "field__subpillar__pillar__name",
    ))  # fmt: skip


@dataclass(frozen=True)
class PublicResult:
    """A measure's figures in a published year on the approved basis: a measure whose report
    is not approved counts as 未報告 and shows no rate, grade or text."""

    outcome: str
    rate: Decimal | None = None
    grade: str = ""
    approved: bool = False


def approved_measure_ids(plan: Plan, fiscal_year: int) -> set[int]:
    return set(
        Submission.objects.filter(
            plan_year__plan=plan, plan_year__fiscal_year=fiscal_year, status=SubmissionStatus.APPROVED
        ).values_list("measure_id", flat=True)
    )


def measure_results(plan: Plan, fiscal_year: int, measure_ids: Iterable[int]) -> dict[int, PublicResult]:
    """Each measure's stored result in the year on the approved basis (承認済のみ), from the
    project's own selector: a measure whose report is not approved is 未報告 there."""
    ids = list(measure_ids)
    approved = approved_measure_ids(plan, fiscal_year)
    stored = measure_results_for_year(plan=plan, fiscal_year=fiscal_year, measure_ids=ids, basis=Basis.APPROVED)
    results = {}
    for pk in ids:
        result = stored.get(pk)
        if result is None:
            results[pk] = PublicResult(Outcome.UNREPORTED, approved=pk in approved)
        else:
            results[pk] = PublicResult(result.outcome, result.rate, result.grade, pk in approved)
    return results


def rollups(plan: Plan, fiscal_year: int) -> dict[str, dict[int | None, Rollup]]:
    """A year's roll-ups by plan, pillar, sub-pillar, field and bureau on the approved basis:
    the stored roll-ups the staff pages read (`indicators.selectors.rollup`), one query a level."""
    return {level: rollup(plan=plan, fiscal_year=fiscal_year, level=level, basis=Basis.APPROVED) for level in LEVELS}


# --- Rows: the one shape of every public figure --------------------------------------------


def percent(rate: Decimal | None) -> Decimal | None:
    """A stored rate (0.8532) as the percentage the files and the API carry (85.32): exact."""
    return None if rate is None else (rate * HUNDRED).normalize() + Decimal("0.00")


def _base(plan: Plan) -> dict:
    return {"lg_code": local_government_code(), "plan_code": plan.code}


def indicator_code(measure_code: str, order: int) -> str:
    return f"{measure_code}-{order}"


def outcome_label(outcome: str) -> str:
    return str(MeasureResult.Outcome(outcome).label)


@dataclass
class YearData:
    """Everything public of one published year (or some of its measures)."""

    fiscal_year: int
    results: dict[int, PublicResult]
    rollups: dict[str, dict[int | None, Rollup]]


def measure_rows(
    plan: Plan, tree: Tree, measures: list[Measure], fiscal_year: int, results: dict[int, PublicResult]
) -> list[dict]:
    """The measures table of a year: each measure with its result and, when its report is
    approved, its published self-assessment texts."""
    bands = {band.code: band.label for band in plan_bands(plan)}
    texts = {
        row[0]: row[1:]
        for row in Submission.objects.filter(
            plan_year__plan=plan,
            plan_year__fiscal_year=fiscal_year,
            status=SubmissionStatus.APPROVED,
            measure_id__in=[m.pk for m in measures],
        ).values_list("measure_id", "self_assessment", "achievements_text", "issues_text", "next_steps_text")
    }
    rows = []
    for measure in measures:
        result = results[measure.pk]
        owners = tree.owners.get(measure.pk, [])
        assessment, achievements, issues, next_steps = texts.get(measure.pk, ("", "", "", ""))
        subpillar = measure.field.subpillar
        rows.append(
            {
                **_base(plan),
                "fiscal_year": fiscal_year,
                "measure_code": measure.code,
                "measure_name": measure.name,
                "pillar_code": subpillar.pillar.code,
                "subpillar_code": subpillar.code,
                "field_code": measure.field.code,
                "field_name": measure.field.name,
                "bureaus": " / ".join(dict.fromkeys(b for _id, b, _s in owners)),
                "sections": " / ".join(s for _id, _b, s in owners),
                "target_fiscal_year": measure.target_fiscal_year,
                "outcome": result.outcome,
                "outcome_label": outcome_label(result.outcome),
                "achievement_rate": percent(result.rate),
                "grade": result.grade,
                "grade_label": bands.get(result.grade, ""),
                "self_assessment": assessment,
                "self_assessment_label": str(SelfAssessment(assessment).label) if assessment else "",
                "achievements_text": achievements,
                "issues_text": issues,
                "next_steps_text": next_steps,
            }
        )
    return rows


def rollup_rows(plan: Plan, tree: Tree, fiscal_year: int, made: dict[str, dict[int | None, Rollup]]) -> list[dict]:
    """The roll-ups table of a year: plan, pillars, sub-pillars, fields and bureaus."""
    bands = plan_bands(plan)
    pillar_codes = {p.pk: p.code for p in tree.pillars}
    subpillars = {s.pk: s for s in tree.subpillars}
    groups: list[tuple[str, int | None, str, str, str]] = [("plan", None, plan.code, plan.name, "")]
    groups += [("pillar", p.pk, p.code, p.name, p.code) for p in tree.pillars]
    groups += [("subpillar", s.pk, s.code, s.name, pillar_codes[s.pillar_id]) for s in tree.subpillars]
    groups += [("field", f.pk, f.code, f.name, pillar_codes[subpillars[f.subpillar_id].pillar_id]) for f in tree.fields]
    groups += [("bureau", pk, name, name, "") for pk, name in tree.bureaus.items()]
    rows = []
    for level, pk, code, name, pillar_code in groups:
        item = made[level].get(pk, Rollup())
        row = {
            **_base(plan),
            "fiscal_year": fiscal_year,
            "level": level,
            "group_code": code,
            "group_name": name,
            "pillar_code": pillar_code,
            "measures": item.measures,
            "achievement_rate": percent(item.mean_rate),
            "grade": item.grade or "",
            "judgement": item.judgement or "",
            "graded": item.graded,
            "unreported": item.unreported,
            "no_target": item.no_target,
        }
        for band in bands:
            row[f"grade_{band.code}"] = item.grade_counts.get(band.code, 0)
        rows.append(row)
    return rows


def indicators_of(measures: list[Measure]) -> list[Indicator]:
    return list(
        Indicator.objects.filter(measure_id__in=[m.pk for m in measures])
        .select_related("subprogramme")
        .order_by("measure__order", "order")
        .only(
            "measure_id", "order", "name", "kind", "direction", "cumulative", "unit", "baseline", "subprogramme__number"
        )
    )


def indicator_rows(plan: Plan, measures: list[Measure], indicators: list[Indicator]) -> list[dict]:
    codes = {m.pk: m.code for m in measures}
    return [
        {
            **_base(plan),
            "measure_code": codes[i.measure_id],
            "indicator_code": indicator_code(codes[i.measure_id], i.order),
            "subprogramme_number": i.subprogramme.number if i.subprogramme else None,
            "indicator_name": i.name,
            "kind": i.kind,
            "kind_label": str(IndicatorKind(i.kind).label),
            "direction": i.direction,
            "cumulative": i.cumulative,
            "unit": i.unit,
            "baseline": i.baseline,
        }
        for i in indicators
    ]


def target_rows(plan: Plan, measures: list[Measure], indicators: list[Indicator], years: Iterable[int]) -> list[dict]:
    codes = {m.pk: m.code for m in measures}
    by_indicator = {i.pk: i for i in indicators}
    targets = Target.objects.filter(indicator_id__in=list(by_indicator), plan_year__fiscal_year__in=list(years))
    rows = []
    for indicator_id, year, text, value in targets.order_by().values_list(
        "indicator_id", "plan_year__fiscal_year", "text", "value"
    ):
        indicator = by_indicator[indicator_id]
        code = codes[indicator.measure_id]
        rows.append(
            {
                **_base(plan),
                "fiscal_year": year,
                "measure_code": code,
                "indicator_code": indicator_code(code, indicator.order),
                "target_text": text,
                "target_value": value,
            }
        )
    position = {row["indicator_code"]: i for i, row in enumerate(indicator_rows(plan, measures, indicators))}
    return sorted(rows, key=lambda r: (r["fiscal_year"], position[r["indicator_code"]]))


def actual_rows(
    plan: Plan,
    measures: list[Measure],
    indicators: list[Indicator],
    fiscal_year: int,
    results: dict[int, PublicResult],
) -> list[dict]:
    """Every indicator's target, actual, rates and grade in a published year; an indicator of
    a measure whose report is not approved shows its target only (未報告 or 対象外)."""
    codes = {m.pk: m.code for m in measures}
    ids = [i.pk for i in indicators]
    approved = [m.pk for m in measures if results[m.pk].approved]
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator_id__in=ids, plan_year__fiscal_year=fiscal_year)
        .order_by()
        .only("indicator_id", "text", "value")
    }
    actuals = {
        a.indicator_id: a
        for a in Actual.objects.filter(
            indicator_id__in=ids, indicator__measure_id__in=approved, plan_year__fiscal_year=fiscal_year
        )
        .order_by()
        .only("indicator_id", "value", "milestone_status", "description", "raw_rate", "capped_rate", "grade")
    }
    rules = plan_rules(plan)
    bands = {band.code: band.label for band in rules.bands}
    rows = []
    for indicator in indicators:
        target = targets.get(indicator.pk)
        actual = actuals.get(indicator.pk)
        if actual is not None and actual.raw_rate is not None:
            result = stored_achievement(actual.raw_rate, actual.capped_rate, actual.grade)
        else:
            result = stored_indicator_achievement(indicator, target, None, rules)
        code = codes[indicator.measure_id]
        status = actual.milestone_status if actual else ""
        rows.append(
            {
                **_base(plan),
                "fiscal_year": fiscal_year,
                "measure_code": code,
                "indicator_code": indicator_code(code, indicator.order),
                "indicator_name": indicator.name,
                "unit": indicator.unit,
                "target_text": target.text if target else "",
                "target_value": target.value if target else None,
                "actual_value": actual.value if actual else None,
                "milestone_status": status,
                "milestone_status_label": str(MilestoneStatus(status).label) if status else "",
                "actual_description": actual.description if actual else "",
                "achievement_rate": percent(result.raw_rate),
                "capped_rate": percent(result.capped_rate),
                "grade": result.grade or "",
                "grade_label": bands.get(result.grade or "", ""),
                "outcome": str(result.outcome),
                "outcome_label": outcome_label(str(result.outcome)),
            }
        )
    return rows


def schedule_rows(
    plan: Plan, measures: list[Measure], fiscal_year: int, results: dict[int, PublicResult]
) -> list[dict]:
    """Each schedule item's plan for the year and, when the measure's report is approved, its
    reported progress."""
    codes = {m.pk: m.code for m in measures}
    approved = [m.pk for m in measures if results[m.pk].approved]
    items = ScheduleItem.objects.filter(measure_id__in=list(codes)).order_by()
    year_id = next(y.pk for y in plan_years(plan) if y.fiscal_year == fiscal_year)
    planned = set(
        ScheduleItem.years.through.objects.filter(scheduleitem__in=items, planyear_id=year_id).values_list(
            "scheduleitem_id", flat=True
        )
    )
    progress = dict(
        ScheduleProgress.objects.filter(schedule_item__measure_id__in=approved, plan_year_id=year_id).values_list(
            "schedule_item_id", "status"
        )
    )
    rows = []
    order = {pk: i for i, pk in enumerate(codes)}
    listed = items.values_list("pk", "measure_id", "order", "subprogramme__number", "name")
    for pk, measure_id, item_order, number, name in sorted(listed, key=lambda r: (order[r[1]], r[2], r[0])):
        status = progress.get(pk, "")
        rows.append(
            {
                **_base(plan),
                "fiscal_year": fiscal_year,
                "measure_code": codes[measure_id],
                "item_order": item_order,
                "subprogramme_number": number,
                "item_name": name,
                "planned": pk in planned,
                "progress": status,
                "progress_label": str(ProgressStatus(status).label) if status else "",
            }
        )
    return rows


# --- Whole tables, for the files and the API -----------------------------------------------

TABLES = ("measures", "indicators", "targets", "actuals", "schedule", "rollups")


@dataclass
class Bundle:
    """The public tables of some published years (all of them, or one)."""

    state: PublicState
    years: tuple[int, ...]
    tables: dict[str, list[dict]]
    tree: Tree
    measures: list[Measure]
    per_year: dict[int, YearData]


def bundle(
    state: PublicState,
    years: Iterable[int] | None = None,
    measure_ids: Iterable[int] | None = None,
    tables: Iterable[str] = TABLES,
) -> Bundle:
    """The public tables named in `tables` for `years` (default: every published year), made
    from one read of the structure and one of each year's results; `measure_ids` narrows them
    to some measures (a measure card, which has no roll-ups)."""
    plan = state.plan
    wanted = set(tables)
    chosen = tuple(sorted(state.years if years is None else [y for y in years if y in state.years]))
    tree = plan_structure(plan)
    made_tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    row_tables = wanted - {"rollups"}
    measures = plan_measures(plan, measure_ids) if row_tables else []
    indicators = indicators_of(measures) if wanted & {"indicators", "targets", "actuals"} else []
    if "indicators" in wanted:
        made_tables["indicators"] = indicator_rows(plan, measures, indicators)
    if "targets" in wanted:
        made_tables["targets"] = target_rows(plan, measures, indicators, chosen)
    per_year = {}
    for year in chosen:
        results = measure_results(plan, year, [m.pk for m in measures]) if row_tables else {}
        made = rollups(plan, year) if measure_ids is None and "rollups" in wanted else {level: {} for level in LEVELS}
        per_year[year] = YearData(year, results, made)
        if "measures" in wanted:
            made_tables["measures"] += measure_rows(plan, tree, measures, year, results)
        if "actuals" in wanted:
            made_tables["actuals"] += actual_rows(plan, measures, indicators, year, results)
        if "schedule" in wanted:
            made_tables["schedule"] += schedule_rows(plan, measures, year, results)
        if "rollups" in wanted and measure_ids is None:
            made_tables["rollups"] += rollup_rows(plan, tree, year, made)
    return Bundle(state, chosen, made_tables, tree, measures, per_year)


def year_label(year: int) -> str:
    return fy.full_label(year)
