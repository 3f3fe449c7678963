"""Reads of the plan itself."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, replace

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, FilteredRelation, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core.cache import cached, data_version, with_data_version
from measures.models import Bureau, Field, Measure, MeasureSection, Pillar, Plan, PlanYear, Section, SubPillar


def plans_with_version() -> QuerySet[Plan]:
    """Plans as a request reads them: each with `data_version` (core.cache), read in the same
    query, which keys what the request takes from the cache."""
    return with_data_version(Plan.objects.all())


def plan_current(code: str | None = None) -> Plan:
    """The plan named by `code`, or by default the newest one (a successor plan replaces the
    old on screen), with `data_version`. Every page asks for it: the version is one small
    query and the plan itself is kept in the cache under it (core.cache)."""
    plan = _plan_by_code(code)
    if plan is None:
        raise Http404(_("計画が見つかりません。python manage.py load_plan で読み込んでください。"))
    return plan


def _plan_by_code(code: str | None) -> Plan | None:
    version = data_version()
    plan = cached(("plan", code or ""), version, lambda: _plan_read(code))
    if plan is None:
        return None
    # A copy for the request: what it caches on the plan (its settings) stays its own.
    plan = copy.copy(plan)
    plan.data_version = version
    return plan


def _plan_read(code: str | None) -> Plan | None:
    plans = Plan.objects.order_by("-first_fiscal_year", "code")
    return plans.filter(code=code).first() if code else plans.first()


def plan_for_request(request) -> Plan:
    """The plan a page shows: `?plan=CODE` chooses one and the session remembers it, so that
    every link afterwards stays on that plan; otherwise the newest."""
    code = request.GET.get("plan")
    if code:
        plan = plan_current(code)
        if request.session.get("plan") != plan.code:
            # Written only when it changes: a modified session costs an UPDATE per request.
            request.session["plan"] = plan.code
    else:
        remembered = request.session.get("plan")
        # A remembered plan that has since been deleted gives way to the newest.
        plan = (_plan_by_code(remembered) if remembered else None) or plan_current()
    return plan


# Sub-pillars a page of the plan tree shows: all seven of the real plan; a large plan's (833
# at 10,000 measures, a page of megabytes) ten at a time, with their fields and measures: at
# 10,000 measures ten sub-pillars hold about 120 measures and 30 fields, a page one can read
# through (twenty made a page of about 100 kB and took 80–110 ms to render cold).
TREE_SUBPILLARS_PER_PAGE = 10


@dataclass
class TreePage:
    """One page of the plan tree: every pillar of the plan, each with `shown`, its sub-pillars
    on this page; those sub-pillars in plan order, with their fields and measures prefetched;
    and the page, for its pager."""

    pillars: list[Pillar]
    subpillars: list[SubPillar]
    page: Page

    @property
    def subpillar_ids(self) -> list[int]:
        return [s.pk for s in self.subpillars]

    @property
    def field_ids(self) -> list[int]:
        return [f.pk for s in self.subpillars for f in s.fields.all()]

    @property
    def measure_ids(self) -> list[int]:
        return [m.pk for s in self.subpillars for f in s.fields.all() for m in f.measures.all()]


def plan_tree(plan: Plan, page_number: str | int | None = None) -> TreePage:
    """One page of the plan's tree, in plan order (a fixed number of queries at any size)."""
    pillars = list(Pillar.objects.filter(plan=plan).order_by("order"))
    subpillars = SubPillar.objects.filter(pillar__plan=plan).order_by("pillar__order", "order")
    page = Paginator(subpillars, TREE_SUBPILLARS_PER_PAGE).get_page(page_number)
    measures = Measure.objects.order_by("order").only("field_id", "code", "name", "order")
    shown = list(
        page.object_list.prefetch_related(
            Prefetch("fields", queryset=Field.objects.order_by("order")),
            Prefetch("fields__measures", queryset=measures),
        )
    )
    for pillar in pillars:
        pillar.shown = [s for s in shown if s.pillar_id == pillar.pk]
    return TreePage(pillars, shown, page)


def measure_list(plan: Plan) -> QuerySet[Measure]:
    """The plan's measures in plan order, for the list page to filter, sort and page.

    Deliberately bare: counting, sorting and paging 10,000 measures should read the measure
    table alone. `owner` names the primary section (at most one per measure, by constraint)
    as a LEFT JOIN that is made only by a query that sorts or shows through it, e.g.
    `order_by("owner__section__bureau__name")`, so sorting by bureau is one join rather than
    a subquery per measure; the page's own rows then take their columns from it.
    """
    return plan.measures.alias(
        owner=FilteredRelation("measure_sections", condition=Q(measure_sections__is_primary=True))
    ).order_by("order")


def plan_years(plan: Plan) -> list[PlanYear]:
    """The plan's years in order, from its settings (`Plan.settings`)."""
    fields = ["id", "plan_id", "fiscal_year", "is_open"]
    return [
        PlanYear.from_db(DEFAULT_DB_ALIAS, fields, (pk, plan.pk, year, is_open))
        for pk, year, is_open in plan.settings.years
    ]


def plan_year_for(plan: Plan, fiscal_year: int) -> PlanYear:
    """The plan's year `fiscal_year` (from `plan_years`), or 404 outside the plan's period."""
    plan_year = next((y for y in plan_years(plan) if y.fiscal_year == fiscal_year), None)
    if plan_year is None:
        raise Http404(_("計画期間外の年度です。"))
    return plan_year


@dataclass(frozen=True)
class Owner:
    bureau: str
    section: str
    is_primary: bool


