"""The meeting workbook: what headquarters prints for the promotion headquarters' meeting.

Sheets, in order: 表紙 (cover and contents), 概要 (roll-ups by pillar, sub-pillar, bureau and
section, legends and two charts), 総括 (the plan-period review, in the plan's last year only),
前年度比較, 要注意施策, 提出状況, 施策一覧 (one row per indicator) and 施策別 (one block per
measure). Every figure is read from the selectors the web
pages use (`pdca.workbook.selectors`, `pdca.dashboard`, `pdca.selectors`), so the workbook and
the pages agree to the last digit.

Written with XlsxWriter in constant_memory mode, sheet by sheet and row by row
(`pdca.workbook.layout`), so that memory stays flat whatever the plan's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from xlsxwriter.workbook import Workbook

from core.fiscal_year import full_label, reiwa_label, reiwa_short
from core.numbers import format_decimal, format_rate
from indicators.basis import DEFAULT_BASIS, Basis
from indicators.models import Actual, MeasureResult
from indicators.selectors import rollups_by_year
from measures.models import Pillar, Plan
from measures.selectors import plan_current
from pdca import plan_review
from pdca.dashboard import Overview, low_bands, year_over_year
from pdca.models import Submission, SubmissionStatus
from pdca.selectors import submission_board
from pdca.workbook.cells import excel_number, rate_value
from pdca.workbook.layout import (
    Column,
    Formats,
    Sheet,
    row_height,
    workbook_options,
)
from pdca.workbook.selectors import (
    IndicatorFigures,
    MeasureBlock,
    Summary,
    SummaryRow,
    TargetCell,
    YearFigures,
    at_risk_rows,
    indicator_year_figures,
    measure_blocks,
    meeting_summary,
)


class WorkbookRefused(Exception):
    """A request for a meeting workbook that cannot be met, with the reason in Japanese."""

    def __init__(self, message: str, *, not_found: bool = False):
        super().__init__(message)
        self.message = message
        self.not_found = not_found


def meeting_workbook_plan(*, plan_code: str | None, year: str | int | None) -> tuple[Plan, int]:
    """The plan and fiscal year of a meeting workbook, or `WorkbookRefused` saying why not:
    the same checks and words for the download and the command."""
    try:
        plan = plan_current(plan_code)
    except Http404:
        message = (
            _("計画「%(code)s」はありません。") % {"code": plan_code}
            if plan_code
            else _("計画がありません。python manage.py load_plan で読み込んでください。")
        )
        raise WorkbookRefused(message, not_found=True) from None
    text = str(year if year is not None else "").strip()
    if not text.isdigit() or int(text) not in plan.fiscal_years:
        raise WorkbookRefused(
            _("年度「%(year)s」は計画期間（%(period)s）の年度ではありません。")
            % {"year": text or _("（指定なし）"), "period": plan.period_label}
        )
    fiscal_year = int(text)
    has_data = (
        Actual.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year).exists()
        or Submission.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year).exists()
    )
    if not has_data:
        raise WorkbookRefused(
            _("%(year)sはまだ実績も報告もありません。会議資料は作れません。") % {"year": full_label(fiscal_year)}
        )
    return plan, fiscal_year


def meeting_workbook_filename(fiscal_year: int) -> str:
    return _("進捗状況_%(year)s.xlsx") % {"year": reiwa_label(fiscal_year)}


@dataclass
class _Context:
    plan: Plan
    fiscal_year: int
    basis: str
    demo: bool
    formats: Formats
    workbook: Workbook
    # The separator of a list in a cell (、 in Japanese), translated once for the workbook.
    comma: str = "、"

    def sheet(
        self, name: str, columns: list[Column], *, landscape: bool, title: str, empty_cells: bool = False
    ) -> Sheet:
        return Sheet(
            self.workbook,
            self.formats,
            name,
            columns,
            landscape=landscape,
            title=title,
            fiscal_year=self.fiscal_year,
            demo=self.demo,
            empty_cells=empty_cells,
        )

    def titled_sheet(
        self, name: str, columns: list[Column], *, landscape: bool, title: str, note: str, frozen_columns: int = 0
    ) -> tuple[Sheet, int]:
        """A table's sheet and the row of its header: the title, a note under it, then the
        columns' header, repeated on every page, with the panes frozen below it (and right of
        the first `frozen_columns` columns)."""
        sheet = self.sheet(name, columns, landscape=landscape, title=title)
        width = len(columns)
        sheet.write([(title, "title", width)], height=row_height(1, 14))
        sheet.write([(note, "note", width)])
        header = sheet.header([column.label for column in columns])
        sheet.ws.freeze_panes(header + 1, frozen_columns)
        return sheet, header


def meeting_workbook_write(*, plan: Plan, fiscal_year: int, output: str | BinaryIO, basis: str = DEFAULT_BASIS) -> None:
    """Write the meeting workbook of a fiscal year to a path or a binary file.

    A fixed number of queries whatever the plan's size; memory stays flat because rows are
    streamed (see `pdca.workbook.layout`)."""
    workbook = Workbook(output, workbook_options())
    workbook.set_properties(
        {
            "title": _("%(plan)s 進捗状況（%(year)s）") % {"plan": plan.name, "year": reiwa_label(fiscal_year)},
            "author": _("ICT・データ利活用推進計画 進行管理"),
        }
    )
    summary = meeting_summary(plan=plan, fiscal_year=fiscal_year, basis=basis)
    demo = Actual.objects.filter(plan_year__plan=plan, is_demo=True).exists()
    context = _Context(
        plan=plan,
        fiscal_year=fiscal_year,
        basis=basis,
        demo=demo,
        formats=Formats(workbook, [code for code, _label, _rate in summary.bands]),
        workbook=workbook,
        comma=_("、"),
    )
    blocks = list(measure_blocks(plan=plan, fiscal_year=fiscal_year, basis=basis))
    _cover_sheet(context)
    _summary_sheet(context, summary)
    if fiscal_year == plan.last_fiscal_year:
        _final_sheet(context)
    _comparison_sheet(context, blocks)
    _at_risk_sheet(context, blocks)
    _submission_sheet(context)
    _list_sheet(context, blocks)
    _measure_sheet(context, blocks)
    workbook.close()


def _rate_change(now: Decimal | None, before: Decimal | None) -> float | None:
    """The change in points between two rates as shown (each to 0.1%, half up)."""
    if now is None or before is None:
        return None
    step = Decimal("0.001")
    shown_now = now.quantize(step, rounding=ROUND_HALF_UP)
    shown_before = before.quantize(step, rounding=ROUND_HALF_UP)
    return float((shown_now - shown_before) * 100)


def _number_cell(value: Decimal | None, label: str = "") -> tuple:
    """An actual or a target: a number where there is one, else its label (a milestone)."""
    if value is None:
        return (label, "center")
    number = excel_number(value)
    return (number, "integer" if isinstance(number, int) else "decimal")


def _target_cell(target: TargetCell) -> tuple:
    if target.value is not None:
        return _number_cell(target.value)
    return (target.text, "center")


def _target_text(value: Decimal | None, text: str, unit: str) -> str:
    return format_decimal(value, unit=unit) if value is not None else (text or "—")


def _revised_note(figures: IndicatorFigures, years: list[int]) -> str:
    """〔目標見直し：R3 当初 80%〕 after an indicator's name in 施策一覧, for each revised year."""
    revised = [
        _("%(year)s 当初 %(original)s")
        % {
            "year": reiwa_short(year),
            "original": _target_text(target.original_value, target.original_text, figures.unit),
        }
        for year, target in zip(years, figures.targets, strict=True)
        if target.is_revised
    ]
    return _("〔目標見直し：%(years)s〕") % {"years": _("、").join(revised)} if revised else ""


