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
from indicators.basis import Basis
from indicators.models import MilestoneStatus, Target
from indicators.selectors import (
    indicator_results_for_year,
    measure_achievement_table,
    measure_results_for_year,
    rollup,
)
from indicators.services import actual_record, measure_results_basis_set
from measures.models import Plan, PlanYear, SubPillar
from measures.selectors import bureaus_in_plan_order
from pdca import plan_review
from pdca.dashboard import measures_at_risk
from pdca.models import SelfAssessment, Submission, SubmissionStatus
from pdca.selectors import submission_board, submission_status_counts
from pdca.services import final_review_decide, final_review_save, report_bases_sync
from pdca.workbook.cells import rate_value
from pdca.workbook.exports import meeting_workbook_write
from tests.conftest import measure

pytestmark = pytest.mark.django_db

YEAR = 2021
HEADER_ROW = 3  # 施策一覧, 前年度比較, 要注意施策, 提出状況: title, note, header
SUMMARY_HEADER_ROW = 8
SHEETS = ["表紙", "概要", "前年度比較", "要注意施策", "提出状況", "施策一覧", "施策別"]
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
    report_bases_sync(plan=plan)
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


def _table(ws, header_row: int = HEADER_ROW) -> list[dict]:
    heads = [c.value for c in ws[header_row]]
    return [
        dict(zip(heads, row, strict=True))
        for row in ws.iter_rows(min_row=header_row + 1, values_only=True)
        if any(value is not None for value in row)
    ]


def _summary_rows(ws) -> dict[tuple[str, str], tuple]:
    """Every table row of the 概要 sheet by its two label cells."""
    return {
        (row[0], row[1] or ""): row
        for row in ws.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, max_col=18, values_only=True)
        if isinstance(row[2], int | float) and row[0]
    }


def _shown(rate) -> float | None:
    return rate_value(rate)


def test_the_workbook_has_its_sheets_in_order_and_a_row_per_indicator(workbook, plan):
    assert workbook.sheetnames == SHEETS
    rows = _table(workbook["施策一覧"])
    assert len(rows) == sum(m.indicators.count() or 1 for m in plan.measures.all())
    first = rows[0]
    assert first["施策No"] == "I-①-ア-01"
    assert list(first) == [
        "施策No", "施策名", "所管局・所属", "成果指標", "単位", "R1目標", "R2目標", "R3目標", "R4目標",
        "R3実績", "達成率", "評価", "施策の達成率", "施策の評価", "状態",
    ]  # fmt: skip
    shared = next(r for r in rows if r["施策No"] == "I-①-イ-01")
    assert shared["所管局・所属"].endswith("観光企画課、国際観光課")  # a measure with two owning sections
    assert shared["成果指標"].startswith("(1) ")  # a sub-programme's indicator
    numeric = next(r for r in rows if r["施策No"] == "II-④-ア-01")
    assert numeric["R3目標"] == 80 and isinstance(numeric["R3目標"], int)  # targets are numbers
    milestone = next(r for r in rows if r["施策No"] == "I-①-ア-01")
    assert milestone["R3目標"] == "実施"


