"""Printed worksheets written row by row with XlsxWriter.

The meeting workbook is written in XlsxWriter's constant_memory mode: each row goes to the
sheet's temporary file as soon as the next one begins, so memory stays flat whatever the
plan's size, and a row is final once left. So each sheet is laid out top to bottom in one
pass: widths and print settings first, then rows, each with the height its wrapped text
needs (computed here, because a row's height in the file is what LibreOffice and Excel print).

Print rules every sheet follows: A4, text at 9 pt or more on a page printed at 100% (so at
least 8 pt whatever a printer's margins), the sheet's header row repeated on every page, the
title and year in the page header and 「n / N」 in the footer, both inside the margins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from core.fiscal_year import full_label
from pdca.workbook.cells import (
    EXCEL_CELL_MAX,
    FORMULA_PREFIXES,
    HEADER_COLOUR,
    cell_text,
    grade_colours,
    has_illegal_characters,
    header_text,
)

# Every format names its font. Column widths are measured in the default font's digits, so the
# default is Arial 10, whose metrics LibreOffice has on any machine (Liberation Sans) and whose
# digit is as wide as XlsxWriter assumes: a sheet prints as wide in LibreOffice as in Excel.
DEFAULT_FONT = {"font_name": "Arial", "font_size": 10}
FONT_NAME = "游ゴシック"
FONT_SIZE = 9
# A line of text takes about 1.45 times its size in LibreOffice (Noto Sans CJK) and 1.7 in
# Excel (游ゴシック): rows are made as high as the taller.
LINE_HEIGHT = 1.7
ROW_PADDING = 3.0

# A4 in points, and the margins (inches) every sheet prints with.
A4 = (595.0, 842.0)
MARGIN_SIDE = 0.4
MARGIN_TOP = MARGIN_BOTTOM = 0.75
HEADER_MARGIN = FOOTER_MARGIN = 0.3
# Column widths are in characters of the default font; one character is this many points
# on the page (7 pixels and 5 of padding per column, at 96 pixels an inch), and LibreOffice
# prints a column about 6% wider than Excel.
POINTS_PER_CHARACTER = 7 * 0.75
COLUMN_PADDING_POINTS = 5 * 0.75
WIDEST_RENDERING = 1.06


def printable_width(*, landscape: bool) -> float:
    """The width of an A4 page inside the side margins, in points."""
    return (A4[1] if landscape else A4[0]) - 2 * MARGIN_SIDE * 72


def printed_width(widths: Sequence[float]) -> float:
    """How wide columns print at most, in points: each is its characters plus a column's
    padding, as wide as the wider of Excel and LibreOffice prints it."""
    return sum(width * POINTS_PER_CHARACTER + COLUMN_PADDING_POINTS for width in widths) * WIDEST_RENDERING


def printable_height(*, landscape: bool) -> float:
    """The height of an A4 page inside the top and bottom margins, in points."""
    return (A4[0] if landscape else A4[1]) - (MARGIN_TOP + MARGIN_BOTTOM) * 72


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # in characters of the default font


# A character's width in the default font's digits at 11 pt: a CJK one about two, an ASCII one
# about one; generous, so that no text is clipped.
WIDE = 2.0
NARROW = 1.15


def usable_units(width: float, size: float = FONT_SIZE) -> float:
    """How many character units (see WIDE, NARROW) a line holds in a column `width` characters
    wide, scaled from the default font's 11 pt to `size`."""
    return max(width - 1, 1) * 11 / size


def text_lines(text: str, width: float, size: float = FONT_SIZE) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide, scaled from
    the default font's 11 pt to `size`."""
    usable = usable_units(width, size)
    if len(text) * WIDE <= usable and "\n" not in text:
        return 1  # fits on one line even if every character is wide
    lines = 0
    for paragraph in text.split("\n"):
        # Counted without a loop over the characters: every character as wide, less the
        # narrow (ASCII) ones' difference.
        length = len(paragraph)
        units = length * WIDE - (WIDE - NARROW) * len(paragraph.encode("ascii", "ignore"))
        lines += max(1, math.ceil(units / usable))
    return lines


def row_height(lines: int, size: float = FONT_SIZE) -> float:
    return lines * size * LINE_HEIGHT + ROW_PADDING