def _owners(block: MeasureBlock, comma: str) -> str:
    return "\n".join([comma.join(block.bureaus), comma.join(block.sections)]) if block.bureaus else ""


# --- 表紙 ------------------------------------------------------------------------------------

SHEET_CONTENTS = [
    (
        gettext_lazy("概要"),
        gettext_lazy("計画全体・柱・中柱・局・所属ごとの平均達成率、評価の内訳、進捗判定、提出状況とグラフ"),
    ),
    (
        gettext_lazy("総括"),
        gettext_lazy("計画期間の総括：施策ごとの達成年度の目標と実績、最終評価、総括評価、達成・一部達成・未達成の数"),
    ),
    (gettext_lazy("前年度比較"), gettext_lazy("成果指標ごとの実績・達成率・評価の前年度との比較")),
    (gettext_lazy("要注意施策"), gettext_lazy("評価が低い、実績が未報告、または取組に遅れがある施策とその理由")),
    (gettext_lazy("提出状況"), gettext_lazy("局・所属ごとの提出状況と未提出の施策")),
    (gettext_lazy("施策一覧"), gettext_lazy("成果指標ごとの目標・実績・達成率・評価（1行に1指標）")),
    (gettext_lazy("施策別"), gettext_lazy("施策ごとの概要、成果指標、取組実績・評価・課題・今後の方向性")),
]