@pytest.mark.parametrize("basis", [Basis.APPROVED, Basis.SUBMITTED, Basis.ENTERED])
def test_rates_equal_the_selectors_to_the_last_digit(reported, basis):
    plan = reported
    if basis == Basis.APPROVED:  # one report approved: the only graded measure on 承認済のみ
        Submission.objects.filter(measure=measure("II-④-ア-01")).update(status=SubmissionStatus.APPROVED)
        report_bases_sync(plan=plan)
    output = BytesIO()
    meeting_workbook_write(plan=plan, fiscal_year=YEAR, output=output, basis=basis)
    workbook = load_workbook(BytesIO(output.getvalue()))
    assert workbook["表紙"]["B7"].value == Basis(basis).label  # the cover names the basis
    summary = _summary_rows(workbook["概要"])
    plan_rollup = rollup(plan=plan, fiscal_year=YEAR, level="plan", basis=basis)[None]
    plan_row = summary[("計画全体", plan.name)]
    assert plan_row[3] == _shown(plan_rollup.mean_rate)
    assert plan_row[4] == plan_rollup.grade
    assert plan_row[2] == plan_rollup.measures == 76
    for pillar in plan.pillars.all():
        expected = rollup(plan=plan, fiscal_year=YEAR, level="pillar", basis=basis)[pillar.pk]
        row = summary[(pillar.code, pillar.name)]
        assert row[3] == _shown(expected.mean_rate)
        assert row[5:9] == tuple(expected.grade_counts[code] for code in "ABCD")
        assert row[9] == expected.unreported
        assert row[12] == expected.judgement
    rows = {(r["施策No"], r["成果指標"]): r for r in _table(workbook["施策一覧"])}
    blocks = _blocks(workbook["施策別"])
    results = indicator_results_for_year(plan=plan, fiscal_year=YEAR, basis=basis)
    measure_results = measure_results_for_year(plan=plan, fiscal_year=YEAR, basis=basis)
    graded = 0
    for m in plan.measures.all():
        table, page_results = measure_achievement_table(m)  # what the measure page shows (入力済すべて)
        stored = measure_results[m.pk]
        for indicator_row in table:
            indicator = indicator_row.indicator
            label = f"({indicator.subprogramme.number}) {indicator.name}" if indicator.subprogramme else indicator.name
            row = rows[(m.code, label)]
            result = results[indicator.pk]
            if basis == Basis.ENTERED:
                assert result == next(y.result for y in indicator_row.years if y.plan_year.fiscal_year == YEAR)
                assert stored == page_results[YEAR]
            assert row["評価"] == result.label
            assert row["達成率"] == _shown(result.raw_rate)
            graded += result.raw_rate is not None
            assert row["施策の達成率"] == _shown(stored.rate)
            assert row["施策の評価"] == stored.label
            block_row = next(r for r in blocks[m.code]["indicators"] if r[0] == label)
            assert block_row[4:6] == (_shown(result.raw_rate), result.label)
            assert block_row[3] == row["R3実績"] and block_row[2] == row["R3目標"]
    # I-①-ア-02 has an actual but no submitted report: counted only on 入力済すべて; on 承認済のみ,
    # only the approved II-④-ア-01.
    assert graded == {Basis.ENTERED: 4, Basis.SUBMITTED: 3, Basis.APPROVED: 1}[basis]
    a_row = rows[("II-④-ア-01", measure("II-④-ア-01").indicators.get().name)]
    assert (a_row["R3実績"], a_row["達成率"], a_row["評価"]) == (85, 1.063, "A")  # 106.25% shown half up


def _blocks(ws) -> dict[str, dict]:
    """The 施策別 sheet's blocks by measure code: label rows and indicator rows."""
    blocks: dict[str, dict] = {}
    current = None
    for row in ws.iter_rows(min_row=3, values_only=True):
        first = row[0]
        if isinstance(first, str) and "　" in first and row[1] is None and first.split("　")[0].count("-") >= 2:
            current = blocks[first.split("　")[0]] = {"title": first, "labels": {}, "indicators": []}
        elif current is None or first == "成果指標":
            continue
        elif first is None and row[1] is not None:
            current["indicators"].append(tuple(row[1:]))  # name, unit, target, actual, rate, grade
        elif first == "実施内容":
            current["indicators"][-1] = (*current["indicators"][-1], row[1])
        elif first is not None:
            current["labels"][first] = row[1]
    return blocks


def test_every_measure_has_a_block_with_its_card_figures_and_texts(workbook, reported):
    blocks = _blocks(workbook["施策別"])
    assert list(blocks) == list(reported.measures.order_by("order").values_list("code", flat=True))
    block = blocks["II-④-ア-01"]
    m = measure("II-④-ア-01")
    assert block["title"] == f"{m.code}　{m.name}"
    assert block["labels"]["施策概要"] == m.summary
    assert block["labels"]["取組実績"] == FORMULA_LIKE[0]
    assert block["labels"]["自己評価"] == "概ね順調"
    assert block["labels"]["課題"] == FORMULA_LIKE[3]


def test_year_over_year_compares_each_indicator_with_the_year_before(workbook, reported):
    before = indicator_results_for_year(plan=reported, fiscal_year=YEAR - 1, basis=Basis.SUBMITTED)
    now = indicator_results_for_year(plan=reported, fiscal_year=YEAR, basis=Basis.SUBMITTED)
    rows = _table(workbook["前年度比較"])
    assert len(rows) == sum(m.indicators.count() for m in reported.measures.all())
    by_code = {}
    for row in rows:
        by_code.setdefault(row["施策No"], []).append(row)
    m = measure("II-④-ア-01")
    indicator = m.indicators.get()
    row = by_code[m.code][0]
    assert row["R3達成率"] == _shown(now[indicator.pk].raw_rate)
    assert row["R2達成率"] == _shown(before[indicator.pk].raw_rate)
    assert row["R3評価"] == now[indicator.pk].label and row["R2評価"] == before[indicator.pk].label


