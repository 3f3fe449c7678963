"""The public site (/public/): the plan at a glance, the measure list, each measure card, the
year-over-year trend, the open data files with their dictionary, schemas and catalogue.

No login; read-only (GET and HEAD); everything shown comes from `opendata.selectors`, on
the approved basis, for published years only."""

from __future__ import annotations

import json

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.selectors import Rollup, plan_bands
from measures.selectors import measure_card
from opendata import charts, datasets
from opendata.filters import FilterError, measure_row_matches, public_filters
from opendata.http import BadRequest, public_view
from opendata.selectors import (
    TABLES,
    Bundle,
    PublicState,
    bundle,
    local_government_code,
    plan_structure,
    published_year,
)
from pdca.report.selectors import published_editions

MEASURES_PER_PAGE = 50


def _page_context(state: PublicState, **extra) -> dict:
    return {
        "state": state,
        "plan": state.plan,
        "published_years": state.years,
        "license_title": datasets.LICENSE_TITLE,
        "license_url": datasets.LICENSE_URL,
        **extra,
    }


def _render(request, template: str, context: dict) -> HttpResponse:
    # Rendered without the request: the project's context processors read the signed-in user
    # (for the staff menu), which would touch the session and make every public response
    # vary by cookie, so that no shared cache could keep it.
    return HttpResponse(render_to_string(template, {**context, "LANGUAGE_CODE": get_language()}))


@public_view
def home_view(request, state: PublicState):
    """The plan at a glance: each pillar, sub-pillar and field with its achievement and grade
    distribution in the chosen published year, and the plan's figure for every published year."""
    # The inspection report's published editions (pdca), linked whether or not a year's
    # figures are published here yet.
    editions = published_editions(state.plan)
    if not state.years and not request.GET.get("year"):
        return _render(request, "opendata/home.html", _page_context(state, year=None, report_editions=editions))
    year = published_year(state, request.GET.get("year") or state.latest_year)
    data = bundle(state, [year], tables=["rollups"])
    bands = plan_bands(state.plan)
    made = data.per_year[year].rollups

    def node(level: str, item) -> dict:
        figures = made[level].get(item.pk if item is not None else None, Rollup())
        return {"item": item, "rollup": figures, "segments": charts.distribution(figures, bands)}

    tree = data.tree
    pillars = []
    for pillar in tree.pillars:
        subpillars = []
        for subpillar in (s for s in tree.subpillars if s.pillar_id == pillar.pk):
            fields = [node("field", f) for f in tree.fields if f.subpillar_id == subpillar.pk]
            subpillars.append({**node("subpillar", subpillar), "fields": fields})
        pillars.append({**node("pillar", pillar), "subpillars": subpillars})
    all_years = bundle(state, tables=["rollups"]) if len(state.years) > 1 else data
    headline = [
        (y, all_years.per_year[y].rollups["plan"].get(None, Rollup()), state.published_at[y]) for y in state.years
    ]
    context = _page_context(
        state,
        year=year,
        plan_node=node("plan", None),
        pillars=pillars,
        bands=bands,
        headline=headline,
        report_editions=editions,
    )
    return _render(request, "opendata/home.html", context)


def _filters(state: PublicState, request, tree):
    try:
        return public_filters(state, tree, request.GET, year_required=True)
    except FilterError as error:
        raise BadRequest(str(error)) from error