def _cover_sheet(context: _Context) -> None:
    plan, fiscal_year = context.plan, context.fiscal_year
    columns = [Column(_("項目"), 22), Column(_("内容"), 72)]
    sheet = context.sheet(_("表紙"), columns, landscape=False, title=plan.name, empty_cells=True)
    sheet.blank(row_height(3))
    sheet.write([(plan.name, "title", 2)], height=row_height(2, 14))
    sheet.write([(_("進捗状況 会議資料"), "heading", 2)], height=row_height(1, 11))
    sheet.blank()
    now = timezone.localtime()
    facts = [
        (_("年度"), _("%(reiwa)s（%(year)d年度）") % {"reiwa": reiwa_label(fiscal_year), "year": fiscal_year}),
        (_("計画期間"), plan.period_label),
        (_("数値の基準"), str(Basis(context.basis).label)),
        (_("作成日時"), now.strftime("%Y-%m-%d %H:%M")),
    ]
    for label, value in facts:
        sheet.write([(label, "label"), (value, "text")])
    if context.demo:
        sheet.blank()
        sheet.write(
            [(_("デモデータ：この資料の実績・報告には動作確認用のデモデータが含まれています。"), "demo", 2)],
            height=row_height(2, 12),
        )
    sheet.blank()
    sheet.write([(_("目次"), "heading", 2)], height=row_height(1, 11))
    sheet.write([(_("シート"), "header"), (_("内容"), "header")])
    final_sheet = fiscal_year == plan.last_fiscal_year
    for name, description in SHEET_CONTENTS:
        if str(name) == _("総括") and not final_sheet:
            continue
        sheet.write([(str(name), "bold"), (str(description), "text")])
    sheet.blank()
    notes = [
        _("達成率は成果指標ごとに、目標に対する実績の割合です。施策の達成率は成果指標の達成率（100％を上限）の平均、"
          "柱・中柱・局・所属の達成率はその施策の達成率の平均です。"),
        _("達成率は小数第1位まで（四捨五入）表示しています。"),
    ]  # fmt: skip
    for note in notes:
        sheet.write([(note, "note", 2)])
    sheet.finish()


# --- 概要 ------------------------------------------------------------------------------------

STATUS_ORDER = list(SubmissionStatus)


def _summary_columns(summary: Summary) -> list[Column]:
    columns = [
        Column(_("区分・コード"), 12),
        Column(_("名称"), 20),
        Column(_("施策数"), 6),
        Column(_("平均達成率"), 8),
        Column(_("評価"), 5),
    ]
    columns += [Column(code, 5) for code, _label, _rate in summary.bands]
    columns += [Column(_("未報告"), 6), Column(_("対象外"), 6)]
    columns += [Column(_("%(top)s評価の割合") % {"top": _top_band(summary)}, 8), Column(_("進捗判定"), 8)]
    columns += [Column(str(status.label), 5.5) for status in STATUS_ORDER]
    return columns


def _top_band(summary: Summary) -> str:
    return summary.bands[0][0] if summary.bands else ""


def _band_legend(bands: list[tuple[str, str, Decimal]]) -> str:
    """A 達成（100.0%以上）、…、D 未達成（50.0%未満）: the plan's own bands."""
    parts = []
    for index, (code, label, rate) in enumerate(bands):
        if rate > 0 or index == 0:
            parts.append(
                _("%(code)s %(label)s（%(rate)s以上）") % {"code": code, "label": label, "rate": format_rate(rate)}
            )
        else:
            below = format_rate(bands[index - 1][2])
            parts.append(_("%(code)s %(label)s（%(rate)s未満）") % {"code": code, "label": label, "rate": below})
    return _("、").join(parts)


def _judgement_legend(summary: Summary) -> str:
    parts = []
    for index, (label, share) in enumerate(summary.judgements):
        if index == len(summary.judgements) - 1:
            parts.append(_("%(label)s（それ未満）") % {"label": label})
        elif share >= 1:
            parts.append(_("%(label)s（すべて）") % {"label": label})
        else:
            parts.append(_("%(label)s（%(share)s以上）") % {"label": label, "share": format_rate(share)})
    return _("進捗判定：評価できた施策のうち%(top)s評価の施策の割合で判定します。%(parts)s") % {
        "top": _top_band(summary),
        "parts": _("、").join(parts),
    }


def top_share(summary: Summary, rollup) -> Decimal | None:
    """The share the 進捗判定 rests on: measures in the best band among those graded."""
    if not rollup.graded:
        return None
    return Decimal(rollup.grade_counts.get(_top_band(summary), 0)) / Decimal(rollup.graded)


