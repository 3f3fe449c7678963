"""The read-only public API (/api/v1/): plans, published years, roll-ups by pillar,
sub-pillar, field and bureau, measures, and indicators with their targets, actuals, rates
and grades. Published years only, on the approved basis; the rows are those of the open data
files (`opendata.selectors`). Anonymous, throttled, cacheable (ETag, Last-Modified, 304)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import Http404
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.fiscal_year import full_label
from measures.selectors import measure_card
from opendata import datasets
from opendata.api import serializers as s
from opendata.api.pagination import PublicPagination
from opendata.filters import PublicFilters, measure_row_matches, public_filters
from opendata.http import etag_for, last_modified_for, public_headers
from opendata.models import Publication
from opendata.selectors import (
    PublicState,
    bundle,
    current_public_state,
    local_government_code,
    plan_structure,
    public_plans,
    public_state,
    published_year,
)

KEPT_SECONDS = 3600

PLAN = OpenApiParameter("plan", str, description="計画コード（省略時は公表中の最新の計画）")
YEAR = OpenApiParameter("year", int, description="公表された年度（西暦）。公表されていない年度は404")
PILLAR = OpenApiParameter("pillar", str, description="柱コード（例：Ⅰ）")
BUREAU = OpenApiParameter("bureau", str, description="所管局の名称（例：総務局）")
GRADE = OpenApiParameter("grade", str, description="評価記号（A〜D）または unreported（未報告）")
MEASURE = OpenApiParameter("measure", str, description="施策No")


def _values(row: dict) -> dict:
    return {name: datasets.json_value(value) for name, value in row.items()}


def _rollup(row: dict) -> dict:
    counts = {name[len("grade_") :]: row[name] for name in row if name.startswith("grade_")}
    plain = {name: value for name, value in row.items() if not name.startswith("grade_")}
    return {**_values(plain), "grade_counts": counts}


class PublicAPIView(GenericAPIView):
    """GET only. The answer is made by `payload` and kept in Django's cache under the public
    data version, the language and the URL; the ETag is the version's."""

    pagination_class = None

    def public_state(self) -> PublicState:
        return current_public_state(self.request.query_params.get("plan"))

    def get(self, request, *args, **kwargs):
        self.state = self.public_state()
        not_modified = get_conditional_response(
            request, etag=etag_for(self.state), last_modified=last_modified_for(self.state)
        )
        if not_modified is not None:
            return not_modified
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"opendata:api:{self.state.version}:{get_language()}:{path}"
        payload = cache.get(key)
        if payload is None:
            payload = self.payload(self.state, *args, **kwargs)
            cache.set(key, payload, KEPT_SECONDS)
        return Response(payload)

    def payload(self, state: PublicState, *args, **kwargs):
        raise NotImplementedError

    def page_of(self, rows: list[dict]):
        page = self.paginator.paginate_queryset(rows, self.request, view=self)
        return self.paginator.get_paginated_response(page).data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(self, "state", None)
        if response.status_code in (200, 304):
            public_headers(response, state)
        return response


class PagedView(PublicAPIView):
    pagination_class = PublicPagination


def _plan(state: PublicState) -> dict:
    plan = state.plan
    return {
        "lg_code": local_government_code(),
        "plan_code": plan.code,
        "name": plan.name,
        "first_fiscal_year": plan.first_fiscal_year,
        "last_fiscal_year": plan.last_fiscal_year,
        "published_years": list(state.years),
        "last_published": state.last_published,
        "license": datasets.LICENSE_ID,
    }


def _filters(state: PublicState, params) -> PublicFilters:
    return public_filters(state, plan_structure(state.plan), params)


def _years(state: PublicState, filters: PublicFilters) -> list[int]:
    return [filters.year] if filters.year is not None else list(state.years)


@extend_schema(responses=s.PlanSerializer(many=True))
class PlanListView(PublicAPIView):
    """Plans with at least one published year."""

    def payload(self, state):
        live = Publication.objects.filter(withdrawn_at__isnull=True).values("plan_year__plan_id")
        plans = public_plans().filter(pk__in=live).order_by("-first_fiscal_year", "code")
        return [_plan(public_state(plan)) for plan in plans]


@extend_schema(responses=s.PlanSerializer)
class PlanDetailView(PublicAPIView):
    def public_state(self) -> PublicState:
        return current_public_state(self.kwargs["code"])

    def payload(self, state, code):
        if not state.years:
            raise Http404(_("計画 %(code)s には公表された年度がありません。") % {"code": code})
        return _plan(state)


