"""Reads of the plan itself."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from measures.models import Field, Measure, MeasureSection, Pillar, Plan


def plan_current() -> Plan:
    """The plan the pages show: the newest one (a successor plan replaces the old on screen)."""
    plan = Plan.objects.order_by("-first_fiscal_year", "code").first()
    if plan is None:
        raise Http404("計画が読み込まれていません。python manage.py load_plan を実行してください。")
    return plan


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
