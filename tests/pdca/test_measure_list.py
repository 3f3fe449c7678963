"""The measure list page: each row shows its own measure's result on every page and in every
sort order, pages neither repeat nor skip a measure, and a page costs the same queries
wherever it is in the list."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.synthetic import synthetic_plan_create
from core.fiscal_year import full_label
from core.numbers import format_rate
from indicators.models import MeasureResult
from measures.models import MeasureSection
from pdca import filters

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr><th scope="row" class="code"><a href="([^"]+)">([^<]+)</a></th>(.*?)</tr>', re.S)


def table_rows(page: str) -> list[tuple[str, ...]]:
    """(link, code, name, field, bureau, section, target year, result, report status) of each body row."""
    rows = []
    for link, code, cells in ROW.findall(page):
        texts = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", cells)]
        rows.append((html.unescape(link), code, *texts))
    return rows


def shown_result(result: MeasureResult | None) -> str:
    if result is None:
        return "—"
    return f"{result.grade} {format_rate(result.rate)}" if result.grade else result.get_outcome_display()


@pytest.fixture
def two_pages(plan):
    """150 measures: a page of 100 and a second page of 50."""
    return synthetic_plan_create(measures=150, code="two-pages")


def get_list(client, plan, query: str = "") -> str:
    # 入力済すべて for headquarters (synthetic plans have no reports); viewers see 提出済以上.
    response = client.get(reverse("measure_list") + f"?plan={plan.code}&year=2021&basis=entered{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_page_two_shows_each_measures_own_result_bureau_and_section(client_for, two_pages):
    rows = table_rows(get_list(client_for("hq"), two_pages, "&page=2"))
    measures = list(two_pages.measures.order_by("order")[100:])
    assert [row[1] for row in rows] == [m.code for m in measures]
    results = {
        r.measure_id: r for r in MeasureResult.objects.filter(measure__plan=two_pages, plan_year__fiscal_year=2021)
    }
    owners = {
        ms.measure_id: ms.section
        for ms in MeasureSection.objects.filter(measure__plan=two_pages, is_primary=True).select_related(
            "section__bureau"
        )
    }
    for measure, (link, code, name, field, bureau, section, year, result, _status) in zip(measures, rows, strict=True):
        assert link == reverse("measure_detail", args=[measure.code]) + "?year=2021"
        assert (name, field, year) == (measure.name, measure.field.name, full_label(measure.target_fiscal_year))
        assert (bureau, section) == (owners[measure.pk].bureau.name, owners[measure.pk].name)
        assert result == shown_result(results.get(measure.pk)), code
    assert len({row[7].split()[0] for row in rows}) >= 3  # a spread of grades, not one repeated


def test_a_sorted_page_two_still_shows_each_measures_own_result(client_for, two_pages):
    rows = table_rows(get_list(client_for("hq"), two_pages, "&sort=-primary_bureau&page=2"))
    assert len(rows) == 50
    results = {
        r.measure.code: r
        for r in MeasureResult.objects.filter(measure__plan=two_pages, plan_year__fiscal_year=2021).select_related(
            "measure"
        )
    }
    for row in rows:
        assert row[7] == shown_result(results.get(row[1])), row[1]


@pytest.mark.parametrize("sort", ["code", "-name", "field", "primary_bureau", "-primary_section", "target_fiscal_year"])
def test_the_pages_of_a_sorted_list_hold_every_measure_once(client_for, two_pages, sort):
    client = client_for("hq")
    codes = [row[1] for page in (1, 2) for row in table_rows(get_list(client, two_pages, f"&sort={sort}&page={page}"))]
    assert len(codes) == 150
    assert set(codes) == set(two_pages.measures.values_list("code", flat=True))


@pytest.mark.parametrize("per_page", ["1000", "0", "-1"])
def test_a_page_holds_at_most_a_hundred_measures_whatever_the_query_asks(client_for, two_pages, per_page):
    assert len(table_rows(get_list(client_for("hq"), two_pages, f"&per_page={per_page}"))) == 100


def test_a_page_costs_the_same_queries_wherever_it_is_and_however_sorted(client_for, two_pages):
    client = client_for("hq")
    get_list(client, two_pages)  # the session remembers the plan from here on
    counts = []
    for query in ["", "&page=2", "&sort=-primary_bureau&page=2", "&sort=field", "&sort=primary_section"]:
        with CaptureQueriesContext(connection) as queries:
            get_list(client, two_pages, query)
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def test_the_page_explains_why_a_select_waits_for_the_level_above(client_for, plan, monkeypatch):
    monkeypatch.setattr(filters, "CHOICE_LIMIT", 5)
    page = get_list(client_for("viewer"), plan)
    assert 'aria-describedby="id_subpillar_helptext"' in page
    assert '<small id="id_subpillar_helptext">柱を選ぶと中柱を選べます。</small>' in page
    assert '<small id="id_field_helptext">中柱を選ぶと分野を選べます。</small>' in page
    assert "76 件の施策" in page


def test_a_filter_with_no_match_says_so_in_the_table(client_for, plan):
    page = get_list(client_for("viewer"), plan, "&q=該当なしの語")
    assert "0 件の施策" in page and "条件に合う施策はありません。" in page


def _tree_measure_codes(page: str) -> list[str]:
    return re.findall(r'<li><a href="/measures/[^"]+">(\S+) [^<]*</a>', page)


def test_the_plan_tree_shows_every_measure_of_the_real_plan_on_one_page(client_for, plan):
    from measures.models import Measure

    page = client_for("viewer").get(reverse("plan_tree") + "?year=2021").content.decode()
    assert _tree_measure_codes(page) == list(
        Measure.objects.filter(plan=plan).order_by("order").values_list("code", flat=True)
    )
    assert 'class="pager"' not in page
    for pillar in plan.pillars.all():
        count = Measure.objects.filter(field__subpillar__pillar=pillar).count()
        assert f"{pillar.code} {pillar.name}（{count}）" in page


def test_the_plan_tree_of_a_large_plan_pages_through_its_sub_pillars(client_for, plan):
    from benchmarks.synthetic import synthetic_plan_create
    from measures.models import SubPillar
    from measures.selectors import TREE_SUBPILLARS_PER_PAGE as PER_PAGE

    large = synthetic_plan_create(measures=330, code="synthetic-tree-pages")
    subpillars = SubPillar.objects.filter(pillar__plan=large).count()
    pages = (subpillars + PER_PAGE - 1) // PER_PAGE
    assert pages > 1
    client = client_for("viewer")
    url = reverse("plan_tree") + f"?plan={large.code}&year=2021"
    shown = [client.get(url + f"&page={number}").content.decode() for number in range(1, pages + 1)]
    codes = sum((_tree_measure_codes(page) for page in shown), [])
    assert codes == list(large.measures.order_by("order").values_list("code", flat=True))
    assert sum(page.count('<tr class="level-subpillar">') for page in shown) == subpillars
    assert f"中柱 {subpillars} のうち {PER_PAGE + 1}〜" in shown[1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("I-②-ア-01", ["I-②-ア-01"]),
        ("Ⅱ－②－ア－01", ["II-②-ア-01"]),
        ("I-②-ア", ["I-②-ア-01", "I-②-ア-02", "I-②-ア-03", "I-②-ア-04"]),
    ],
)
def test_a_keyword_that_looks_like_a_code_matches_codes_exactly(client_for, plan, query, expected):
    from measures.models import Measure

    page = get_list(client_for("viewer"), plan, f"&q={query}")
    codes = set(Measure.objects.filter(plan=plan).values_list("code", flat=True))
    shown = [code for code in re.findall(r">([IV]+-[^<\s]+)<", page) if code in codes]
    assert sorted(set(shown)) == sorted(set(expected))


def test_the_list_shows_and_filters_by_the_years_report_status(client_for, plan):
    from measures.models import Measure, PlanYear
    from pdca.models import Submission

    submitted = Measure.objects.get(plan=plan, code="I-②-ア-01")
    Submission.objects.create(
        measure=submitted, plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2021), status="submitted"
    )
    page = get_list(client_for("viewer"), plan, "&report_status=submitted")
    assert [row[1] for row in table_rows(page)] == ["I-②-ア-01"]
    assert table_rows(page)[0][-1] == "提出済"
    rows = table_rows(get_list(client_for("viewer"), plan, "&report_status=owed"))
    assert len(rows) == 75 and all(row[-1] == "未入力" for row in rows)