@pytest.mark.parametrize("basis", [Basis.SUBMITTED, Basis.ENTERED])
def test_at_risk_lists_the_dashboards_measures_with_reasons_on_the_workbooks_basis(reported, basis):
    output = BytesIO()
    meeting_workbook_write(plan=reported, fiscal_year=YEAR, output=output, basis=basis)
    workbook = load_workbook(BytesIO(output.getvalue()))
    plan_year = PlanYear.objects.get(plan=reported, fiscal_year=YEAR)
    expected = list(measures_at_risk(reported, plan_year, basis=basis).values_list("code", flat=True))
    rows = _table(workbook["要注意施策"])
    assert [r["施策No"] for r in rows] == expected
    by_code = {r["施策No"]: r for r in rows}
    assert by_code["I-①-イ-02"]["理由"].startswith("評価がD")
    assert all(r["理由"] for r in rows)
    # I-①-ア-02 is graded from a draft (no report): 未報告 on 提出済以上, as the dashboard says.
    if basis == Basis.SUBMITTED:
        assert "実績が未報告" in by_code["I-①-ア-02"]["理由"]
    else:
        assert "実績が未報告" not in by_code.get("I-①-ア-02", {"理由": ""})["理由"]


def test_submission_status_per_bureau_and_section_matches_the_selector(workbook, reported):
    rows = _table(workbook["提出状況"])
    board = submission_board(plan=reported, fiscal_year=YEAR)
    assert len(rows) == len(board)
    for row, expected in zip(rows, board, strict=True):
        assert row["局"] == expected.bureau
        for status in SubmissionStatus:
            assert row[str(status.label)] == expected.counts[status.value]
        assert (row["未提出の施策"] or "") == "、".join(expected.unsubmitted)
    bureau_rows = [r for r in rows if r["所属"] == "（局計）"]
    by_bureau = submission_status_counts(plan=reported, fiscal_year=YEAR, level="bureau")
    for row, bureau in zip(bureau_rows, bureaus_in_plan_order(reported), strict=True):
        assert row["局"] == bureau.name
        assert row["施策数"] == sum(by_bureau[bureau.pk].values())
    # Bureaus follow the plan's order: the first card's bureau comes first.
    assert bureau_rows[0]["局"] == "政策局"


def test_submission_counts_by_group_match_the_selector(workbook, reported):
    summary = _summary_rows(workbook["概要"])
    counts = submission_status_counts(plan=reported, fiscal_year=YEAR, level="plan")[None]
    plan_row = summary[("計画全体", reported.name)]
    heads = [c.value for c in workbook["概要"][SUMMARY_HEADER_ROW]]
    by_status = {str(s.label): plan_row[heads.index(str(s.label))] for s in SubmissionStatus}
    assert by_status == {str(SubmissionStatus(k).label): v for k, v in counts.items()}
    assert by_status["提出済"] == 3 and by_status["未入力"] == 73
    assert ("総務局", "ICT・データ戦略課") in summary, "the section table lists each owning section with its bureau"
    bureaus = [key[0] for key in summary if key[1] == "" and key[0] != "計画全体"]
    assert bureaus[: len(bureaus)] == [b.name for b in bureaus_in_plan_order(reported)][: len(bureaus)]


def test_formats_panes_filter_and_grade_fills(workbook):
    ws = workbook["施策一覧"]
    assert ws.freeze_panes == "C4"
    assert ws.auto_filter.ref == f"A3:O{ws.max_row}"
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1))
    by_code = {row[0].value: row for row in rows}
    a_row = by_code["II-④-ア-01"]
    assert a_row[9].number_format == "#,##0"
    assert a_row[10].number_format == "0.0%"
    assert a_row[1].alignment.wrap_text is True
    fills = {row[11].value: row[11].fill.fgColor.rgb for row in rows if row[11].value in ("A", "B", "C", "D")}
    assert fills["A"].endswith("C6EFCE")
    assert fills["D"].endswith("FFC7CE")
    header = ws[HEADER_ROW][0]
    assert header.font.b and header.alignment.wrap_text
    assert min(cell.font.sz for row in ws.iter_rows() for cell in row if cell.value is not None) >= 9


