"""`StyledCells`: the meeting workbook's cells, written through one kept cell per style.
Read back with openpyxl, every cell must be what a cell made on its own would be."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, NamedStyle

from pdca.workbook.cells import StyledCells


def _sheet_written(rows: list[list[tuple | None]]):
    """Rows of (value, style) items, written through StyledCells and read back."""
    workbook = Workbook(write_only=True)
    styles = {
        "text": NamedStyle(name="t-text", alignment=Alignment(vertical="top")),
        "bold": NamedStyle(name="t-bold", font=Font(bold=True), number_format="0.0%"),
    }
    for style in styles.values():
        workbook.add_named_style(style)
    ws = workbook.create_sheet("s")
    cell = StyledCells(ws, styles)
    for row in rows:
        ws.append([None if item is None else cell(*item) for item in row])
    output = BytesIO()
    workbook.save(output)
    return load_workbook(BytesIO(output.getvalue()))["s"]


def test_each_cell_keeps_its_own_value_type_and_style():
    ws = _sheet_written(
        [
            [("施策", "text"), ("=1+1", "text"), ("計画", "text"), (Decimal("0.875"), "bold"), (12, "text")],
            [("#N/A", "bold"), ("達成", "bold"), None, ("", "text"), ("-確認", "text")],
            [("改行\x0bあり", "text")],
        ]
    )
    first, second, third = (list(row) for row in ws.iter_rows(max_col=5))
    assert [c.value for c in first] == ["施策", "=1+1", "計画", 0.875, 12]
    assert [c.data_type for c in first] == ["s", "s", "s", "n", "n"]
    # Only the formula-like text has the quote prefix, although its neighbours share its style.
    assert [c.quotePrefix for c in first] == [False, True, False, False, False]
    assert [c.style for c in first] == ["t-text", "t-text", "t-text", "t-bold", "t-text"]
    assert first[3].number_format == "0.0%" and first[3].font.b
    assert [c.value for c in second] == ["#N/A", "達成", None, None, "-確認"]
    assert [c.data_type for c in second[:2]] == ["s", "s"]
    assert [c.quotePrefix for c in second] == [True, False, False, False, True]
    # An empty value writes no cell at all, rather than the last value of that style.
    assert second[2].style == second[3].style == "Normal"
    assert [c.value for c in third] == ["改行あり", None, None, None, None]
