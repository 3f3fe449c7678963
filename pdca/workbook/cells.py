"""Cell helpers shared by the workbooks: text that must stay text, grade colours, page headers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import NamedStyle, PatternFill

# A text beginning with one of these is a formula (or a DDE trigger) when Excel re-reads it.
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Grade fills from the best band to the worst; a plan's bands are spread over them, so a plan
# with other labels or another number of bands still gets green for its best and red for its worst.
GRADE_PALETTE = ("C6EFCE", "E2EFDA", "FFEB9C", "FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_HEADER_FILL = PatternFill("solid", fgColor="FFD966")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")


def grade_fills(codes: list[str]) -> dict[str, PatternFill]:
    """A fill per grade code, best first as the plan orders its bands."""
    if not codes:
        return {}
    last = len(GRADE_PALETTE) - 1
    fills = {}
    for index, code in enumerate(codes):
        position = round(index * last / (len(codes) - 1)) if len(codes) > 1 else 0
        fills[code] = PatternFill("solid", fgColor=GRADE_PALETTE[position])
    return fills


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def clean_text(text: str) -> str:
    """Drop the control characters a worksheet cannot hold (pasted from other programs)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def make_text(cell: Cell, text: str) -> Cell:
    """Put user-typed text in a cell so that it lands as text, never as a formula.

    openpyxl turns a string beginning with ``=`` into a formula (and ``#N/A`` into an error);
    the type is forced back to text, and Excel's quote prefix keeps it text when someone
    edits the cell later."""
    text = clean_text(text)
    cell.value = text
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


class StyledCells:
    """Styled cells for one write-only sheet, made as the sheet writes them.

    A write-only sheet takes plain values, which it writes through one reusable unstyled
    cell, or cell objects made in advance. Every cell here has a named style, and cells made
    in advance cost, each, a cell object, the sheet's failed attempt to take the object as a
    value, and a spare cell the sheet makes after every styled one: together about a third
    of the meeting workbook's time at 10,000 measures. So ``cell(value, style)`` returns the
    pair, and the sheet's conversion of an appended row (``_values_to_row``, openpyxl's own
    hook, pinned with openpyxl's version) is replaced by one that writes each pair through
    a cell kept per style. A cell is written before the next one is made, so one per style
    suffices. The named style's array is handed to the cell constructor, which copies it;
    ``cell.style = name`` would look the style up by name for every cell.

    Text stays text: a string that openpyxl would read as a formula or an error code is
    written as a string with Excel's quote prefix, through a cell of its own."""

    def __init__(self, ws, styles: dict[str, NamedStyle]):
        self.ws = ws
        self.arrays = {name: style.as_tuple() for name, style in styles.items()}
        self.kept: dict[tuple[str, bool], Cell] = {}
        ws._values_to_row = self._row_cells

    def __call__(self, value, style: str) -> tuple | None:
        if value is None or value == "":
            return None  # nothing to write: the row simply has no cell there
        return value, style

    def _row_cells(self, row, row_index: int) -> Iterator[Cell]:
        for column, item in enumerate(row, start=1):
            if item is None:
                continue
            value, style = item
            cell = self._bound(value, style)
            cell.row = row_index
            cell.column = column
            yield cell

    def _bound(self, value, style: str) -> Cell:
        if isinstance(value, str):
            value = clean_text(value)
        cell = self._kept(style, quoted=False)
        cell.value = value
        if isinstance(value, str) and (cell.data_type != "s" or looks_like_formula(value)):
            cell = self._kept(style, quoted=True)
            cell.value = value
            cell.data_type = "s"
        return cell

    def _kept(self, style: str, *, quoted: bool) -> Cell:
        cell = self.kept.get((style, quoted))
        if cell is None:
            cell = self.kept[style, quoted] = Cell(self.ws, style_array=self.arrays[style])
            cell.quotePrefix = quoted
        return cell


def excel_number(value: Decimal | None) -> int | Decimal | None:
    """10000.0000 → 10000 (an integer cell), 12.5000 → 12.5: what the clerk typed, no stored padding."""
    if value is None:
        return None
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return normalized


def header_text(text: str) -> str:
    """Text for a page header or footer, where ``&`` starts a code."""
    return text.replace("&", "&&")