def test_print_settings_a4_repeated_headers_and_page_numbers(workbook, plan):
    landscape = {"概要", "前年度比較", "施策一覧"}
    for ws in workbook:
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == ("landscape" if ws.title in landscape else "portrait")
        assert ws.page_setup.scale in (None, 100)  # the columns fit: nothing is shrunk below 9 pt
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        assert plan.name in ws.oddHeader.center.text
        assert "令和3年度" in ws.oddHeader.center.text
        assert "作成日" in ws.oddHeader.right.text
        assert ws.oddFooter.center.text == "&P / &N"
        assert ws.page_margins.top - ws.page_margins.header >= 0.4  # the header sits inside the margin
    assert workbook["施策一覧"].print_title_rows == "$3:$3"
    assert workbook["概要"].print_title_rows == f"${SUMMARY_HEADER_ROW}:${SUMMARY_HEADER_ROW}"


def test_the_summary_carries_two_native_charts_drawn_from_its_cells(workbook_bytes, workbook):
    with zipfile.ZipFile(BytesIO(workbook_bytes)) as archive:
        charts = sorted(name for name in archive.namelist() if name.startswith("xl/charts/chart"))
        assert len(charts) == 2
        bar, line = (archive.read(name).decode() for name in charts)
    assert "<c:barChart>" in bar and '<c:barDir val="bar"/>' in bar
    summary = workbook["概要"]
    header = next(row[0].row for row in summary.iter_rows() if row[0].value == "中柱別") + 1
    last = header + SubPillar.objects.filter(pillar__plan__code="kanagawa-ict-2019").count() - 1
    assert f"<c:f>概要!$D${header}:$D${last}</c:f>" in bar  # the 平均達成率 cells of the 中柱 table
    assert f"<c:f>概要!$B${header}:$B${last}</c:f>" in bar  # labelled by the sub-pillars' names
    assert summary.cell(row=last, column=1).value == "II-④"
    assert "<c:lineChart>" in line


def test_text_typed_by_users_stays_text(workbook):
    ws = workbook["施策別"]
    texts = []
    for row in ws.iter_rows():
        if row[0].value in ("取組実績", "課題", "今後の方向性") and row[1].value is not None:
            assert row[1].data_type == "s", (row[1].coordinate, row[1].value)
            texts.append(row[1].value)
            assert row[1].quotePrefix == row[1].value.startswith(("=", "+", "-", "@"))
    for text in FORMULA_LIKE[:3]:
        assert text in texts
    assert "@SUM(A1)" in texts
    assert '=HYPERLINK("http://example.com")' in texts  # the control character was dropped, the text kept


def test_a_text_longer_than_a_cell_is_cut_with_a_marker(reported):
    long_text = "取組の説明。" * 7_000  # 42,000 characters
    Submission.objects.filter(measure=measure("II-④-ア-01")).update(issues_text=long_text)
    workbook = load_workbook(BytesIO(_workbook_bytes(reported)))
    issues = _blocks(workbook["施策別"])["II-④-ア-01"]["labels"]["課題"]
    assert len(issues) == 32_767
    assert issues.startswith("取組の説明。") and issues.endswith("以下省略。全42,000字）")


def test_another_reader_sees_the_same_values(workbook_bytes, workbook):
    calamine = CalamineWorkbook.from_filelike(BytesIO(workbook_bytes))
    assert calamine.sheet_names == workbook.sheetnames
    for name in workbook.sheetnames:
        theirs = calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ours = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        assert len(theirs) == len(ours), name
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
    assert queries("synthetic-small") == queries("synthetic-large")


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
        assert downloaded.sheetnames == SHEETS


def test_the_plan_page_links_to_the_download_for_those_who_may_export(client_for, plan):
    url = reverse("workbook_download")
    assert url in client_for("viewer").get(reverse("plan_tree"), {"year": YEAR}).content.decode()
    assert url not in client_for("staff").get(reverse("plan_tree"), {"year": YEAR}).content.decode()


def test_the_command_writes_the_workbook(reported, tmp_path):
    target = tmp_path / "meeting.xlsx"
    call_command("export_workbook", "--fiscal-year", str(YEAR), "-o", str(target), stdout=StringIO())
    assert load_workbook(target).sheetnames == SHEETS


REFUSALS = [
    ({"year": "2030"}, 400, "年度「2030」は計画期間（令和元年度〜令和4年度）の年度ではありません。"),
    ({"year": "abc"}, 400, "年度「abc」は計画期間（令和元年度〜令和4年度）の年度ではありません。"),
    ({"year": "2022"}, 400, "令和4年度 (2022)はまだ実績も報告もありません。会議資料は作れません。"),
    ({"year": "2021", "plan": "no-such-plan"}, 404, "計画「no-such-plan」はありません。"),
]


