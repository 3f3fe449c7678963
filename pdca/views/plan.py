"""The plan pages: tree with roll-ups, filterable measure list, and the measure card."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django_tables2 import RequestConfig

from core.cache import cached_html
from core.links import path_maker
from indicators.basis import Basis, result_on_basis
from indicators.selectors import (
    chosen_fiscal_year,
    measure_achievement_table,
    measure_indicators,
    measure_results_for_year,
    plan_bands,
    rollup,
    target_revisions,
)
from measures.selectors import measure_card, measure_list, plan_for_request, plan_tree, plan_year_for
from pdca import charts, rights
from pdca.filters import MeasureFilter
from pdca.models import Role
from pdca.selectors import chosen_basis, measure_history, transitions_for
from pdca.services import submission_for
from pdca.tables import MeasureTable
from pdca.views.entry import conversation_context
from pdca.views.typed import typed_key, typed_take

# The measure page's history tables: newest first, a page at a time.
HISTORY_PER_PAGE = 20


def _year_context(plan, request) -> dict:
    """The year and the basis (indicators.basis) a figure page shows."""
    fiscal_year = chosen_fiscal_year(plan, request.GET.get("year"))
    basis = chosen_basis(request.user, request.GET.get("basis"))
    return {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "plan_years": plan.fiscal_years,
        "basis": basis,
        "bases": Basis.choices if rights.may_choose_basis(request.user) else None,
    }


def home_view(request):
    """Clerks start at their worklist; headquarters and viewers at the dashboard."""
    return redirect("worklist" if rights.role_of(request.user) == Role.STAFF else "dashboard")


def plan_tree_view(request):
    plan = plan_for_request(request)
    context = _year_context(plan, request)
    content = cached_html(
        request, "pdca/plan_tree_content.html", plan.data_version, lambda: _tree_context(request, context)
    )
    return render(request, "pdca/plan_tree.html", {**context, "content": content})


def _tree_context(request, context: dict) -> dict:
    plan, year = context["plan"], context["fiscal_year"]
    tree = plan_tree(plan, request.GET.get("page"))
    shown = {"subpillar": tree.subpillar_ids, "field": tree.field_ids}
    results = measure_results_for_year(
        plan=plan, fiscal_year=year, measure_ids=tree.measure_ids, basis=context["basis"]
    )
    # Each measure's link and result made here, once, rather than by a tag and a lookup filter
    # for each of the page's hundreds of measures.
    detail = path_maker("measure_detail", "code")
    for pillar in tree.pillars:
        for subpillar in pillar.shown:
            for field in subpillar.fields.all():
                for measure in field.measures.all():
                    measure.url = f"{detail(measure.code)}?year={year}"
                    measure.result = results.get(measure.pk)
    return {
        **context,
        "pillars": tree.pillars,
        "page": tree.page,
        "rollups": {
            level: rollup(plan=plan, fiscal_year=year, level=level, ids=shown.get(level), basis=context["basis"])
            for level in ("plan", "pillar", "subpillar", "field")
        },
        "bands": plan_bands(plan),
    }


def measure_list_view(request):
    plan = plan_for_request(request)
    context = _year_context(plan, request)
    content = cached_html(
        request, "pdca/measure_list_content.html", plan.data_version, lambda: _list_context(request, context)
    )
    return render(request, "pdca/measure_list.html", {**context, "content": content})


def _list_context(request, context: dict) -> dict:
    plan = context["plan"]
    plan_year = plan_year_for(plan, context["fiscal_year"])
    measure_filter = MeasureFilter(request.GET, queryset=measure_list(plan), plan=plan, plan_year=plan_year)
    # The table loads the year's results and reports of its page only (MeasureTable.page_rows).
    table = MeasureTable(
        measure_filter.qs, fiscal_year=context["fiscal_year"], plan_year=plan_year, basis=context["basis"]
    )
    RequestConfig(request, paginate={"per_page": 100}).configure(table)
    return {**context, "filter": measure_filter, "table": table}


def measure_detail_view(request, code: str):
    plan = plan_for_request(request)
    context = _year_context(plan, request)
    card = measure_card(plan, code)
    measure = card.measure
    rows, stored = measure_achievement_table(measure, measure_indicators(measure))
    # The measure's own result per year, as the page's basis sees it, with the change from the year before.
    results = {year: result_on_basis(result, context["basis"]) for year, result in stored.items()}
    measure_years = [
        (year, results.get(year), results.get(year - 1) if year > plan.first_fiscal_year else None)
        for year in plan.fiscal_years
    ]
    plan_year = plan_year_for(plan, context["fiscal_year"])
    submission = submission_for(measure, plan_year)
    history = measure_history(
        measure,
        indicator_names={row.indicator.pk: row.indicator.name for row in rows},
        item_names={item.pk: item.name for item in card.schedule},
    )
    transitions = transitions_for(measure, with_comments=rights.may_read_conversation(request.user, measure))
    context.update(
        measure=measure,
        card=card,
        indicator_rows=rows,
        measure_results=results,
        measure_years=measure_years,
        revisions=target_revisions(measure),
        may_revise_targets=rights.may_edit_plan(request.user),
        submission=submission,
        may_edit=rights.may_edit(request.user, measure, plan_year, submission),
        may_review=rights.may_review(request.user, submission if submission.pk else None, plan_year),
        may_reopen=rights.may_reopen(request.user, submission if submission.pk else None, plan_year),
        history=history,
        history_page=Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("history-page")),
        transitions=transitions,
        transitions_page=Paginator(transitions, HISTORY_PER_PAGE).get_page(request.GET.get("moves-page")),
        typed_review=typed_take(request, typed_key("review", measure, plan_year)) if rights.is_hq(request.user) else "",
        **conversation_context(request, measure, plan_year, submission, back="measure"),
        indicator_charts=_indicator_charts(plan, rows),
    )
    return render(request, "pdca/measure_detail.html", context)


def _indicator_charts(plan, rows) -> dict[int, charts.Figure]:
    """A targets-and-actuals chart for each numeric indicator (milestones have nothing to plot)."""
    charts_by_indicator = {}
    for row in rows:
        if row.indicator.is_milestone:
            continue
        figure = charts.targets_and_actuals(
            plan.fiscal_years,
            [cell.target.value if cell.target else None for cell in row.years],
            [cell.actual.value if cell.actual else None for cell in row.years],
            unit=row.indicator.unit,
            cumulative=row.indicator.cumulative,
            title=row.indicator.name,
        )
        charts_by_indicator[row.indicator.pk] = figure
    return charts_by_indicator
