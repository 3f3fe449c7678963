"""The headquarters dashboard: same figures as everywhere else, a fixed query count, and
the right view for every persona."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.synthetic import synthetic_plan_create
from core.numbers import format_rate
from indicators.group_results import group_results_rebuild
from indicators.models import Actual, MeasureResult
from indicators.selectors import rollup
from indicators.services import actual_record, measure_results_basis_set
from measures.models import Measure, PlanYear
from pdca.models import Submission
from pdca.services import basis_reached_by

pytestmark = pytest.mark.django_db


def record(code: str, year: int, value: str | None = None, status: str = "") -> Actual:
    indicator = Measure.objects.get(code=code).indicators.order_by("order").first()
    plan_year = PlanYear.objects.get(plan=indicator.measure.plan, fiscal_year=year)
    return actual_record(
        indicator=indicator,
        plan_year=plan_year,
        value=None if value is None else Decimal(value),
        milestone_status=status,
        user=None,
    )


@pytest.fixture
def some_results(plan):
    record("I-①-ア-03", 2020, "10")  # 10 / 20 = 50% → C
    record("I-①-イ-02", 2020, "120")  # 120 / 120 → A
    record("II-④-ア-01", 2020, "60")  # 60 / 80 = 75% → C
    record("I-①-ア-01", 2020, status="achieved")  # milestone → A
    # Submitted (and two approved), so that the default basis 提出済以上 shows them all.
    for code, status in [("I-①-ア-03", "approved"), ("I-①-イ-02", "submitted"), ("II-④-ア-01", "approved")]:
        submitted(code, 2020, status)
    submitted("I-①-ア-01", 2020, "submitted")


def submitted(code: str, year: int, status: str = "submitted") -> None:
    """Give a measure-year a report in `status`, its figures moved onto the bases it reaches."""
    measure = Measure.objects.get(code=code)
    plan_year = PlanYear.objects.get(plan=measure.plan, fiscal_year=year)
    Submission.objects.update_or_create(measure=measure, plan_year=plan_year, defaults={"status": status})
    measure_results_basis_set(plan=measure.plan, reached={(measure.pk, plan_year.pk): basis_reached_by(status)})


def test_headline_figures_equal_the_roll_up_selector(client_for, plan, some_results):
    page = client_for("viewer").get(reverse("dashboard") + "?year=2020").content.decode()
    expected = rollup(plan=plan, fiscal_year=2020, level="plan")[None]
    assert expected.mean_rate == Decimal("0.8125")  # (0.5 + 1 + 0.75 + 1) / 4
    assert format_rate(expected.mean_rate) in page
    assert expected.grade_counts == {"A": 2, "B": 0, "C": 2, "D": 0}


def test_a_measures_rate_on_the_dashboard_equals_its_measure_page(client_for, some_results):
    client = client_for("hq")
    pillar = Measure.objects.get(code="II-④-ア-01").field.subpillar.pillar_id
    dashboard = client.get(reverse("dashboard") + f"?year=2020&pillar={pillar}").content.decode()
    detail = client.get(reverse("measure_detail", args=["II-④-ア-01"]) + "?year=2020").content.decode()
    rate = format_rate(MeasureResult.objects.get(measure__code="II-④-ア-01", plan_year__fiscal_year=2020).rate)
    assert rate == "75.0%"
    risk_row = re.search(r">II-④-ア-01</a>.*?</tr>", dashboard, re.S).group(0)
    assert rate in risk_row
    assert rate in detail


def test_the_at_risk_list_names_every_owning_section_in_card_order(client_for, some_results):
    page = client_for("hq").get(reverse("dashboard") + "?year=2020").content.decode()
    owners = [ms.section.name for ms in Measure.objects.get(code="I-①-イ-01").measure_sections.order_by("order")]
    assert len(owners) == 2
    risk_row = re.search(r">I-①-イ-01</a>.*?</tr>", page, re.S).group(0)  # unreported in 2020
    assert f"<td>{'、'.join(owners)}</td>" in risk_row


def test_submission_counts_cover_every_measure(client_for, plan):
    Submission.objects.create(
        measure=Measure.objects.get(code="I-①-ア-01"), plan_year=plan.years.get(fiscal_year=2020), status="approved"
    )
    page = client_for("viewer").get(reverse("dashboard") + "?year=2020").content.decode()
    assert "0 / 1" in page  # 提出済 / 承認済
    assert "全 76 施策" in page


def test_staff_see_the_dashboard_with_their_measures_highlighted(client_for, some_results):
    pillar = Measure.objects.get(code="II-④-ア-01").field.subpillar.pillar_id
    page = client_for("staff").get(reverse("dashboard") + f"?year=2020&pillar={pillar}").content.decode()
    highlighted = "".join(re.findall(r'<tr class="[^"]*highlight[^"]*">.*?</tr>', page, re.S))
    assert ">II-④-ア-01<" in highlighted and "（担当）" in highlighted
    assert ">II-①-イ-01<" in page and ">II-①-イ-01<" not in highlighted  # 情報システム課, also at risk


def test_plan_text_is_escaped_in_every_table(client_for, some_results):
    """Rows are written in Python (pdca.tables), not by the autoescaping template."""
    measure = Measure.objects.get(code="II-④-ア-01")
    section = measure.measure_sections.first().section
    Measure.objects.filter(pk=measure.pk).update(name="<em>施策</em> & 名")
    section.name = "<em>所属</em>"
    section.save()
    section.bureau.name = "<em>局</em>"
    section.bureau.save()
    subpillar = measure.field.subpillar
    subpillar.name = "<em>中柱</em>"
    subpillar.save()
    # The roll-up rows carry the names they sort and show by; every rename path (the admin,
    # a plan load) rebuilds them.
    group_results_rebuild(measure.plan)
    client = client_for("viewer")
    pillar = measure.field.subpillar.pillar_id
    pages = [
        client.get(reverse("dashboard") + f"?year=2020&pillar={pillar}").content.decode(),
        client.get(reverse("measure_list") + "?year=2020&q=II-④-ア-01").content.decode(),
    ]
    for page in pages:
        assert "<em>" not in page
    assert "&lt;em&gt;施策&lt;/em&gt; &amp; 名" in pages[0] and "&lt;em&gt;施策&lt;/em&gt; &amp; 名" in pages[1]
    assert "&lt;em&gt;所属&lt;/em&gt;" in pages[0] and "&lt;em&gt;局&lt;/em&gt;" in pages[0]
    assert "&lt;em&gt;所属&lt;/em&gt;" in pages[1] and "&lt;em&gt;局&lt;/em&gt;" in pages[1]
    link = f'<a href="{reverse("measure_list")}?subpillar={subpillar.pk}&amp;year=2020">'
    assert f"{link}{subpillar.code} &lt;em&gt;中柱&lt;/em&gt;</a>" in pages[0]


@pytest.mark.parametrize("persona", ["staff", "other_staff", "hq", "viewer"])
def test_every_persona_may_read_the_dashboard(client_for, persona):
    assert client_for(persona).get(reverse("dashboard")).status_code == 200


def test_anonymous_visitors_are_sent_to_login(client_for):
    response = client_for("anonymous").get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_charts_draw_from_our_own_static_files(client_for, some_results):
    page = client_for("viewer").get(reverse("dashboard") + "?year=2020").content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts == ["/static/vendor/plotly/plotly.min.js", "/static/js/text-counter.js", "/static/js/charts.js"]
    assert "cdn" not in page.lower()


def test_sorting_and_filtering_work_by_plain_links(client_for, some_results):
    client = client_for("viewer")
    page = client.get(reverse("dashboard") + "?year=2020&dept-sort=-mean_rate").content.decode()
    assert page.index("ICT・データ戦略課") > 0
    filtered = client.get(
        reverse("dashboard")
        + "?year=2020&pillar="
        + str(Measure.objects.get(code="II-④-ア-01").field.subpillar.pillar_id)
    ).content.decode()
    risk = filtered[filtered.index("注意が必要な施策") :]
    assert ">II-④-ア-01<" in risk and ">I-①-ア-03<" not in risk


def _dashboard_queries(client, plan_code: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard") + f"?plan={plan_code}&year=2021")
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_the_plan(client_for, plan):
    client = client_for("hq")
    synthetic_plan_create(measures=760, code="synthetic-10x")
    # Each measured after a first visit: switching plans writes the session once.
    _dashboard_queries(client, plan.code)
    real = _dashboard_queries(client, plan.code)
    _dashboard_queries(client, "synthetic-10x")
    large = _dashboard_queries(client, "synthetic-10x")
    assert real == large


def test_the_demo_banner_shows_while_demo_data_exists_and_clear_keeps_real_entries(client_for, plan):
    call_command("seed_demo", stdout=StringIO())
    real = record("I-①-ア-01", 2022, status="achieved")
    client = client_for("viewer")
    assert "デモデータ" in client.get(reverse("dashboard")).content.decode()
    assert Actual.objects.filter(is_demo=True).exists()

    call_command("seed_demo", "--clear", stdout=StringIO())

    assert not Actual.objects.filter(is_demo=True).exists()
    assert not Submission.objects.filter(is_demo=True).exists()
    assert Actual.objects.filter(pk=real.pk).exists()
    assert "デモデータ" not in client.get(reverse("dashboard")).content.decode()
    assert MeasureResult.objects.get(measure__code="I-①-ア-01", plan_year__fiscal_year=2022).grade == "A"
    assert not MeasureResult.objects.filter(plan_year__fiscal_year=2020, outcome="graded").exists()


def test_a_remembered_plan_is_read_once(client_for, plan, django_capture_on_commit_callbacks):
    other = synthetic_plan_create(measures=5, code="synthetic-small")
    client = client_for("viewer")
    with django_capture_on_commit_callbacks(execute=True):  # the switcher's list is kept (core.cache)
        client.get(reverse("measure_list") + f"?plan={other.code}")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("measure_list")).content.decode()
    # The footer names the plan shown; the header's switcher lists both, the remembered one chosen.
    footer = page.split('class="site-footer"')[1]
    assert other.name in footer and plan.name not in footer
    assert f'<option value="{other.code}" selected>' in page
    # Not at all: the plan read by the first request is kept in the cache under the data
    # version (core.cache), and the second request reads only the version.
    assert len([q for q in queries if 'FROM "measures_plan"' in q["sql"]]) == 0
    assert len([q for q in queries if 'FROM "core_dataversion"' in q["sql"]]) == 1


def test_seed_demo_gives_a_spread_of_grades_and_statuses(plan):
    call_command("seed_demo", stdout=StringIO())
    grades = set(MeasureResult.objects.filter(plan_year__fiscal_year=2021).values_list("grade", flat=True))
    assert {"A", "C", "D"} <= grades
    statuses = set(Submission.objects.filter(plan_year__fiscal_year=2021).values_list("status", flat=True))
    assert {"approved", "returned", "submitted"} <= statuses
    assert not Actual.objects.filter(plan_year__fiscal_year=2022).exists()  # R4 left open for entry


def test_demo_data_is_plausible_no_share_above_the_whole_no_running_total_that_falls(plan):
    call_command("seed_demo", stdout=StringIO())
    actuals = Actual.objects.filter(is_demo=True, value__isnull=False).select_related("indicator", "plan_year")
    shares = [a for a in actuals if a.indicator.kind == "percentage" or a.indicator.unit == "%"]
    assert shares and all(a.value <= 100 for a in shares)
    running: dict[int, list] = {}
    for actual in sorted(actuals, key=lambda a: a.plan_year.fiscal_year):
        if actual.indicator.cumulative:
            running.setdefault(actual.indicator_id, []).append(actual.value)
    assert running
    assert all(values == sorted(values) for values in running.values())


def test_the_at_risk_count_from_stored_roll_ups_equals_the_list_under_every_filter(plan, some_results):
    from measures.models import Bureau, Pillar, ScheduleItem
    from pdca import dashboard
    from pdca.models import ProgressStatus, ScheduleProgress

    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=2020)
    # Delays on a measure graded A (counted only for its delay) and on one graded C (once).
    for code in ("I-①-イ-02", "I-①-ア-03"):
        item = ScheduleItem.objects.filter(measure__code=code).order_by("order").first()
        ScheduleProgress.objects.create(schedule_item=item, plan_year=plan_year, status=ProgressStatus.DELAYED)
    pillar = Measure.objects.get(code="I-①-ア-03").field.subpillar.pillar
    bureau = Bureau.objects.get(name="総務局")
    cases = [(None, None), (pillar, None), (None, bureau), (pillar, bureau)]
    cases += [(other, None) for other in Pillar.objects.filter(plan=plan).exclude(pk=pillar.pk)]
    for chosen_pillar, chosen_bureau in cases:
        measures = plan.measures.all()
        if chosen_pillar:
            measures = measures.filter(field__subpillar__pillar=chosen_pillar)
        if chosen_bureau:
            measures = measures.filter(measure_sections__section__bureau=chosen_bureau).distinct()
        listed = dashboard.measures_at_risk(plan, plan_year, measures).count()
        counted = dashboard.measures_at_risk_count(
            dashboard.overview(plan), plan_year, measures, pillar=chosen_pillar, bureau=chosen_bureau
        )
        assert counted == listed, (chosen_pillar, chosen_bureau)
    everything = dashboard.measures_at_risk(plan, plan_year)
    assert {m.code for m in everything if m.risk_delayed} == {"I-①-イ-02", "I-①-ア-03"}


def test_sub_pillar_bureau_and_section_tables_page_through_every_row(client_for, plan):
    """Their row counts come from one grouped query (dashboard.group_counts), the sub-pillars'
    from the pillars' query; each pager must still reach the last row, and the last page
    hold the rest."""
    from indicators.models import GroupResult

    large = synthetic_plan_create(measures=330, code="synthetic-paged")
    stored = GroupResult.objects.filter(plan_year__plan=large, plan_year__fiscal_year=2021, basis="entered")
    client = client_for("viewer")
    for level, prefix in (("bureau", "bureau-"), ("section", "dept-")):
        rows = list(stored.filter(level=level))
        assert len(rows) > 20, level
        last = (len(rows) + 19) // 20
        url = reverse("dashboard") + f"?plan={large.code}&year=2021"
        first_page = client.get(url).content.decode()
        assert f"{prefix}page={last}" in first_page and f"{prefix}page={last + 1}" not in first_page
        page = client.get(url + f"&{prefix}page={last}").content.decode()
        heading = {"bureau": "局別", "section": "所属別"}[level]
        table = page[page.index(f"<h3>{heading}</h3>") :]
        table = table[: table.index("</table>")]
        assert table.count("<tr") - 1 == len(rows) - 20 * (last - 1), level  # less the header row
    from measures.models import SubPillar

    subpillars = SubPillar.objects.filter(pillar__plan=large).count()
    assert subpillars > 20
    last = (subpillars + 19) // 20
    url = reverse("dashboard") + f"?plan={large.code}&year=2021"
    assert f"sub-page={last}" in client.get(url).content.decode()
    page = client.get(url + f"&sub-page={last}").content.decode()
    assert page.count('<tr class="level-subpillar">') == subpillars - 20 * (last - 1)


def _table_rows(page: str, heading: str) -> list[list[str]]:
    """The text of each cell of each body row of the table under `<h3>heading</h3>`."""
    table = page[page.index(f"<h3>{heading}</h3>") :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_bureau_and_section_tables_sort_by_name_both_ways(client_for, plan, some_results):
    from measures.models import Section

    owners = Section.objects.filter(measure_sections__measure__plan=plan).distinct().select_related("bureau")
    pairs = sorted({(s.bureau.name, s.name) for s in owners})
    bureaus = sorted({bureau for bureau, _section in pairs})
    assert len(pairs) > 20  # the order must hold across the page boundary too
    client = client_for("viewer")

    def page(query: str) -> str:
        return client.get(reverse("dashboard") + "?year=2020" + query).content.decode()

    assert [row[:2] for row in _table_rows(page(""), "所属別")] == [list(p) for p in pairs[:20]]
    assert [row[:2] for row in _table_rows(page("&dept-page=2"), "所属別")] == [list(p) for p in pairs[20:40]]
    by_section = sorted(pairs, key=lambda p: (p[1], p[0]), reverse=True)
    assert [row[:2] for row in _table_rows(page("&dept-sort=-section"), "所属別")] == [list(p) for p in by_section[:20]]
    assert [row[0] for row in _table_rows(page("&bureau-sort=-bureau"), "局別")] == sorted(bureaus, reverse=True)[:20]


def test_the_sorted_column_says_so_and_links_to_the_other_order(client_for, some_results):
    page = (
        client_for("viewer").get(reverse("dashboard") + "?year=2020&dept-sort=-mean_rate&dept-page=2").content.decode()
    )
    table = page[page.index("<h3>所属別</h3>") :]
    header = table[: table.index("</thead>")]
    sorted_cells = re.findall(r'<th scope="col" aria-sort="(\w+)"><a href="([^"]+)">([^<]+)</a></th>', header)
    assert sorted_cells == [("descending", "?year=2020&amp;dept-sort=mean_rate", "平均達成率")]
    assert "dept-page" not in header  # a new order starts on the first page


def test_every_sub_pillar_row_shows_its_own_roll_up_for_the_year_on_every_page(client_for):
    """The sub-pillars are paged apart from their roll-ups (pdca.dashboard.pillar_rows): each
    row must still show its own group's figures for the year chosen, on every page."""
    from measures.models import SubPillar

    large = synthetic_plan_create(measures=330, code="synthetic-tree")
    subpillars = dict(SubPillar.objects.filter(pillar__plan=large).values_list("code", "pk"))
    pages = (len(subpillars) + 19) // 20
    assert pages > 1
    row = re.compile(
        r'<tr class="level-subpillar"><th scope="row"><a [^>]*>(\S+) [^<]*</a></th>'
        r'<td class="num">(\d+)</td><td class="num">([^<]*)</td>'
    )
    client = client_for("hq")  # on 入力済すべて: a synthetic plan has no reports
    shown = {}
    for year in (2020, 2021):
        stored = rollup(plan=large, fiscal_year=year, level="subpillar")
        expected = {code: (stored[pk].measures, format_rate(stored[pk].mean_rate)) for code, pk in subpillars.items()}
        shown[year] = {}
        for number in range(1, pages + 1):
            url = reverse("dashboard") + f"?plan={large.code}&year={year}&basis=entered&sub-page={number}"
            for code, measures, rate in row.findall(client.get(url).content.decode()):
                shown[year][code] = (int(measures), rate)
        assert shown[year] == expected, year
    assert shown[2020] != shown[2021]  # so that a row showing another year's figures would fail


def test_tables_of_one_class_keep_their_own_order_and_header(rf, plan, some_results):
    """Two tables of one class, in one process, sort and head their columns each their own way."""
    from django_tables2 import RequestConfig

    from pdca.dashboard import group_results
    from pdca.tables import DepartmentTable

    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=2020)
    tables = {}
    for order in ("mean_rate", "-mean_rate"):
        table = DepartmentTable(group_results(plan_year, "section"), prefix="dept-", plan=plan, mine=set())
        RequestConfig(rf.get("/", {"dept-sort": order}), paginate={"per_page": 100}).configure(table)
        tables[order] = table
    rates = {order: [row.rollup.mean_rate for row in table.page_rows()] for order, table in tables.items()}
    graded = [rate for rate in rates["mean_rate"] if rate is not None]
    assert len(set(graded)) > 1
    assert [rate for rate in rates["-mean_rate"] if rate is not None] == graded[::-1]
    sorts = {order: {cell.label: cell.sort for cell in table.header_cells()} for order, table in tables.items()}
    assert sorts["mean_rate"]["平均達成率"] == "ascending"
    assert sorts["-mean_rate"]["平均達成率"] == "descending"
