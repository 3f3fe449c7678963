"""The workbook of an upload: its signed identity, the rows of its three data sheets and the
values of their cells, each problem named by sheet, row and column."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.core import signing
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter

from core.fiscal_year import full_label
from core.numbers import ValueParseError, parse_decimal
from measures.models import PlanYear, Section
from pdca import rights
from pdca.workbook.imports.container import MAX_ROWS_PER_SHEET
from pdca.workbook.imports.values import UploadError
from pdca.workbook.template import (
    ALL_SECTIONS,
    FIRST_DATA_ROW,
    FORMAT_VERSION,
    HEADER_ROW,
    LAYOUTS,
    META_SHEET,
    SIGNATURE_CELL,
    SIGNING_SALT,
    SheetLayout,
)


def workbook_open(data: bytes):
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel extensions it drops (e.g. newer data validation); reading needs none of them.
            warnings.simplefilter("ignore")
            return load_workbook(BytesIO(data), data_only=False, keep_links=False, rich_text=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UploadError([_("ファイルが壊れているため読み込めません。Excelで開けるか確認してください。")]) from error


def identity_check(workbook, *, user, plan_year: PlanYear) -> None:
    """The hidden, signed identity: format version, plan, year and sections must match."""
    if META_SHEET not in workbook.sheetnames:
        raise UploadError(
            [
                _(
                    "このシステムからダウンロードしたテンプレートではありません。テンプレートをダウンロードして入力してください。"
                )
            ]
        )
    try:
        identity = signing.loads(str(workbook[META_SHEET][SIGNATURE_CELL].value or ""), salt=SIGNING_SALT)
    except signing.BadSignature as error:
        raise UploadError(
            [
                _(
                    "テンプレートの識別情報が壊れているか、書き換えられています。テンプレートをダウンロードし直してください。"
                )
            ]
        ) from error
    if identity.get("format") != FORMAT_VERSION:
        raise UploadError([_("古い書式のテンプレートです。テンプレートをダウンロードし直してください。")])
    if identity.get("plan") != plan_year.plan.code:
        raise UploadError([_("別の計画のテンプレートです。この計画のテンプレートをダウンロードしてください。")])
    if identity.get("fiscal_year") != plan_year.fiscal_year:
        raise UploadError(
            [
                _(
                    "このファイルは%(file_year)sのテンプレートです。%(year)sの実績は、%(year)sのテンプレートを"
                    "ダウンロードして入力してください。"
                )
                % {
                    "file_year": full_label(int(identity.get("fiscal_year") or 0)),
                    "year": full_label(plan_year.fiscal_year),
                }
            ]
        )
    sections = identity.get("sections")
    if rights.is_hq(user):
        return
    own = set(rights.user_sections(user).values_list("pk", flat=True))
    if sections == ALL_SECTIONS or not isinstance(sections, list) or not set(sections) <= own:
        names = (
            _("本部事務局用")
            if sections == ALL_SECTIONS
            else "、".join(str(s) for s in Section.objects.filter(pk__in=sections or []).select_related("bureau"))
        )
        raise UploadError(
            [
                _(
                    "別の所属（%(sections)s）のテンプレートです。ご自分の所属のテンプレートをダウンロードして入力してください。"
                )
                % {"sections": names}
            ]
        )


@dataclass
class SheetRow:
    """One data row of a sheet, as typed: the cells by column key."""

    layout: SheetLayout
    number: int
    cells: dict[str, Cell]

    def where(self, key: str) -> str:
        return f"{self.layout.title}!{self.layout.letter_of(key)}{self.number}"


class SheetReader:
    """Walks the three data sheets; collects every layout and cell problem in `errors`."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.errors: list[str] = []

    def error(self, layout: SheetLayout, row: int, column: int | None, message: str) -> None:
        self.errors.append(cell_message(layout, row, column, message))

    def read(self) -> dict[str, list[SheetRow]]:
        return {layout.key: list(self._rows(layout)) for layout in LAYOUTS}

    def _rows(self, layout: SheetLayout) -> Iterator[SheetRow]:
        title = str(layout.title)
        if title not in self.workbook.sheetnames:
            self.errors.append(
                _("シート「%(sheet)s」がありません。シート名の変更や削除はできません。") % {"sheet": title}
            )
            return
        ws = self.workbook[title]
        for merged in ws.merged_cells.ranges:
            self.errors.append(
                _("「%(sheet)s」シート %(range)s：セルが結合されています。結合を解除してください。")
                % {"sheet": title, "range": merged.coord}
            )
        if not self._headers_match(ws, layout) or ws.merged_cells.ranges:
            return
        if ws.max_row > FIRST_DATA_ROW + MAX_ROWS_PER_SHEET:
            self.errors.append(_("「%(sheet)s」シートの行数が多すぎます。") % {"sheet": title})
            return
        width = len(layout.columns)
        for number, cells in enumerate(
            ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=ws.max_row, max_col=width + 1), start=FIRST_DATA_ROW
        ):
            if all(is_blank(cell.value) for cell in cells):
                continue
            if not is_blank(cells[width].value):
                self.error(layout, number, width + 1, _("表の外に入力されています。"))
            formulas = [cell for cell in cells[:width] if cell.data_type == "f"]
            for cell in formulas:
                self.error(layout, number, cell.column, _("数式は使えません。値を直接入力してください。"))
            if formulas:
                continue
            row_id = cells[0].value
            if not isinstance(row_id, int) or isinstance(row_id, bool):
                self.error(
                    layout,
                    number,
                    None,
                    _("テンプレートにない行です（行の追加・コピーや識別番号の変更はできません）。"),
                )
                continue
            yield SheetRow(
                layout, number, {column.key: cell for column, cell in zip(layout.columns, cells, strict=False)}
            )

    def _headers_match(self, ws, layout: SheetLayout) -> bool:
        matched = True
        for index, column in enumerate(layout.columns, start=1):
            found = ws.cell(row=HEADER_ROW, column=index).value
            if str(found or "").strip() != str(column.label):
                matched = False
                self.error(
                    layout,
                    HEADER_ROW,
                    index,
                    _(
                        "見出しが「%(expected)s」ではなく「%(found)s」になっています。列の追加・削除・移動や"
                        "見出しの変更はできません。"
                    )
                    % {"expected": column.label, "found": found if found is not None else ""},
                )
        extra = ws.cell(row=HEADER_ROW, column=len(layout.columns) + 1).value
        if not is_blank(extra):
            matched = False
            self.error(layout, HEADER_ROW, len(layout.columns) + 1, _("列が追加されています。列の追加はできません。"))
        return matched