@public_view
def measure_list_view(request, state: PublicState):
    tree = plan_structure(state.plan)
    filters = _filters(state, request, tree)
    rows = [
        row
        for row in bundle(state, [filters.year], tables=["measures"]).tables["measures"]
        if measure_row_matches(row, filters)
    ]
    paginator = Paginator(rows, MEASURES_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger as error:
        raise BadRequest(_("ページは1以上の数字で指定してください。")) from error
    except EmptyPage as error:
        raise Http404(_("ページ %(page)s はありません（全%(pages)sページ）。") % {
            "page": request.GET.get("page"), "pages": paginator.num_pages}) from error  # fmt: skip
    context = _page_context(
        state,
        year=filters.year,
        filters=filters,
        tree=tree,
        bands=plan_bands(state.plan),
        page=page,
        rows=page.object_list,
        total=len(rows),
    )
    return _render(request, "opendata/measure_list.html", context)


@public_view
def measure_detail_view(request, state: PublicState, code: str):
    if not state.years:
        raise Http404(_("公表されている年度はありません。"))
    card = measure_card(state.plan, code)
    data = bundle(state, measure_ids=[card.measure.pk])
    years = list(data.years)
    results = data.tables["measures"]
    actuals = data.tables["actuals"]
    indicators = []
    for indicator in data.tables["indicators"]:
        cells = {row["fiscal_year"]: row for row in actuals if row["indicator_code"] == indicator["indicator_code"]}
        indicators.append({"indicator": indicator, "cells": [cells.get(y) for y in years]})
    schedule = {}
    for row in data.tables["schedule"]:
        schedule.setdefault((row["item_order"], row["subprogramme_number"], row["item_name"]), {})[
            row["fiscal_year"]
        ] = row
    context = _page_context(
        state,
        measure=card.measure,
        card=card,
        years=years,
        results=results,
        indicators=indicators,
        schedule=[(key, [cells.get(y) for y in years]) for key, cells in schedule.items()],
    )
    return _render(request, "opendata/measure_detail.html", context)


@public_view
def trend_view(request, state: PublicState):
    data = bundle(state, tables=["rollups"])
    years = list(data.years)
    series = [(_("計画全体"), [data.per_year[y].rollups["plan"].get(None, Rollup()).mean_rate for y in years])]
    for pillar in data.tree.pillars:
        series.append(
            (
                f"{pillar.code} {pillar.name}",
                [data.per_year[y].rollups["pillar"].get(pillar.pk, Rollup()).mean_rate for y in years],
            )
        )
    percents = [(label, [r * 100 if r is not None else None for r in rates]) for label, rates in series]
    context = _page_context(
        state,
        years=years,
        series=series,
        chart=charts.trend(years, percents) if years else None,
    )
    return _render(request, "opendata/trend.html", context)


@public_view
def data_view(request, state: PublicState):
    """The open data: files per published year and for all, the data dictionary, the schemas."""
    tables = [
        {
            "name": name,
            "title": datasets.TABLE_TITLES[name],
            "description": datasets.TABLE_DESCRIPTIONS[name],
            "columns": datasets.columns(name, state.plan),
        }
        for name in TABLES
    ]
    scopes = [("all", _("公表年度すべて"))] + [(str(y), None) for y in state.years]
    return _render(request, "opendata/data.html", _page_context(state, tables=tables, scopes=scopes))


def _scope_years(state: PublicState, scope: str) -> tuple[int, ...]:
    if scope == "all":
        if not state.years:
            raise Http404(_("公表されている年度はありません。"))
        return state.years
    return (published_year(state, scope),)


def _table_name(table: str) -> str:
    if table not in TABLES:
        raise Http404(_("データ「%(name)s」はありません。") % {"name": table})
    return table


@public_view
def file_view(request, state: PublicState, scope: str, table: str, fmt: str):
    table = _table_name(table)
    years = _scope_years(state, scope)
    data: Bundle = bundle(state, years, tables=[table])
    rows = data.tables[table]
    filename = f"{local_government_code()}_{state.plan.code}_{scope}_{table}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(datasets.to_csv(table, state.plan, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            datasets.to_json(table, state.plan, rows, years=years), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public_view
def schema_view(request, state: PublicState, table: str):
    schema = datasets.table_schema(_table_name(table), state.plan)
    response = HttpResponse(
        json.dumps(schema, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public_view
def catalog_view(request, state: PublicState):
    """DCAT (JSON-LD) for a CKAN catalogue's harvester: a dataset per published year and one
    for all of them, each with a CSV and a JSON distribution per table."""
    document = datasets.dcat_catalog(state, absolute=request.build_absolute_uri, reverse=reverse)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
