"""The department template: a clerk's own measures for one year, to fill in offline and upload.

Yellow cells take input and are unlocked, with Excel's own validation (lists for 達成状況,
進捗 and 評価, a decimal ≥ 0 for 実績値); everything else is locked by sheet protection and
the workbook's structure is locked. The protection has no password: it guards against
slips, not against a determined user. What guards the data is the upload, which checks
every cell again and asks `pdca.rights` for every measure (see `imports`).

Each data row carries the id of what it describes in a hidden column A, and a very hidden
sheet holds the plan, year, sections and format version, signed with the project's secret
key so that an edited copy is recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.core import signing
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.fiscal_year import full_label
from core.texts import TEXT_MAX_LENGTH
from indicators.models import IndicatorKind, MilestoneStatus
from measures.models import PlanYear
from pdca import rights
from pdca.models import ProgressStatus, SelfAssessment
from pdca.workbook.cells import (
    HEADER_COLOUR,
    INPUT_COLOUR,
    INPUT_HEADER_COLOUR,
    LOCKED_COLOUR,
    cell_text,
    excel_number,
    looks_like_formula,
)
from pdca.workbook.selectors import MeasureState, entry_states

FORMAT_VERSION = "1"
SIGNING_SALT = "pdca.workbook.template"
META_SHEET = "_meta"
SIGNATURE_CELL = "B8"  # below the readable facts of _meta_sheet
ALL_SECTIONS = "*"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOUR)
INPUT_HEADER_FILL = PatternFill("solid", fgColor=INPUT_HEADER_COLOUR)
LOCKED_FILL = PatternFill("solid", fgColor=LOCKED_COLOUR)


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    width: float
    hidden: bool = False
    is_input: bool = False


@dataclass(frozen=True)
class SheetLayout:
    key: str
    title: Promise
    columns: tuple[Column, ...]
    freeze: str

    def column_of(self, key: str) -> int:
        return next(index for index, column in enumerate(self.columns, start=1) if column.key == key)

    def letter_of(self, key: str) -> str:
        return get_column_letter(self.column_of(key))


_ID = Column("id", gettext_lazy("識別番号（変更しないでください）"), 6, hidden=True)
_CODE = Column("measure_code", gettext_lazy("施策No"), 13)
_NAME = Column("measure_name", gettext_lazy("施策名"), 28)
_STATE = Column("state", gettext_lazy("状態"), 16)

INDICATORS = SheetLayout(
    "indicators",
    gettext_lazy("成果指標"),
    (
        _ID,
        _CODE,
        _NAME,
        Column("indicator", gettext_lazy("成果指標"), 30),
        Column("kind", gettext_lazy("種類"), 14),
        Column("unit", gettext_lazy("単位"), 7),
        Column("target", gettext_lazy("目標"), 12),
        Column("value", gettext_lazy("実績値"), 12, is_input=True),
        Column("milestone_status", gettext_lazy("達成状況"), 11, is_input=True),
        Column("description", gettext_lazy("実施内容"), 40, is_input=True),
        _STATE,
    ),
    freeze="E4",
)
PROGRESS = SheetLayout(
    "progress",
    gettext_lazy("取組の進捗"),
    (
        _ID,
        _CODE,
        _NAME,
        Column("item", gettext_lazy("取組"), 34),
        Column("status", gettext_lazy("進捗"), 11, is_input=True),
        Column("note", gettext_lazy("補足"), 40, is_input=True),
        _STATE,
    ),
    freeze="E4",
)
TEXTS = SheetLayout(
    "texts",
    gettext_lazy("評価・課題"),
    (
        _ID,
        Column("version", gettext_lazy("版"), 5, hidden=True),
        _CODE,
        _NAME,
        _STATE,
        Column("achievements_text", gettext_lazy("取組実績"), 40, is_input=True),
        Column("self_assessment", gettext_lazy("評価（自己評価）"), 12, is_input=True),
        Column("issues_text", gettext_lazy("課題"), 40, is_input=True),
        Column("next_steps_text", gettext_lazy("今後の方向性"), 40, is_input=True),
    ),
    freeze="E4",
)
LAYOUTS = (INDICATORS, PROGRESS, TEXTS)


def choice_labels(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def department_template_write(*, user, plan_year: PlanYear, output: str | BinaryIO) -> None:
    """Write the template of the measures this user enters results for, in one year."""
    states = entry_states(user=user, plan_year=plan_year)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _("実績入力テンプレート（%(year)s）") % {"year": full_label(plan_year.fiscal_year)}
    workbook.properties.creator = _("ICT・データ利活用推進計画 進行管理")
    _instructions_sheet(workbook, plan_year)
    _indicator_sheet(workbook, plan_year, states)
    _progress_sheet(workbook, plan_year, states)
    _texts_sheet(workbook, plan_year, states)
    _meta_sheet(workbook, user, plan_year)
    workbook.active = 1
    workbook.security = WorkbookProtection(lockStructure=True)
    workbook.save(output)


def template_signature(*, user, plan_year: PlanYear) -> dict:
    """What the hidden sheet vouches for; `imports` compares it with the upload's context."""
    sections = ALL_SECTIONS if rights.is_hq(user) else sorted(rights.user_sections(user).values_list("pk", flat=True))
    return {
        "format": FORMAT_VERSION,
        "plan": plan_year.plan.code,
        "fiscal_year": plan_year.fiscal_year,
        "sections": sections,
        "user": user.pk,
    }