@pytest.mark.parametrize(("query", "status", "message"), REFUSALS)
def test_the_download_and_the_command_refuse_the_same_input_with_the_same_words(
    client_for, reported, tmp_path, query, status, message
):
    response = client_for("hq").get(reverse("workbook_download"), query)
    assert response.status_code == status
    assert message in response.content.decode()
    target = tmp_path / "meeting.xlsx"
    arguments = ["--fiscal-year", query["year"], "-o", str(target)]
    if "plan" in query:
        arguments += ["--plan", query["plan"]]
    with pytest.raises(CommandError) as refusal:
        call_command("export_workbook", *arguments, stdout=StringIO())
    assert str(refusal.value) == message
    assert not target.exists()


def test_a_revised_target_shows_the_original_beside_the_target_in_force(reported):
    indicator = measure("II-④-ア-01").indicators.get()
    Target.objects.filter(indicator=indicator, plan_year__fiscal_year=YEAR).update(
        is_revised=True, original_value=Decimal("80"), original_text="80%", value=Decimal("90"), text="90%"
    )
    workbook = load_workbook(BytesIO(_workbook_bytes(reported)))
    row = next(r for r in _table(workbook["施策一覧"]) if r["施策No"] == "II-④-ア-01")
    assert row["R3目標"] == 90  # the target in force, a number
    assert row["成果指標"] == f"{indicator.name}〔目標見直し：R3 当初 80%〕"
    labels = _blocks(workbook["施策別"])["II-④-ア-01"]["labels"]
    assert labels["目標の見直し"].startswith("当初の目標 80% → 見直し後の目標 90%")


def _final_achieve(plan: Plan, code: str, value: str) -> None:
    m = measure(code)
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=m.target_fiscal_year)
    actual_record(indicator=m.indicators.get(), plan_year=plan_year, value=Decimal(value), user=None)
    measure_results_basis_set(plan=plan, reached={(m.pk, plan_year.pk): Basis.SUBMITTED})


def test_the_final_sheet_comes_in_the_plans_last_year_only_with_the_review_pages_figures(plan, personas):
    last = plan.last_fiscal_year
    _final_achieve(plan, "II-④-ア-01", "85")  # 85 / 80 in its 達成年度 → 達成
    _final_achieve(plan, "I-③-エ-02", "1")  # far below its target → 未達成 or 一部達成
    hq = personas["hq"]
    review = final_review_save(
        user=hq, measure=measure("II-④-ア-01"), text="目標を上回った。", expected_version=0, submit=True
    )
    final_review_decide(review=review, reviewer=hq, approve=True)
    workbook = load_workbook(BytesIO(_workbook_bytes(plan, last)))
    assert workbook.sheetnames == [*SHEETS[:2], "総括", *SHEETS[2:]]
    assert "総括" in [row[0] for row in workbook["表紙"].iter_rows(values_only=True)]
    ws = workbook["総括"]
    labels = [str(label) for label in plan_review.VERDICT_LABELS.values()]
    counts_row = [c.value for c in ws[4]][: len(labels)]
    assert [c.value for c in ws[3]][: len(labels)] == labels
    review_counts = plan_review.summary(plan, Basis.SUBMITTED).plan.counts
    assert counts_row == [review_counts[key] for key in plan_review.VERDICT_LABELS]
    assert review_counts["achieved"] == 1 and sum(counts_row) == plan.measures.count()
    rows = _table(ws, header_row=6)
    assert len(rows) == sum(m.indicators.count() or 1 for m in plan.measures.all())
    achieved = next(r for r in rows if r["施策No"] == "II-④-ア-01")
    page_rows = {row.measure.code: row for row in plan_review.measure_finals(plan, Basis.SUBMITTED)}
    page_row = page_rows["II-④-ア-01"]
    assert (achieved["目標"], achieved["実績"]) == (80, 85)
    assert achieved["最終達成率"] == rate_value(page_row.rate)
    assert (achieved["最終評価"], achieved["区分"]) == (page_row.grade, "達成")
    assert achieved["総括評価"] == "目標を上回った。"
    # Not the plan's last year: no 総括 sheet, and the cover does not list it.
    earlier = load_workbook(BytesIO(_workbook_bytes(plan, last - 1)))
    assert "総括" not in earlier.sheetnames
    assert "総括" not in [row[0] for row in earlier["表紙"].iter_rows(values_only=True)]