def _year(state: PublicState, year: int, rows: list[dict]) -> dict:
    plan_row = next(row for row in rows if row["fiscal_year"] == year and row["level"] == "plan")
    return {
        "fiscal_year": year,
        "label": full_label(year),
        "published_at": state.published_at[year],
        "plan": _rollup(plan_row),
    }


@extend_schema(parameters=[PLAN], responses=s.YearSerializer(many=True))
class YearListView(PublicAPIView):
    """The plan's published years, each with the plan's roll-up."""

    def payload(self, state):
        rows = bundle(state, tables=["rollups"]).tables["rollups"]
        return [_year(state, year, rows) for year in state.years]


@extend_schema(parameters=[PLAN], responses=s.YearSerializer)
class YearDetailView(PublicAPIView):
    def payload(self, state, fiscal_year):
        year = published_year(state, fiscal_year)
        return _year(state, year, bundle(state, [year], tables=["rollups"]).tables["rollups"])


def rollup_view(level: str, doc: str):
    parameters = [PLAN, YEAR] + ([PILLAR] if level in ("subpillar", "field") else [])

    @extend_schema(parameters=parameters, responses=s.RollupSerializer(many=True), description=doc)
    class RollupListView(PagedView):
        def payload(self, state):
            filters = _filters(state, self.request.query_params)
            rows = [
                _rollup(row)
                for row in bundle(state, _years(state, filters), tables=["rollups"]).tables["rollups"]
                if row["level"] == level and (not filters.pillar or row["pillar_code"] == filters.pillar)
            ]
            return self.page_of(rows)

    RollupListView.__name__ = f"{level.title()}RollupListView"
    RollupListView.__doc__ = doc
    return RollupListView


PillarListView = rollup_view("pillar", "柱ごとの平均達成率・評価別の施策数・進捗判定（公表年度ごと）。")
SubPillarListView = rollup_view("subpillar", "中柱ごとの集計（公表年度ごと）。")
FieldListView = rollup_view("field", "分野ごとの集計（公表年度ごと）。")
BureauListView = rollup_view("bureau", "所管局ごとの集計（公表年度ごと）。")


@extend_schema(parameters=[PLAN, YEAR, PILLAR, BUREAU, GRADE], responses=s.MeasureSerializer(many=True))
class MeasureListView(PagedView):
    """Each measure's figures in each published year (or the year asked), filtered."""

    def payload(self, state):
        filters = _filters(state, self.request.query_params)
        rows = bundle(state, _years(state, filters), tables=["measures"]).tables["measures"]
        return self.page_of([_values(row) for row in rows if measure_row_matches(row, filters)])


@extend_schema(parameters=[PLAN], responses=s.MeasureDetailSerializer)
class MeasureDetailView(PublicAPIView):
    """A measure's card and its figures in every published year."""

    def payload(self, state, code):
        if not state.years:
            raise Http404(_("公表されている年度はありません。"))
        card = measure_card(state.plan, code)
        data = bundle(state, measure_ids=[card.measure.pk])
        return {
            "measure_code": card.measure.code,
            "measure_name": card.measure.name,
            "summary": card.measure.summary,
            "goal": card.measure.goal,
            "years": [_values(row) for row in data.tables["measures"]],
            "indicators": [_values(row) for row in data.tables["indicators"]],
            "indicator_years": [_values(row) for row in data.tables["actuals"]],
            "schedule": [_values(row) for row in data.tables["schedule"]],
        }


@extend_schema(parameters=[PLAN, YEAR, PILLAR, BUREAU, GRADE, MEASURE], responses=s.IndicatorYearSerializer(many=True))
class IndicatorListView(PagedView):
    """Each indicator's target, approved actual, rates and grade in each published year."""

    def payload(self, state):
        params = self.request.query_params
        filters = _filters(state, params)
        data = bundle(state, _years(state, filters), tables=["measures", "actuals"])
        measure = (params.get("measure") or "").strip()
        if measure and measure not in {m.code for m in data.measures}:
            raise Http404(_("施策 %(code)s はありません。") % {"code": measure})
        # The pillar and bureau filters apply to the measure; the grade to the indicator.
        by_measure = PublicFilters(filters.year, filters.pillar, filters.bureau)
        wanted = {
            (row["fiscal_year"], row["measure_code"])
            for row in data.tables["measures"]
            if measure_row_matches(row, by_measure)
        }
        rows = [
            _values(row)
            for row in data.tables["actuals"]
            if (row["fiscal_year"], row["measure_code"]) in wanted
            and (not measure or row["measure_code"] == measure)
            and (not filters.grade or row["grade"] == filters.grade or row["outcome"] == filters.grade)
        ]
        return self.page_of(rows)