# --- sheets -----------------------------------------------------------------------------------


def _protect(ws: Worksheet) -> None:
    ws.protection.sheet = True
    # In OOXML, False means "not protected": widening a column or a row stays allowed.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def make_text(cell: Cell, text: str) -> Cell:
    """Put user-typed text in a cell so that it lands as text, never as a formula.

    openpyxl turns a string beginning with ``=`` into a formula (and ``#N/A`` into an error);
    the type is forced back to text, and Excel's quote prefix keeps it text when someone
    edits the cell later. A text longer than a cell holds is cut with a marker saying so;
    the upload takes the cut copy back as the saved text unchanged (`cells.same_text`)."""
    text = cell_text(text)
    cell.value = text
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def _frame(workbook: Workbook, layout: SheetLayout, plan_year: PlanYear, note: str) -> Worksheet:
    ws = workbook.create_sheet(str(layout.title))
    # Column A holds the hidden row ids, so the title starts in B.
    title = make_text(
        ws["B1"], _("%(title)s（%(year)s）") % {"title": layout.title, "year": full_label(plan_year.fiscal_year)}
    )
    title.font = Font(bold=True, size=13)
    make_text(ws["B2"], note).font = Font(size=10, color="444444")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, column in enumerate(layout.columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=str(column.label))
        cell.font = Font(bold=True)
        cell.fill = INPUT_HEADER_FILL if column.is_input else HEADER_FILL  # input columns stand out
        cell.alignment = header_alignment
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    ws.freeze_panes = layout.freeze
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)
    return ws


