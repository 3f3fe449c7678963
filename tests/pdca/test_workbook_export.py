"""The meeting workbook: read back with openpyxl (and once with calamine), compared with the
selectors that feed the web pages, and tried by every persona."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from benchmarks.synthetic import synthetic_plan_create
from indicators.models import Actual, MilestoneStatus
from indicators.selectors import indicator_results_for_year, measure_achievement_table, rollup
from indicators.services import actual_record
from measures.models import Plan, PlanYear, SubPillar
from pdca.models import SelfAssessment, Submission, SubmissionStatus
from pdca.selectors import submission_status_counts
from pdca.workbook.exports import meeting_workbook_write
from tests.conftest import measure

pytestmark = pytest.mark.django_db

YEAR = 2021
HEADER_ROW = 3
# Texts a clerk might type that Excel would otherwise take for a formula or an error.
FORMULA_LIKE = ["=1+1", "+81-3-1234", "-ご確認ください", "@SUM(A1)", '=HYPERLINK("http://example.com")', "#N/A"]


def _record(plan: Plan, code: str, *, value=None, status="") -> None:
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    for indicator in m.indicators.all():
        if indicator.is_milestone:
            actual_record(indicator=indicator, plan_year=plan_year, milestone_status=status or "partial", user=None)
        else:
            actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(value), user=None)


@pytest.fixture
def reported(plan):
    """A few measures with actuals in R3 (A, B, D and a milestone), and reports whose texts
    begin like formulas."""
    _record(plan, "II-④-ア-01", value="85")  # 85 / 80 → 106.25%, A
    _record(plan, "I-①-ア-01", status=MilestoneStatus.PARTIAL)  # 実施 → 一部達成, 50%, C
    _record(plan, "I-①-イ-02", value="50")  # 50 / 120 → D
    _record(plan, "I-①-ア-02", value="45000")
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    for code, text in zip(["II-④-ア-01", "I-①-ア-01", "I-①-イ-02"], FORMULA_LIKE, strict=False):
        Submission.objects.create(
            measure=measure(code),
            plan_year=plan_year,
            status=SubmissionStatus.SUBMITTED,
            achievements_text=text,
            issues_text=FORMULA_LIKE[3],
            next_steps_text=FORMULA_LIKE[4] + "\x0b",  # a control character pasted from elsewhere
            self_assessment=SelfAssessment.MOSTLY,
        )
    return plan


def _workbook_bytes(plan: Plan, year: int = YEAR) -> bytes:
    output = BytesIO()
    meeting_workbook_write(plan=plan, fiscal_year=year, output=output)
    return output.getvalue()


@pytest.fixture
def workbook_bytes(reported) -> bytes:
    return _workbook_bytes(reported)


@pytest.fixture
def workbook(workbook_bytes):
    return load_workbook(BytesIO(workbook_bytes))


def _list_rows(ws) -> list[dict]:
    heads = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(heads, row, strict=True)) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


def _summary_rows(ws) -> dict[tuple[str, str], tuple]:
    """Every table row of the 概要 sheet by its two label cells."""
    return {(row[0], row[1] or ""): row for row in ws.iter_rows(min_row=5, values_only=True) if row[2] is not None}


def test_the_workbook_has_a_summary_and_a_list_of_every_indicator(workbook, plan):
    assert workbook.sheetnames == ["概要", "施策一覧"]
    rows = _list_rows(workbook["施策一覧"])
    assert len(rows) == sum(m.indicators.count() or 1 for m in plan.measures.all())
    first = rows[0]
    assert first["施策No"] == "I-①-ア-01"
    assert first["柱"] == "I 暮らしの情報化"
    assert list(first)[:12] == [
        "施策No", "施策名", "柱", "分野", "所管局", "所属", "成果指標", "単位", "R1目標", "R2目標", "R3目標", "R4目標",
    ]  # fmt: skip
    assert list(first)[12:] == [
        "R3実績", "達成率", "評価", "施策の達成率", "施策の評価", "状態", "取組実績", "評価（自己評価）", "課題", "今後の方向性",
    ]  # fmt: skip
    shared = next(r for r in rows if r["施策No"] == "I-①-イ-01")
    assert shared["所属"] == "観光企画課、国際観光課"  # a measure with two owning sections
    assert shared["成果指標"].startswith("(1) ")  # a sub-programme's indicator


def test_rates_equal_the_selectors_to_the_last_digit(workbook, reported):
    plan = reported
    summary = _summary_rows(workbook["概要"])
    plan_rollup = rollup(plan=plan, fiscal_year=YEAR, level="plan")[None]
    plan_row = summary[("計画全体", plan.name)]
    assert Decimal(str(plan_row[3])) == plan_rollup.mean_rate
    assert plan_row[4] == plan_rollup.grade
    assert plan_row[2] == plan_rollup.measures == 76
    for pillar in plan.pillars.all():
        expected = rollup(plan=plan, fiscal_year=YEAR, level="pillar")[pillar.pk]
        row = summary[(pillar.code, pillar.name)]
        assert Decimal(str(row[3])) == expected.mean_rate
        assert row[5:9] == tuple(expected.grade_counts[code] for code in "ABCD")
    rows = {(r["施策No"], r["成果指標"]): r for r in _list_rows(workbook["施策一覧"])}
    results = indicator_results_for_year(plan=plan, fiscal_year=YEAR)
    graded = 0
    for m in plan.measures.all():
        table, measure_results = measure_achievement_table(m)  # what the measure page shows
        for indicator_row in table:
            indicator = indicator_row.indicator
            label = f"({indicator.subprogramme.number}) {indicator.name}" if indicator.subprogramme else indicator.name
            row = rows[(m.code, label)]
            shown = next(y.result for y in indicator_row.years if y.plan_year.fiscal_year == YEAR)
            assert results[indicator.pk] == shown
            assert row["評価"] == shown.label
            if shown.raw_rate is None:
                assert row["達成率"] is None
            else:
                graded += 1
                assert Decimal(str(row["達成率"])) == shown.raw_rate
            stored = measure_results[YEAR]
            assert row["施策の達成率"] == (None if stored.rate is None else pytest.approx(float(stored.rate), abs=0))
            assert row["施策の評価"] == stored.label
    assert graded == Actual.objects.filter(plan_year__fiscal_year=YEAR, raw_rate__isnull=False).count() == 4
    a_row = rows[("II-④-ア-01", measure("II-④-ア-01").indicators.get().name)]
    assert (a_row["R3実績"], Decimal(str(a_row["達成率"])), a_row["評価"]) == (85, Decimal("1.0625"), "A")


def test_submission_counts_by_group_match_the_selector(workbook, reported):
    summary = _summary_rows(workbook["概要"])
    counts = submission_status_counts(plan=reported, fiscal_year=YEAR, level="plan")[None]
    plan_row = summary[("計画全体", reported.name)]
    heads = [c.value for c in workbook["概要"][7]]
    by_status = {str(s.label): plan_row[heads.index(str(s.label))] for s in SubmissionStatus}
    assert by_status == {str(SubmissionStatus(k).label): v for k, v in counts.items()}
    assert by_status["提出済"] == 3 and by_status["未入力"] == 73
    sections = [key for key in summary if key == ("総務局", "ICT・データ戦略課")]
    assert sections, "the section table lists each owning section with its bureau"


def test_formats_panes_filter_widths_and_grade_fills(workbook):
    ws = workbook["施策一覧"]
    assert ws.freeze_panes == "C4"
    assert ws.auto_filter.ref == f"A3:V{ws.max_row}"
    assert ws.column_dimensions["B"].width == 30
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1))
    by_code = {row[0].value: row for row in rows}
    a_row = by_code["II-④-ア-01"]
    assert a_row[12].number_format == "#,##0"
    assert a_row[13].number_format == "0.0%"
    assert a_row[1].alignment.wrap_text is True
    fills = {row[14].value: row[14].fill.fgColor.rgb for row in rows if row[14].value in ("A", "B", "C", "D")}
    assert fills["A"] == "00C6EFCE"
    assert fills["D"] == "00FFC7CE"
    assert len(set(fills.values())) == len(fills)
    header = ws[HEADER_ROW][0]
    assert header.font.bold and header.alignment.wrap_text


def test_print_settings_are_a4_landscape_with_title_year_and_repeated_headers(workbook, plan):
    for ws in workbook:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert plan.name in ws.oddHeader.center.text
        assert "令和3年度" in ws.oddHeader.center.text
    assert workbook["施策一覧"].print_title_rows == "$3:$3"


def test_the_summary_carries_a_native_bar_chart_of_the_subpillars(workbook_bytes, workbook):
    with zipfile.ZipFile(BytesIO(workbook_bytes)) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = archive.read(charts[0]).decode()
    assert "<barChart>" in xml and '<barDir val="col" />' in xml
    summary = workbook["概要"]
    header = next(row[0].row for row in summary.iter_rows() if row[0].value == "中柱" and row[3].value == "平均達成率")
    last = header + SubPillar.objects.filter(pillar__plan__code="kanagawa-ict-2019").count()
    assert f"<f>'概要'!$D${header + 1}:$D${last}</f>" in xml  # the 平均達成率 cells of the 中柱 table
    assert f"<f>'概要'!$A${header + 1}:$A${last}</f>" in xml  # labelled by the sub-pillar codes
    assert summary.cell(row=last, column=1).value == "II-④"


def test_text_typed_by_users_stays_text(workbook):
    ws = workbook["施策一覧"]
    heads = [c.value for c in ws[HEADER_ROW]]
    texts = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        for name in ("取組実績", "課題", "今後の方向性"):
            cell = row[heads.index(name)]
            if cell.value is not None:
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                texts.append(cell.value)
    for text in FORMULA_LIKE[:3]:
        assert text in texts
    assert "@SUM(A1)" in texts
    assert '=HYPERLINK("http://example.com")' in texts  # the control character was dropped, the text kept


def test_another_reader_sees_the_same_values(workbook_bytes, workbook):
    calamine = CalamineWorkbook.from_filelike(BytesIO(workbook_bytes))
    assert calamine.sheet_names == workbook.sheetnames
    for name in workbook.sheetnames:
        theirs = calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ours = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        assert len(theirs) == len(ours)
        for their_row, our_row in zip(theirs, ours, strict=True):
            padded = list(their_row) + [""] * (len(our_row) - len(their_row))
            for theirs_value, ours_value in zip(padded, our_row, strict=False):
                if isinstance(ours_value, int | float):
                    assert float(theirs_value) == pytest.approx(float(ours_value), abs=0), name
                else:
                    assert theirs_value == ("" if ours_value is None else ours_value), name


def test_the_number_of_queries_does_not_grow_with_the_plan(db):
    def queries(code: str) -> int:
        plan = Plan.objects.get(code=code)
        with CaptureQueriesContext(connection) as captured:
            meeting_workbook_write(plan=plan, fiscal_year=YEAR, output=BytesIO())
        return len(captured)

    synthetic_plan_create(measures=20, code="synthetic-small")
    synthetic_plan_create(measures=200, code="synthetic-large", seed=1)
    assert queries("synthetic-small") == queries("synthetic-large") == queries("kanagawa-ict-2019")


def test_a_year_without_any_report_still_exports(plan):
    workbook = load_workbook(BytesIO(_workbook_bytes(plan, 2022)))
    rows = _list_rows(workbook["施策一覧"])
    assert {r["状態"] for r in rows} == {"未入力"}
    assert all(r["達成率"] is None for r in rows)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 403), ("other_staff", 403), ("hq", 200), ("viewer", 200), ("anonymous", 302)],
)
def test_only_headquarters_and_viewers_download_the_workbook(client_for, reported, persona, status):
    response = client_for(persona).get(reverse("workbook_download"), {"year": YEAR})
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))
    if status == 200:
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "attachment" in response["Content-Disposition"]
        assert "%E4%BB%A4%E5%92%8C3%E5%B9%B4%E5%BA%A6" in response["Content-Disposition"]  # 令和3年度
        downloaded = load_workbook(BytesIO(b"".join(response.streaming_content)))
        assert downloaded.sheetnames == ["概要", "施策一覧"]


def test_the_plan_page_links_to_the_download_for_those_who_may_export(client_for, plan):
    url = reverse("workbook_download")
    assert url in client_for("viewer").get(reverse("plan_tree"), {"year": YEAR}).content.decode()
    assert url not in client_for("staff").get(reverse("plan_tree"), {"year": YEAR}).content.decode()


def test_the_command_writes_the_workbook(reported, tmp_path):
    target = tmp_path / "meeting.xlsx"
    call_command("export_workbook", "--fiscal-year", str(YEAR), "-o", str(target), stdout=StringIO())
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["概要", "施策一覧"]
    with pytest.raises(CommandError, match="計画期間"):
        call_command("export_workbook", "--fiscal-year", "2030", "-o", str(target), stdout=StringIO())
