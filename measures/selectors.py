"""Reads of the plan itself."""

from __future__ import annotations

from django.db.models import Count, FilteredRelation, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from measures.models import Field, Measure, MeasureSection, Pillar, Plan, PlanYear, ScheduleItem


def plan_current(code: str | None = None) -> Plan:
    """The plan named by `code`, or by default the newest one (a successor plan replaces the
    old on screen)."""
    plans = Plan.objects.order_by("-first_fiscal_year", "code")
    plan = plans.filter(code=code).first() if code else plans.first()
    if plan is None:
        raise Http404("計画が見つかりません。python manage.py load_plan で読み込んでください。")
    return plan


def plan_for_request(request) -> Plan:
    """The plan a page shows: `?plan=CODE` chooses one and the session remembers it, so that
    every link afterwards stays on that plan; otherwise the newest."""
    code = request.GET.get("plan")
    if code:
        plan = plan_current(code)
        if request.session.get("plan") != plan.code:
            # Written only when it changes: a modified session costs an UPDATE per request.
            request.session["plan"] = plan.code
        return plan
    remembered = request.session.get("plan")
    if remembered and Plan.objects.filter(code=remembered).exists():
        return plan_current(remembered)
    return plan_current()


def plan_tree(plan: Plan) -> list[Pillar]:
    """Pillars with their sub-pillars, fields and measures prefetched, and measure counts."""
    return list(
        plan.pillars.prefetch_related(
            "subpillars__fields__measures",
        ).annotate(measure_count=Count("subpillars__fields__measures"))
    )


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
    """The plan's years in order, read once per Plan instance (one request)."""
    cached = getattr(plan, "_plan_years_cache", None)
    if cached is None:
        cached = plan._plan_years_cache = list(PlanYear.objects.filter(plan=plan).order_by("fiscal_year"))
    return cached


def plan_year_for(plan: Plan, fiscal_year: int) -> PlanYear:
    """The plan's year `fiscal_year` (from `plan_years`), or 404 outside the plan's period."""
    plan_year = next((y for y in plan_years(plan) if y.fiscal_year == fiscal_year), None)
    if plan_year is None:
        raise Http404(_("計画期間外の年度です。"))
    return plan_year


def measure_for_page(plan: Plan, code: str) -> Measure:
    measure = (
        plan.measures.select_related("field__subpillar__pillar")
        .prefetch_related(
            # Joined where a row has one parent, so the card costs five queries, not eight.
            Prefetch("measure_sections", MeasureSection.objects.select_related("section__bureau")),
            "subprogrammes",
            Prefetch("schedule_items", ScheduleItem.objects.select_related("subprogramme")),
            "schedule_items__years",
        )
        .filter(code=code)
        .first()
    )
    if measure is None:
        raise Http404(f"施策 {code} はありません。")
    measure.plan = plan  # the request's instance, with what it has read once (years, rules)
    return measure


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