def _summary_cells(context: _Context, summary: Summary, item: SummaryRow, *, total=False) -> list:
    rollup = item.rollup
    label_style = "bold" if total else "text"
    first, second = item.labels
    return [
        (first or _("計画全体"), label_style),
        (second, label_style),
        (rollup.measures, "integer"),
        (rate_value(rollup.mean_rate), "rate"),
        (rollup.grade or "", context.formats.grade(rollup.grade)),
        *((rollup.grade_counts.get(code, 0), "integer") for code, _label, _rate in summary.bands),
        (rollup.unreported, "integer"),
        (rollup.no_target, "integer"),
        (rate_value(top_share(summary, rollup)), "rate"),
        (rollup.judgement or "", "center"),
        *((item.statuses.get(status.value, 0), "integer") for status in STATUS_ORDER),
    ]


def _summary_sheet(context: _Context, summary: Summary) -> None:
    plan, fiscal_year = context.plan, context.fiscal_year
    columns = _summary_columns(summary)
    width = len(columns)
    title = _("%(plan)s 進捗状況（概要）") % {"plan": plan.name}
    sheet = context.sheet(_("概要"), columns, landscape=True, title=title)
    sheet.write([(title, "title", width)], height=row_height(1, 14))
    basis = Basis(context.basis).label
    sheet.write(
        [(_("%(year)s　数値の基準：%(basis)s") % {"year": full_label(fiscal_year), "basis": basis}, "note", width)]
    )
    headline = summary.plan.rollup
    sheet.write(
        [
            (
                _("計画全体：平均達成率 %(rate)s（評価 %(grade)s）、進捗判定 %(judgement)s、施策 %(measures)s件")
                % {
                    "rate": format_rate(headline.mean_rate) if headline.mean_rate is not None else "—",
                    "grade": headline.grade or "—",
                    "judgement": headline.judgement or "—",
                    "measures": f"{headline.measures:,}",
                },
                "heading",
                width,
            )
        ],
        height=row_height(1, 11),
    )
    sheet.write([(_("評価の区分：%(bands)s") % {"bands": _band_legend(summary.bands)}, "note", width)])
    sheet.write([(_judgement_legend(summary), "note", width)])
    sheet.write([(_("平均達成率は各施策の達成率（100％を上限）の平均です。件数は施策の数です。"), "note", width)])
    sheet.blank()
    sheet.header([column.label for column in columns])

    def table(heading: str, items: list[SummaryRow], totals: Iterable[SummaryRow] = ()) -> tuple[int, int]:
        sheet.write([(heading, "heading", width)], height=row_height(1, 11))
        first = sheet.row
        for item in totals:
            sheet.write(_summary_cells(context, summary, item, total=True))
        for item in items:
            sheet.write(_summary_cells(context, summary, item))
        return first, sheet.row - 1

    table(_("計画全体・柱別"), summary.pillars, totals=[summary.plan])
    first, last = table(_("中柱別"), summary.subpillars)
    if summary.subpillars:
        _subpillar_chart(context, sheet, first, last)
    _trend(context, sheet)
    table(_("局別"), summary.bureaus)
    table(_("所属別（局・所属）"), summary.sections)
    sheet.finish()


CHART_ROW_HEIGHT = 15.0