class Formats:
    """The workbook's cell formats by name, each also in a quoted variant (Excel's quote
    prefix) for a text that Excel would read as a formula when someone edits the cell."""

    def __init__(self, workbook: Workbook, grade_codes: Sequence[str]):
        border = {"border": 1, "border_color": "8EA9DB"}
        top = {"valign": "top"}
        definitions: dict[str, dict] = {
            "title": {"bold": True, "font_size": 14},
            "subtitle": {"font_color": "444444", **top, "text_wrap": True},
            "heading": {"bold": True, "font_size": 11},
            "header": {
                "bold": True,
                "bg_color": HEADER_COLOUR,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                **border,
            },
            "label": {"bold": True, "bg_color": HEADER_COLOUR, **top, "text_wrap": True, **border},
            "text": {**top, "text_wrap": True, **border},
            "bold": {**top, "bold": True, "text_wrap": True, **border},
            "center": {**top, "align": "center", "text_wrap": True, **border},
            "integer": {**top, "num_format": "#,##0", **border},
            "decimal": {**top, "num_format": "#,##0.0###", **border},
            "rate": {**top, "num_format": "0.0%", **border},
            "change": {**top, "num_format": '+0.0"pt";-0.0"pt";0.0"pt"', **border},
            "note": {"font_color": "444444", **top, "text_wrap": True},
            "demo": {"bold": True, "font_color": "C00000", "font_size": 12},
        }
        for code, colour in grade_colours(list(grade_codes)).items():
            definitions[f"grade-{code}"] = {"bg_color": colour, "bold": True, "align": "center", **top, **border}
        self.sizes = {name: props.get("font_size", FONT_SIZE) for name, props in definitions.items()}
        self.wraps = {name for name, props in definitions.items() if props.get("text_wrap")}
        base = {"font_name": FONT_NAME, "font_size": FONT_SIZE}
        self.plain = {name: workbook.add_format({**base, **props}) for name, props in definitions.items()}
        self.quoted = {
            name: workbook.add_format({**base, **props, "quote_prefix": True}) for name, props in definitions.items()
        }
        self.grades = {code: f"grade-{code}" for code in grade_codes}

    def grade(self, code: str | None) -> str:
        return self.grades.get(code or "", "center")


def workbook_options() -> dict:
    return {
        "constant_memory": True,
        # Values arrive typed: a text is never taken for a number, a formula or a link.
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_format_properties": DEFAULT_FONT,
    }