@dataclass(frozen=True)
class ScheduleRow:
    pk: int
    subprogramme_number: int | None
    name: str
    reading: str
    # One flag per plan year, in the plan's order: whether the activity runs that year.
    active: tuple[bool, ...]


@dataclass(frozen=True)
class MeasureCard:
    """What a measure page shows of the plan itself: the measure (with its field, sub-pillar
    and pillar), its owners, its (1)/(2) parts and its yearly schedule. Its indicators are
    the indicators layer's (`indicators.selectors.measure_indicators`)."""

    measure: Measure
    owners: list[Owner]
    subprogrammes: list[tuple[int, str]]
    schedule: list[ScheduleRow]


def measure_card(plan: Plan, code: str) -> MeasureCard:
    """The card of the plan's measure `code`, or 404: read in four queries (the measure with
    its branch of the tree, then its owners, parts and schedule), or taken from the cache
    under the plan's data version (`core.cache`). Each call gives its own instances, whose
    `plan` is the request's."""
    card = cached(("measure-card", plan.pk, code), getattr(plan, "data_version", None), lambda: _card_read(plan, code))
    # A copy whose plan is the request's instance (with what it has read once, its settings),
    # leaving the card as read for the cache to keep.
    measure = copy.copy(card.measure)
    measure.plan = plan
    return replace(card, measure=measure)


@dataclass(frozen=True)
class PlanChoice:
    code: str
    name: str
    period_label: str


def plan_choices(plan: Plan) -> tuple[PlanChoice, ...]:
    """Every plan in the database, newest first, for the header's plan switcher: from the
    cache under the data version the request's plan was read with (`core.cache`), so that
    the switcher costs no query on most pages."""
    return cached(("plan-choices",), getattr(plan, "data_version", None), _plan_choices_read)


def _plan_choices_read() -> tuple[PlanChoice, ...]:
    plans = Plan.objects.order_by("-first_fiscal_year", "code").only(
        "code", "name", "first_fiscal_year", "last_fiscal_year"
    )
    return tuple(PlanChoice(plan.code, plan.name, plan.period_label) for plan in plans)


def _card_read(plan: Plan, code: str) -> MeasureCard:
    # Values rather than instances where the page only shows them: model instances and
    # prefetches cost more than the queries behind them.
    measure = Measure.objects.select_related("field__subpillar__pillar").filter(plan=plan, code=code).first()
    if measure is None:
        raise Http404(_("施策 %(code)s はありません。") % {"code": code})
    owners = [
        Owner(*row)
        for row in measure.measure_sections.order_by("order").values_list(
            "section__bureau__name", "section__name", "is_primary"
        )
    ]
    subprogrammes = list(measure.subprogrammes.order_by("number").values_list("number", "name"))
    # A row per item and year it runs (one row with no year for an item never scheduled).
    rows = measure.schedule_items.order_by("order", "pk").values_list(
        "pk", "subprogramme__number", "name", "reading", "years__fiscal_year"
    )
    items: dict[int, tuple[int | None, str, str]] = {}
    years_of: dict[int, set[int]] = defaultdict(set)
    for pk, number, name, reading, fiscal_year in rows:
        items.setdefault(pk, (number, name, reading))
        if fiscal_year is not None:
            years_of[pk].add(fiscal_year)
    schedule = [
        ScheduleRow(pk, number, name, reading, tuple(year in years_of[pk] for year in plan.fiscal_years))
        for pk, (number, name, reading) in items.items()
    ]
    return MeasureCard(measure, owners, subprogrammes, schedule)


def fields_with_counts(plan: Plan) -> QuerySet[Field]:
    return Field.objects.filter(subpillar__pillar__plan=plan).annotate(measure_count=Count("measures"))


def section_names(*, measure_ids: list[int]) -> dict[int, list[str]]:
    """The names of each measure's sections, in the card's order (one query). Cheaper than
    prefetch_related, which builds a filtered queryset for every measure (≈0.1 ms each)."""
    names: dict[int, list[str]] = {pk: [] for pk in measure_ids}
    rows = MeasureSection.objects.filter(measure_id__in=measure_ids).order_by("measure_id", "order")
    for measure_id, name in rows.values_list("measure_id", "section__name"):
        names[measure_id].append(name)
    return names


def bureaus_in_plan_order(plan: Plan) -> QuerySet[Bureau]:
    """The bureaus owning measures of the plan, in the order the plan first names them."""
    return (
        Bureau.objects.filter(sections__measure_sections__measure__plan=plan)
        .annotate(first=Min("sections__measure_sections__measure__order"))
        .order_by("first", "name")
    )


def sections_in_plan_order(plan: Plan) -> list[Section]:
    """The sections owning measures of the plan, by bureau in plan order, then in the order
    the plan first names them (each with `first`, the order of its first measure)."""
    # The database orders by the names (its collation) and by `first`; each bureau's place,
    # the earliest `first` among its sections, is then sorted on in Python, stably. (A
    # subquery per section asking its bureau's first measure was the slow part of this read.)
    sections = list(
        Section.objects.filter(measure_sections__measure__plan=plan)
        .select_related("bureau")
        .annotate(first=Min("measure_sections__measure__order"))
        .order_by("bureau__name", "first", "name")
    )
    bureau_first: dict[int, int] = {}
    for section in sections:
        bureau_first[section.bureau_id] = min(bureau_first.get(section.bureau_id, section.first), section.first)
    sections.sort(key=lambda section: bureau_first[section.bureau_id])
    return sections