def cell_message(layout: SheetLayout, row: int, column: int | None, message: str) -> str:
    """「成果指標」シート 5行目 H列（実績値）：… — where a problem is, as the clerk sees it in Excel."""
    place = {"sheet": layout.title, "row": row, "message": message}
    if column is None:
        return _("「%(sheet)s」シート %(row)d行目：%(message)s") % place
    label = layout.columns[column - 1].label if column <= len(layout.columns) else _("表の外")
    return _("「%(sheet)s」シート %(row)d行目 %(letter)s列（%(label)s）：%(message)s") % {
        **place,
        "letter": get_column_letter(column),
        "label": label,
    }


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_decimal(cell: Cell) -> Decimal | None:
    """A number cell as the entry form would read it: Excel numbers as they are (a cell shown
    as 85% holds 0.85 and means 85), text through core.numbers.parse_decimal (１０，０００, 80%)."""
    value = cell.value
    if isinstance(value, bool):
        raise ValueParseError(_("数値を入力してください。"))
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise ValueParseError(
            _(
                "日付・時刻として入力されています。数値を入力してください（セルの表示形式が日付になっていないか確認してください）。"
            )
        )
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            number *= 100
        value = format(number.normalize(), "f")
    return parse_decimal(None if value is None else str(value), required=False)


def cell_text(cell: Cell) -> str:
    """A text cell, with Excel's line breaks and surrounding spaces tidied like the web form does."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        value = value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def cell_choice(cell: Cell, choices) -> str:
    """A list cell: the label shown in Excel (or the stored value) → the stored value."""
    text = cell_text(cell)
    if not text:
        return ""
    by_label = {str(label): value for value, label in choices}
    by_label.update({value: value for value, _label in choices})
    if text in by_label:
        return by_label[text]
    raise ValueParseError(
        _("「%(text)s」は選べません。%(choices)s のどれかを選んでください。")
        % {"text": text[:40], "choices": "・".join(str(label) for _value, label in choices)}
    )