def _put(ws: Worksheet, row: int, column: int, value, *, editable: bool | None = None):
    """Write one cell: text stays text; an input cell is yellow and unlocked, a cell that takes
    no input on this row is grey."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        make_text(cell, value)
    else:
        cell.value = value
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    if editable is True:
        cell.protection = Protection(locked=False)
        cell.fill = INPUT_FILL
    elif editable is False:
        cell.fill = LOCKED_FILL
    return cell


def _state_label(state: MeasureState) -> str:
    label = state.submission.get_status_display()
    return label if state.decision else _("%(status)s（編集できません）") % {"status": label}


def _list_validation(labels: list[str], prompt: str) -> DataValidation:
    validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    validation.error = _("一覧から選んでください：%(choices)s") % {"choices": "・".join(labels)}
    validation.errorTitle = _("入力できない値です")
    validation.prompt = prompt
    validation.showErrorMessage = validation.showInputMessage = True
    return validation


def _instructions_sheet(workbook: Workbook, plan_year: PlanYear) -> None:
    ws = workbook.create_sheet(_("説明"))
    ws.column_dimensions["A"].width = 110
    lines = [
        _("実績入力テンプレート（%(year)s）") % {"year": full_label(plan_year.fiscal_year)},
        "",
        _("1. 「成果指標」「取組の進捗」「評価・課題」の各シートの黄色のセルに入力してください。"),
        _("2. 実績値は数値で入力します（全角数字・カンマ・％も使えます。例：10,000　８５％）。"),
        _("3. 達成状況・進捗・評価はセルの一覧から選びます。"),
        _("4. 灰色のセルや見出し、行・列の並びは変更できません。数式やセルの結合は使えません。"),
        _(
            "5. 保存したファイルを「Excelをアップロード」の画面からアップロードすると、変更内容を確認してから保存できます。"
        ),
        _("6. 承認済・提出済の施策や受付を終えた年度は、ここで入力しても保存できません。"),
        "",
        _("このファイルは%(year)s専用です。別の年度には使えません。") % {"year": full_label(plan_year.fiscal_year)},
    ]
    for row, line in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        make_text(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    _protect(ws)


def _indicator_sheet(workbook: Workbook, plan_year: PlanYear, states: list[MeasureState]) -> None:
    layout = INDICATORS
    ws = _frame(workbook, layout, plan_year, _("黄色のセルに入力してください。灰色のセルは入力できません。"))
    milestone_labels = dict((value, str(label)) for value, label in MilestoneStatus.choices)
    kind_labels = dict((value, str(label)) for value, label in IndicatorKind.choices)
    statuses = _list_validation(choice_labels(MilestoneStatus.choices), _("達成状況を一覧から選んでください。"))
    numbers = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    numbers.error = _("0以上の数値を入力してください。")
    numbers.errorTitle = _("入力できない値です")
    numbers.showErrorMessage = True
    texts = _text_validation()
    column = layout.column_of
    row = FIRST_DATA_ROW
    for state in states:
        for item in state.indicators:
            indicator, target, actual = item.indicator, item.target, item.actual
            editable = bool(state.decision)
            name = f"({indicator.subprogramme.number}) {indicator.name}" if indicator.subprogramme else indicator.name
            kind = kind_labels.get(indicator.kind, indicator.kind)
            if indicator.cumulative:
                kind = _("%(kind)s（累計）") % {"kind": kind}
            target_text = target.text if target is not None and target.is_set else _("なし（対象外）")
            _put(ws, row, column("id"), indicator.pk)
            _put(ws, row, column("measure_code"), state.measure.code)
            _put(ws, row, column("measure_name"), state.measure.name)
            _put(ws, row, column("indicator"), name)
            _put(ws, row, column("kind"), kind)
            _put(ws, row, column("unit"), indicator.unit)
            _put(ws, row, column("target"), target_text)
            value = excel_number(actual.value) if actual is not None else None
            status = milestone_labels.get(actual.milestone_status, "") if actual is not None else ""
            if indicator.is_milestone:
                _put(ws, row, column("value"), None, editable=False)
                _put(ws, row, column("milestone_status"), status, editable=editable)
                if editable:
                    statuses.add(ws.cell(row=row, column=column("milestone_status")))
            else:
                _put(ws, row, column("value"), value, editable=editable)
                _put(ws, row, column("milestone_status"), None, editable=False)
                if editable:
                    numbers.add(ws.cell(row=row, column=column("value")))
            description = actual.description if actual is not None else ""
            _put(ws, row, column("description"), description, editable=editable)
            if editable:
                texts.add(ws.cell(row=row, column=column("description")))
            _put(ws, row, column("state"), _state_label(state))
            row += 1
    _validations_add(ws, statuses, numbers, texts)


def _text_validation() -> DataValidation:
    """Excel refuses a text cell over the limit that the upload, the forms and the admin share."""
    validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(TEXT_MAX_LENGTH))
    validation.error = _("%(max)s文字以内で入力してください。") % {"max": f"{TEXT_MAX_LENGTH:,}"}
    validation.errorTitle = _("文字数が多すぎます")
    validation.showErrorMessage = True
    return validation


def _validations_add(ws, *validations: DataValidation) -> None:
    """Attach the validations that cover at least one cell: a sheet with no editable row gets none."""
    for validation in validations:
        if validation.sqref:
            ws.add_data_validation(validation)


def _progress_sheet(workbook: Workbook, plan_year: PlanYear, states: list[MeasureState]) -> None:
    layout = PROGRESS
    ws = _frame(workbook, layout, plan_year, _("この年度に予定された取組の進捗を、一覧から選んでください。"))
    labels = dict((value, str(label)) for value, label in ProgressStatus.choices)
    statuses = _list_validation(choice_labels(ProgressStatus.choices), _("進捗を一覧から選んでください。"))
    notes = _text_validation()
    column = layout.column_of
    row = FIRST_DATA_ROW
    for state in states:
        for item in state.progress:
            editable = bool(state.decision)
            name = f"({item.item.subprogramme.number}) {item.item.name}" if item.item.subprogramme else item.item.name
            _put(ws, row, column("id"), item.item.pk)
            _put(ws, row, column("measure_code"), state.measure.code)
            _put(ws, row, column("measure_name"), state.measure.name)
            _put(ws, row, column("item"), name)
            progress = item.progress
            _put(ws, row, column("status"), labels.get(progress.status, "") if progress else "", editable=editable)
            _put(ws, row, column("note"), progress.note if progress else "", editable=editable)
            _put(ws, row, column("state"), _state_label(state))
            if editable:
                statuses.add(ws.cell(row=row, column=column("status")))
                notes.add(ws.cell(row=row, column=column("note")))
            row += 1
    _validations_add(ws, statuses, notes)


def _texts_sheet(workbook: Workbook, plan_year: PlanYear, states: list[MeasureState]) -> None:
    layout = TEXTS
    ws = _frame(workbook, layout, plan_year, _("施策ごとの取組実績・評価・課題・今後の方向性を入力してください。"))
    labels = dict((value, str(label)) for value, label in SelfAssessment.choices)
    assessments = _list_validation(choice_labels(SelfAssessment.choices), _("評価を一覧から選んでください。"))
    texts = _text_validation()
    column = layout.column_of
    for row, state in enumerate(states, start=FIRST_DATA_ROW):
        editable = bool(state.decision)
        submission = state.submission
        _put(ws, row, column("id"), state.measure.pk)
        _put(ws, row, column("version"), submission.version)
        _put(ws, row, column("measure_code"), state.measure.code)
        _put(ws, row, column("measure_name"), state.measure.name)
        _put(ws, row, column("state"), _state_label(state))
        _put(ws, row, column("achievements_text"), submission.achievements_text, editable=editable)
        _put(ws, row, column("self_assessment"), labels.get(submission.self_assessment, ""), editable=editable)
        _put(ws, row, column("issues_text"), submission.issues_text, editable=editable)
        _put(ws, row, column("next_steps_text"), submission.next_steps_text, editable=editable)
        if editable:
            assessments.add(ws.cell(row=row, column=column("self_assessment")))
            for key in ("achievements_text", "issues_text", "next_steps_text"):
                texts.add(ws.cell(row=row, column=column(key)))
    _validations_add(ws, assessments, texts)


def _meta_sheet(workbook: Workbook, user, plan_year: PlanYear) -> None:
    """Readable facts for a curious administrator, and the signature that the upload trusts."""
    ws = workbook.create_sheet(META_SHEET)
    ws.sheet_state = "veryHidden"
    signature = template_signature(user=user, plan_year=plan_year)
    section_names = (
        _("すべて（本部事務局）")
        if signature["sections"] == ALL_SECTIONS
        else "、".join(str(s) for s in rights.user_sections(user).select_related("bureau"))
    )
    sections = signature["sections"]
    facts = [
        (_("書式版"), FORMAT_VERSION),
        (_("計画コード"), plan_year.plan.code),
        (_("年度"), plan_year.fiscal_year),
        (_("所属ID"), ",".join(map(str, sections)) if isinstance(sections, list) else sections),
        (_("所属"), section_names),
        (_("作成者"), user.get_username()),
        (_("作成日時"), timezone.localtime().isoformat(timespec="seconds")),
    ]
    for row, (label, value) in enumerate(facts, start=1):
        make_text(ws.cell(row=row, column=1), str(label))
        make_text(ws.cell(row=row, column=2), str(value))
    signature_cell = ws[SIGNATURE_CELL]
    make_text(ws.cell(row=signature_cell.row, column=1), _("署名"))
    make_text(signature_cell, signing.dumps(signature, salt=SIGNING_SALT))
    _protect(ws)
