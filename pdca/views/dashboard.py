"""The headquarters dashboard: where the plan stands for a fiscal year, and who is behind."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from core.cache import cached_html
from core.pagination import CountedPaginator
from indicators.basis import DEFAULT_BASIS, Basis
from indicators.selectors import chosen_fiscal_year, plan_bands, revised_target_rates
from measures.selectors import plan_for_request, plan_year_for
from pdca import charts, dashboard, rights
from pdca.filters import RiskFilter
from pdca.models import Role
from pdca.selectors import chosen_basis
from pdca.tables import BureauTable, DepartmentTable, RiskTable


def dashboard_view(request):
    plan = plan_for_request(request)
    fiscal_year = chosen_fiscal_year(plan, request.GET.get("year"))
    plan_year = plan_year_for(plan, fiscal_year)
    content = cached_html(
        request,
        "pdca/dashboard_content.html",
        plan.data_version,
        lambda: _dashboard_context(request, plan, plan_year),
    )
    return render(request, "pdca/dashboard.html", {"plan": plan, "fiscal_year": fiscal_year, "content": content})


def _dashboard_context(request, plan, plan_year) -> dict:
    fiscal_year = plan_year.fiscal_year
    bands = plan_bands(plan)
    basis = chosen_basis(request.user, request.GET.get("basis"))
    overview = dashboard.overview(plan, basis)
    head = dashboard.headline(overview, fiscal_year)
    tree, subpillar_page = dashboard.pillar_rows(overview, fiscal_year, request.GET.get("sub-page"))
    years, series = dashboard.year_over_year(overview)
    # Only staff own sections; headquarters and viewers need not ask.
    is_staff = rights.role_of(request.user) == Role.STAFF
    mine = set(rights.user_sections(request.user).values_list("pk", flat=True)) if is_staff else set()
    my_measures = set(rights.measures_owned_by(request.user, plan).values_list("pk", flat=True)) if mine else set()
    # A summary: 20 rows a table, each sorted and paged in the database.
    paging = {"per_page": 20, "paginator_class": CountedPaginator}
    counts = dashboard.group_counts(plan_year, ["bureau", "section"], basis)
    bureaus = BureauTable(dashboard.group_results(plan_year, "bureau", basis), prefix="bureau-", plan=plan)
    RequestConfig(request, paginate={**paging, "count": lambda: counts["bureau"]}).configure(bureaus)
    departments = DepartmentTable(
        dashboard.group_results(plan_year, "section", basis), prefix="dept-", plan=plan, mine=mine
    )
    RequestConfig(request, paginate={**paging, "count": lambda: counts["section"]}).configure(departments)
    risk_filter = RiskFilter(request.GET, queryset=plan.measures.all(), plan=plan, pillars=overview.pillars)
    risks = RiskTable(
        dashboard.measures_at_risk(plan, plan_year, risk_filter.qs, basis=basis),
        prefix="risk-",
        fiscal_year=fiscal_year,
        low_bands=dashboard.low_bands(plan),
        my_measures=my_measures,
    )
    RequestConfig(
        request,
        paginate={
            **paging,
            "count": lambda: dashboard.measures_at_risk_count(
                overview,
                plan_year,
                risk_filter.qs,
                pillar=risk_filter.form.cleaned_data.get("pillar"),
                bureau=risk_filter.form.cleaned_data.get("bureau"),
            ),
        },
    ).configure(risks)
    return {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "plan_years": plan.fiscal_years,
        "basis": basis,
        "bases": Basis.choices if rights.may_choose_basis(request.user) else None,
        "bands": bands,
        "head": head,
        "tree": tree,
        "subpillar_page": subpillar_page,
        "years": years,
        "series": series,
        "bureaus": bureaus,
        "departments": departments,
        "risk_filter": risk_filter,
        "risks": risks,
        "my_measures": my_measures,
        "charts": _charts(head, tree, years, series, bands),
        "workbook_url": reverse("workbook_download") if rights.may_export(request.user) else None,
        "query": _kept_query(request, fiscal_year, basis),
        "revised": revised_target_rates(plan=plan, fiscal_year=fiscal_year),
    }


def _kept_query(request, fiscal_year: int, basis: str) -> str:
    """The year (and a basis other than the default) for links to other figure pages."""
    query = f"year={fiscal_year}"
    return query if basis == DEFAULT_BASIS else f"{query}&basis={basis}"


def _charts(head, tree, years, series, bands) -> dict[str, charts.Figure]:
    labels = {b.code: b.label for b in bands}
    subpillars = [row for row in tree if row.level == "subpillar"]
    return {
        "grades": charts.grade_distribution(head.plan.grade_counts, labels, _("評価の分布（施策数）")),
        "subpillars": charts.rate_bars(
            [f"{r.code} {r.name}" for r in subpillars],
            [r.rollup.mean_rate for r in subpillars],
            _("中柱別の平均達成率"),
        ),
        "years": charts.year_lines(years, [(s.label, s.rates) for s in series], _("年度別の平均達成率")),
    }