def _reserve(sheet: Sheet, height_points: float) -> None:
    for _row in range(int(height_points // CHART_ROW_HEIGHT) + 1):
        sheet.blank(CHART_ROW_HEIGHT)


def _chart_fonts(chart) -> None:
    chart.set_legend({"font": {"size": 9}})


def _subpillar_chart(context: _Context, sheet: Sheet, first: int, last: int) -> None:
    """A native bar chart over the 中柱 table's 平均達成率 cells, labelled by the sub-pillars'
    names, so it follows the cells."""
    count = last - first + 1
    height = max(140.0, 24.0 * count + 60)
    sheet.keep_together(height + CHART_ROW_HEIGHT * 2)
    sheet.write([(_("中柱別の平均達成率"), "heading", 6)], height=row_height(1, 11))
    chart = context.workbook.add_chart({"type": "bar"})
    name = _("概要")
    chart.add_series(
        {
            "name": _("平均達成率"),
            "categories": [name, first, 1, last, 1],
            "values": [name, first, 3, last, 3],
            "data_labels": {"value": True, "num_format": "0.0%", "font": {"size": 9}},
            "fill": {"color": "4472C4"},
        }
    )
    chart.set_title({"name": _("中柱別の平均達成率"), "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "min": 0, "num_font": {"size": 9}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 900, "height": height / 0.75})
    sheet.ws.insert_chart(sheet.row, 0, chart, {"object_position": 3})
    _reserve(sheet, height)


def _trend(context: _Context, sheet: Sheet) -> None:
    """The plan's and each pillar's mean rate in every plan year (the dashboard's lines), as
    a small table and a line chart drawn from it."""
    plan = context.plan
    view = Overview(
        plan=plan,
        pillars=list(Pillar.objects.filter(plan=plan).order_by("order")),
        stored=rollups_by_year(plan=plan, levels=["plan", "pillar"], basis=context.basis),
    )
    years, series = year_over_year(view)
    rows = len(series) + 2
    height = 220.0
    sheet.keep_together(row_height(1, 11) + rows * row_height(1) + height + CHART_ROW_HEIGHT)
    sheet.write([(_("年度別の平均達成率"), "heading", 6)], height=row_height(1, 11))
    head = sheet.write(
        [("", "header"), (_("計画全体・柱"), "header"), *((reiwa_short(year), "header") for year in years)]
    )
    for line in series:
        sheet.write([("", "text"), (line.label, "text"), *((rate_value(rate), "rate") for rate in line.rates)])
    last = sheet.row - 1
    chart = context.workbook.add_chart({"type": "line"})
    name = _("概要")
    for row in range(head + 1, last + 1):
        chart.add_series(
            {
                "name": [name, row, 1],
                "categories": [name, head, 2, head, 1 + len(years)],
                "values": [name, row, 2, row, 1 + len(years)],
                "marker": {"type": "circle"},
            }
        )
    chart.set_title({"name": _("平均達成率の推移（R1〜R4）"), "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "0%", "min": 0, "num_font": {"size": 9}})
    chart.set_x_axis({"num_font": {"size": 9}})
    _chart_fonts(chart)
    chart.set_size({"width": 900, "height": height / 0.75})
    sheet.blank()
    sheet.ws.insert_chart(sheet.row, 0, chart, {"object_position": 3})
    _reserve(sheet, height)


# --- 前年度比較 ---------------------------------------------------------------------------------


def _comparison_sheet(context: _Context, blocks: list[MeasureBlock]) -> None:
    plan, fiscal_year = context.plan, context.fiscal_year
    before = fiscal_year - 1
    now_short, before_short = reiwa_short(fiscal_year), reiwa_short(before)
    columns = [
        Column(_("施策No"), 11),
        Column(_("施策名"), 22),
        Column(_("成果指標"), 26),
        Column(_("単位"), 6),
        Column(_("%(year)s実績") % {"year": before_short}, 9),
        Column(_("%(year)s達成率") % {"year": before_short}, 8),
        Column(_("%(year)s評価") % {"year": before_short}, 6),
        Column(_("%(year)s実績") % {"year": now_short}, 9),
        Column(_("%(year)s達成率") % {"year": now_short}, 8),
        Column(_("%(year)s評価") % {"year": now_short}, 6),
        Column(_("達成率の増減"), 9),
        Column(_("評価の変化"), 10),
    ]
    if before not in plan.fiscal_years:
        note = _("%(year)sは計画の初年度のため、前年度の数値はありません。") % {"year": full_label(fiscal_year)}
        previous: dict[int, YearFigures] = {}
    else:
        note = _("%(before)sと%(now)sの比較。増減は表示している達成率（小数第1位）の差です（ポイント）。") % {
            "before": full_label(before),
            "now": full_label(fiscal_year),
        }
        previous = indicator_year_figures(plan=plan, fiscal_year=before, basis=context.basis)
    title = _("%(plan)s 前年度比較") % {"plan": plan.name}
    sheet, _header = context.titled_sheet(_("前年度比較"), columns, landscape=True, title=title, note=note)
    empty = YearFigures(None, "", None, "")
    bands = set(context.formats.grades)
    for block in blocks:
        for figures in block.indicators:
            last = previous.get(figures.pk, empty)
            change = _rate_change(figures.rate, last.rate)
            moved = (
                f"{last.grade} → {figures.grade}"
                if last.grade in bands and figures.grade in bands and last.grade != figures.grade
                else ""
            )
            sheet.write(
                [
                    (block.code, "text"),
                    (block.name, "text"),
                    (figures.name, "text"),
                    (figures.unit, "center"),
                    _number_cell(last.actual_value, last.actual_label),
                    (rate_value(last.rate), "rate"),
                    (last.grade, context.formats.grade(last.grade)),
                    _number_cell(figures.actual_value, figures.actual_label),
                    (rate_value(figures.rate), "rate"),
                    (figures.grade, context.formats.grade(figures.grade)),
                    (change, "change"),
                    (moved, "center"),
                ]
            )
    sheet.finish()


# --- 要注意施策 ---------------------------------------------------------------------------------


def _at_risk_sheet(context: _Context, blocks: list[MeasureBlock]) -> None:
    """The dashboard's list of measures at risk (`pdca.dashboard.measures_at_risk`), with why."""
    plan, fiscal_year = context.plan, context.fiscal_year
    columns = [
        Column(_("施策No"), 11),
        Column(_("施策名"), 22),
        Column(_("所管局・所属"), 17),
        Column(_("施策の達成率"), 8),
        Column(_("評価"), 6),
        Column(_("状態"), 7),
        Column(_("理由"), 20),
    ]
    low = low_bands(plan)
    sheet, _header = context.titled_sheet(
        _("要注意施策"),
        columns,
        landscape=False,
        title=_("%(plan)s 要注意施策") % {"plan": plan.name},
        note=_(
            "評価が%(grades)sの施策、実績が未報告の施策、取組スケジュールに遅れがある施策です"
            "（数値の基準：%(basis)s。ダッシュボードで同じ基準を選ぶと同じ一覧です）。"
        )
        % {"grades": _("・").join(low), "basis": Basis(context.basis).label},
    )
    by_pk = {block.pk: block for block in blocks}
    plan_year = plan.years.get(fiscal_year=fiscal_year)
    status_labels = {value: str(label) for value, label in SubmissionStatus.choices}
    outcome_labels = {value: str(label) for value, label in MeasureResult.Outcome.choices}
    for pk, rate, grade, outcome, delayed, status in at_risk_rows(plan=plan, plan_year=plan_year, basis=context.basis):
        block = by_pk[pk]
        reasons = []
        if grade in low:
            reasons.append(_("評価が%(grade)s") % {"grade": grade})
        if outcome == MeasureResult.Outcome.UNREPORTED:
            reasons.append(_("実績が未報告"))
        if delayed:
            reasons.append(_("取組スケジュールに遅れ"))
        sheet.write(
            [
                (block.code, "text"),
                (block.name, "text"),
                (_owners(block, context.comma), "text"),
                (rate_value(rate), "rate"),
                (grade or outcome_labels.get(outcome, ""), context.formats.grade(grade)),
                (status_labels.get(status, status), "center"),
                (context.comma.join(reasons), "text"),
            ]
        )
    sheet.finish()


# --- 総括 ----------------------------------------------------------------------------------


def _final_sheet(context: _Context) -> None:
    """The plan-period review (総括評価) on the workbook's basis, from the review page's
    selectors (`pdca.plan_review`): the counts of each outcome, then one row per indicator with
    its target in the measure's 達成年度 and the actual, and per measure the final rate, grade,
    outcome and the final evaluation text that has reached the basis."""
    plan, basis = context.plan, context.basis
    columns = [
        Column(_("施策No"), 10.5),
        Column(_("施策名"), 17),
        Column(_("達成年度"), 7),
        Column(_("成果指標"), 19),
        Column(_("単位"), 5),
        Column(_("目標"), 8),
        Column(_("実績"), 8.5),
        Column(_("最終達成率"), 7.5),
        Column(_("最終評価"), 5),
        Column(_("区分"), 7),
        Column(_("総括評価"), 36),
    ]
    title = _("%(plan)s 総括（%(period)s）") % {"plan": plan.name, "period": plan.period_label}
    sheet = context.sheet(_("総括"), columns, landscape=True, title=title)
    width = len(columns)
    sheet.write([(title, "title", width)], height=row_height(1, 14))
    sheet.write(
        [
            (
                _(
                    "各施策を達成年度（計画期間外のときは最も近い計画年度）の結果で評価します（総括評価のページと同じ）。"
                    "最上位の評価が達成、最下位が未達成、その他が一部達成です。数値の基準：%(basis)s"
                )
                % {"basis": Basis(basis).label},
                "note",
                width,
            )
        ]
    )
    counts = plan_review.verdict_counts(plan_review.verdicts(plan, basis))
    sheet.write([(str(label), "header") for label in plan_review.VERDICT_LABELS.values()])
    sheet.write([(counts[key], "integer") for key in plan_review.VERDICT_LABELS])
    sheet.blank()
    header = sheet.header([column.label for column in columns])
    sheet.ws.freeze_panes(header + 1, 2)
    texts = plan_review.final_texts(plan, basis)
    grade = context.formats.grade
    for row in plan_review.measure_finals(plan, basis):
        measure = row.measure
        measure_cells = [
            (rate_value(row.rate), "rate"),
            (row.grade, grade(row.grade)),
            (row.verdict_label, "center"),
            (texts.get(measure.pk, ""), "text"),
        ]
        judged = plan_review.final_year(plan, measure.target_fiscal_year)
        year = reiwa_short(judged)
        if judged != measure.target_fiscal_year:
            year = _("%(year)s（達成年度%(target)s）") % {
                "year": year,
                "target": reiwa_short(measure.target_fiscal_year),
            }
        for index, figures in enumerate(row.indicators or [None]):
            if figures is None:
                indicator = [("", "text"), ("", "center"), ("", "center"), ("", "center")]
            else:
                indicator = [
                    (figures.name, "text"),
                    (figures.unit, "center"),
                    _number_cell(figures.target_value, figures.target),
                    _number_cell(figures.actual_value, figures.actual),
                ]
            own = measure_cells if index == 0 else [(None, "rate"), ("", "center"), ("", "center"), ("", "text")]
            sheet.write([(measure.code, "text"), (measure.name, "text"), (year, "center"), *indicator, *own])
    sheet.ws.autofilter(header, 0, sheet.row - 1, width - 1)
    sheet.finish()


# --- 提出状況 -----------------------------------------------------------------------------------


def _submission_sheet(context: _Context) -> None:
    plan, fiscal_year = context.plan, context.fiscal_year
    columns = [
        Column(_("局"), 12),
        Column(_("所属"), 19),
        Column(_("施策数"), 6),
        *(Column(str(status.label), 6) for status in STATUS_ORDER),
        Column(_("未提出の施策"), 22),
    ]
    sheet, _header = context.titled_sheet(
        _("提出状況"),
        columns,
        landscape=False,
        title=_("%(plan)s 提出状況") % {"plan": plan.name},
        note=_("未提出は未入力・入力中・差戻しの施策です。複数の所属が所管する施策は各所属に数えます。"),
    )
    for row in submission_board(plan=plan, fiscal_year=fiscal_year):
        style = "text" if row.section else "bold"
        sheet.write(
            [
                (row.bureau, style),
                (row.section or _("（局計）"), style),
                (row.measures, "integer"),
                *((row.counts[status.value], "integer") for status in STATUS_ORDER),
                (context.comma.join(row.unsubmitted), "text"),
            ]
        )
    sheet.finish()


# --- 施策一覧 --------------------------------------------------------------------------------


def _list_columns(plan: Plan, fiscal_year: int) -> list[Column]:
    columns = [
        Column(_("施策No"), 10.5),
        Column(_("施策名"), 17),
        Column(_("所管局・所属"), 11.5),
        Column(_("成果指標"), 17.5),
        Column(_("単位"), 5),
    ]
    columns += [Column(_("%(year)s目標") % {"year": reiwa_short(year)}, 7) for year in plan.fiscal_years]
    columns += [
        Column(_("%(year)s実績") % {"year": reiwa_short(fiscal_year)}, 8.5),
        Column(_("達成率"), 7.5),
        Column(_("評価"), 5),
        Column(_("施策の達成率"), 7.5),
        Column(_("施策の評価"), 5.5),
        Column(_("状態"), 6),
    ]
    return columns


def _list_sheet(context: _Context, blocks: list[MeasureBlock]) -> None:
    plan, fiscal_year = context.plan, context.fiscal_year
    columns = _list_columns(plan, fiscal_year)
    sheet, header = context.titled_sheet(
        _("施策一覧"),
        columns,
        landscape=True,
        title=_("%(plan)s 施策一覧") % {"plan": plan.name},
        note=_("1行に1つの成果指標です。取組実績・課題などの文章は「施策別」のシートにあります。"),
        frozen_columns=2,
    )
    grade = context.formats.grade
    for block in blocks:
        owners = _owners(block, context.comma)
        measure_cells = [
            (rate_value(block.rate), "rate"),
            (block.grade, grade(block.grade)),
            (block.status_label, "center"),
        ]
        for figures in block.indicators or [None]:
            if figures is None:
                indicator = [("", "text"), ("", "center"), *(("", "center") for _year in plan.fiscal_years)]
                indicator += [("", "center"), (None, "rate"), ("", "center")]
            else:
                indicator = [
                    (figures.name + _revised_note(figures, plan.fiscal_years), "text"),
                    (figures.unit, "center"),
                    *(_target_cell(target) for target in figures.targets),
                    _number_cell(figures.actual_value, figures.actual_label),
                    (rate_value(figures.rate), "rate"),
                    (figures.grade, grade(figures.grade)),
                ]
            sheet.write([(block.code, "text"), (block.name, "text"), (owners, "text"), *indicator, *measure_cells])
    sheet.ws.autofilter(header, 0, sheet.row - 1, len(columns) - 1)
    sheet.finish()


# --- 施策別 ----------------------------------------------------------------------------------


def _measure_columns(plan: Plan, fiscal_year: int) -> list[Column]:
    short = reiwa_short(fiscal_year)
    return [
        Column(_("項目"), 12),
        Column(_("内容"), 46),
        Column(_("単位"), 5),
        Column(_("%(year)s目標") % {"year": short}, 7.5),
        Column(_("%(year)s実績") % {"year": short}, 7.5),
        Column(_("達成率"), 6.5),
        Column(_("評価"), 4.5),
    ]


def _measure_labels(fiscal_year: int) -> dict[str, str]:
    """The 施策別 block's fixed words, translated once for the sheet rather than per block."""
    short = reiwa_short(fiscal_year)
    return {
        "space": _("　"),
        "owners": _("所管"),
        "field": _("分野"),
        "summary": _("施策概要"),
        "goal": _("施策目標"),
        "target_year": _("達成年度"),
        "state": _("%(year)sの状況") % {"year": short},
        "state_text": _("施策の達成率 %(rate)s　評価 %(grade)s　報告 %(status)s"),
        "indicator": _("成果指標"),
        "indicator_name": _("指標名"),
        "unit": _("単位"),
        "target": _("%(year)s目標") % {"year": short},
        "actual": _("%(year)s実績") % {"year": short},
        "rate": _("達成率"),
        "grade": _("評価"),
        "description": _("実施内容"),
        "revision": _("目標の見直し"),
        "revision_text": _("当初の目標 %(original)s → 見直し後の目標 %(now)s（達成率は見直し後の目標によります）"),
        "achievements": _("取組実績"),
        "self_assessment": _("自己評価"),
        "issues": _("課題"),
        "next_steps": _("今後の方向性"),
    }


def _measure_rows(context: _Context, block: MeasureBlock, width: int, words: dict[str, str]) -> list[list]:
    """The rows of one measure's block: card, the year's figures, report texts. Texts sit in
    the wide second column, unmerged: a merged cell costs a written cell per column it covers."""
    grade = context.formats.grade
    year_index = context.plan.fiscal_years.index(context.fiscal_year)
    state = words["state_text"] % {
        "rate": format_rate(block.rate) if block.rate is not None else "—",
        "grade": block.grade or "—",
        "status": block.status_label,
    }
    rows: list[list] = [
        [(f"{block.code}{words['space']}{block.name}", "header", width)],
        [(words["owners"], "label"), (_owners(block, context.comma).replace("\n", words["space"]), "text")],
        [(words["field"], "label"), (block.field, "text")],
        [(words["summary"], "label"), (block.summary, "text")],
        [(words["goal"], "label"), (block.goal, "text")],
        [(words["target_year"], "label"), (block.target_year, "text")],
        [(words["state"], "label"), (state, "text")],
    ]
    if block.indicators:
        rows.append(
            [
                (words[key], "header")
                for key in ("indicator", "indicator_name", "unit", "target", "actual", "rate", "grade")
            ]
        )
        for figures in block.indicators:
            rows.append(
                [
                    ("", "label"),
                    (figures.name, "text"),
                    (figures.unit, "center"),
                    _target_cell(figures.targets[year_index]),
                    _number_cell(figures.actual_value, figures.actual_label),
                    (rate_value(figures.rate), "rate"),
                    (figures.grade, grade(figures.grade)),
                ]
            )
            target = figures.targets[year_index]
            if target.is_revised:
                revision = words["revision_text"] % {
                    "original": _target_text(target.original_value, target.original_text, figures.unit),
                    "now": _target_text(target.value, target.text, figures.unit),
                }
                rows.append([(words["revision"], "label"), (revision, "text")])
            if figures.description:
                rows.append([(words["description"], "label"), (figures.description, "text")])
    rows += [
        [(words["achievements"], "label"), (block.achievements_text, "text")],
        [(words["self_assessment"], "label"), (block.self_assessment, "text")],
        [(words["issues"], "label"), (block.issues_text, "text")],
        [(words["next_steps"], "label"), (block.next_steps_text, "text")],
    ]
    return rows


def _measure_sheet(context: _Context, blocks: list[MeasureBlock]) -> None:
    plan = context.plan
    columns = _measure_columns(plan, context.fiscal_year)
    width = len(columns)
    title = _("%(plan)s 施策別") % {"plan": plan.name}
    sheet = context.sheet(_("施策別"), columns, landscape=False, title=title, empty_cells=True)
    sheet.write([(title, "title", width)], height=row_height(1, 14))
    sheet.write([(_("施策ごとに、計画の内容、成果指標の目標と実績、報告の文章を示します。"), "note", width)])
    gap = row_height(1)
    words = _measure_labels(context.fiscal_year)
    for block in blocks:
        rows = _measure_rows(context, block, width, words)
        heights = [sheet.height_of(row) for row in rows]
        sheet.keep_together(sum(heights) + gap)
        for row, height in zip(rows, heights, strict=True):
            sheet.write(row, height=height)
        sheet.blank(gap)
    sheet.finish()
