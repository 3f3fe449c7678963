"""Reads of the plan itself."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from measures.models import Field, Measure, MeasureSection, Pillar, Plan


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
    primary = MeasureSection.objects.filter(measure=OuterRef("pk"), is_primary=True)
    return (
        plan.measures.select_related("field__subpillar__pillar")
        .annotate(
            primary_bureau=Subquery(primary.values("section__bureau__name")[:1]),
            primary_section=Subquery(primary.values("section__name")[:1]),
        )
        .order_by("order")
    )


def measure_for_page(plan: Plan, code: str) -> Measure:
    measure = (
        plan.measures.select_related("field__subpillar__pillar", "plan")
        .prefetch_related(
            "measure_sections__section__bureau",
            "subprogrammes",
            "schedule_items__years",
            "schedule_items__subprogramme",
        )
        .filter(code=code)
        .first()
    )
    if measure is None:
        raise Http404(f"施策 {code} はありません。")
    return measure


def fields_with_counts(plan: Plan) -> QuerySet[Field]:
    return Field.objects.filter(subpillar__pillar__plan=plan).annotate(measure_count=Count("measures"))