class Sheet:
    """One worksheet, written a row at a time. A row is a list of cells, each None (nothing
    written) or (value, format name) or (value, format name, columns spanned)."""

    def __init__(
        self,
        workbook: Workbook,
        formats: Formats,
        name: str,
        columns: Sequence[Column],
        *,
        landscape: bool,
        title: str,
        fiscal_year: int,
        demo: bool = False,
        empty_cells: bool = True,
    ):
        self.ws: Worksheet = workbook.add_worksheet(name)
        # A long table writes nothing in an empty cell (each is a written cell in the file) and
        # prints the sheet's gridlines instead, so that its grid stays whole.
        self.empty_cells = empty_cells
        self.formats = formats
        self.widths = [column.width for column in columns]
        self.usable = [usable_units(width) for width in self.widths]
        self.counted: list[tuple[str | None, int]] = [(None, 1)] * len(self.widths)  # per column
        self.landscape = landscape
        self.page_height = printable_height(landscape=landscape)
        self.row = 0
        self.page_used = 0.0  # points used on the current page, for keeping blocks together
        self.repeated = 0.0  # the repeated header rows' height, on every page
        self.breaks: list[int] = []
        for index, width in enumerate(self.widths):
            self.ws.set_column(index, index, width)
        ws = self.ws
        # Most rows hold one line of text: they take the sheet's default height, set once.
        self.default_height = row_height(1)
        ws.set_default_row(self.default_height)
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_BOTTOM)
        if not empty_cells:
            ws.hide_gridlines(0)
        if printed_width(self.widths) <= printable_width(landscape=landscape):
            ws.set_print_scale(100)
        else:
            ws.fit_to_pages(1, 0)  # a plan with more years than the layout was made for
        left = "&L" + header_text(_("デモデータ")) if demo else ""
        centre = "&C" + header_text(f"{title}{_('　')}{full_label(fiscal_year)}")
        right = "&R" + header_text(_("作成日 %(date)s") % {"date": timezone.localdate().isoformat()})
        ws.set_header(left + centre + right, {"margin": HEADER_MARGIN})
        ws.set_footer("&C&P / &N", {"margin": FOOTER_MARGIN})

    def height_of(self, cells: Sequence) -> float:
        lines, size = 1, FONT_SIZE
        sizes, wraps, widths, usable, counted = (
            self.formats.sizes,
            self.formats.wraps,
            self.widths,
            self.usable,
            self.counted,
        )
        for index, item in enumerate(cells):
            if item is None:
                continue
            value, name = item[0], item[1]
            cell_size = sizes[name]
            if cell_size > size:
                size = cell_size
            if value.__class__ is str and value and name in wraps:
                if len(item) == 2 and cell_size == FONT_SIZE:
                    # A text that fits on a line even if every character is wide needs no
                    # counting (most cells); a column's text repeated from the row above (a
                    # measure's name on each of its indicators' rows) is counted once.
                    if len(value) * WIDE <= usable[index] and "\n" not in value:
                        continue
                    last = counted[index]
                    if last[0] is value:
                        cell_lines = last[1]
                    else:
                        cell_lines = text_lines(value, widths[index])
                        counted[index] = (value, cell_lines)
                else:
                    width = sum(widths[index : index + item[2]]) if len(item) > 2 else widths[index]
                    cell_lines = text_lines(value, width, cell_size)
                if cell_lines > lines:
                    lines = cell_lines
        return row_height(lines, size)

    def write(self, cells: Sequence, *, height: float | None = None) -> int:
        """Write one row; returns its index (0-based)."""
        ws, row = self.ws, self.row
        if height is None:
            height = self.height_of(cells)
        if height != self.default_height or not cells:
            # A row of the sheet's default height is written as high without being set; an
            # empty row is set so that it is written at all.
            ws.set_row(row, height)
        plain, quoted, empty_cells = self.formats.plain, self.formats.quoted, self.empty_cells
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        for column, item in enumerate(cells):
            if item is None:
                continue
            if len(item) > 2 and item[2] > 1:
                self._merge(row, column, item)
                continue
            value = item[0]
            if isinstance(value, str):
                # Checked first, as few texts need changing: cell_text is called for those only.
                if value and (len(value) > EXCEL_CELL_MAX or has_illegal_characters(value)):
                    value = cell_text(value)
                if value:
                    fmt = quoted[item[1]] if value.startswith(FORMULA_PREFIXES) else plain[item[1]]
                    write_string(row, column, value, fmt)
                elif empty_cells:
                    write_blank(row, column, None, plain[item[1]])
            elif value is None:
                if empty_cells:
                    write_blank(row, column, None, plain[item[1]])
            else:
                write_number(row, column, float(value) if isinstance(value, Decimal) else value, plain[item[1]])
        self.row += 1
        if self.page_used + height > self.page_height:
            self.page_used = self.repeated  # the row begins the next page
        self.page_used += height
        return row

    def _merge(self, row: int, column: int, item: tuple) -> None:
        """A cell spanning columns: a merged range (XlsxWriter writes a formatted blank in
        each column it covers after the first)."""
        value, name, span = item
        if isinstance(value, str):
            value = cell_text(value)
            fmt = self.formats.quoted[name] if value.startswith(FORMULA_PREFIXES) else self.formats.plain[name]
        else:
            value = float(value) if isinstance(value, Decimal) else value
            fmt = self.formats.plain[name]
        self.ws.merge_range(row, column, row, column + span - 1, value, fmt)

    def blank(self, height: float | None = None) -> None:
        self.write([], height=height or row_height(1))

    def header(self, labels: Sequence[str], *, repeat: bool = True) -> int:
        cells = [(label, "header") for label in labels]
        height = self.height_of(cells)
        row = self.write(cells, height=height)
        if repeat:
            self.ws.repeat_rows(row)
            self.repeated = height
        return row

    def keep_together(self, height: float) -> None:
        """Start a new page before a block `height` points high when it would not fit on what
        is left of this one but fits on a page of its own."""
        room = self.page_height - self.page_used
        if height > room and height <= self.page_height - self.repeated and self.row > 0:
            self.breaks.append(self.row)
            self.page_used = self.repeated

    def finish(self) -> None:
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)
