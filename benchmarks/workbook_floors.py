"""What the meeting workbook costs at least, in three parts, for the benchmark.

- The bare floor (the issue's floor): the workbook's values, read back from its file, written
  by a bare XlsxWriter constant_memory loop with no formats, heights or merges.
- The cells: every cell, blank, merge, row height and column width the product wrote, with
  its format, replayed through XlsxWriter from a recording, with nothing read and nothing
  laid out. What XlsxWriter itself takes to write the printable workbook; no code of ours,
  however fast, can write that workbook in less.
- The reads: the workbook's main reads from the database (at least these run for every
  workbook), without writing anything.

The cells' and the reads' ratios to the bare floor, added, are a lower bound of the
workbook's own ratio.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from io import BytesIO
from typing import Any, BinaryIO
from unittest import mock

import xlsxwriter
from openpyxl import load_workbook
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from measures.models import Plan, PlanYear
from pdca.selectors import submission_board
from pdca.workbook import exports
from pdca.workbook.layout import workbook_options
from pdca.workbook.selectors import at_risk_rows, indicator_year_figures, measure_blocks, meeting_summary


def bare_floor(body: bytes) -> Callable[[], Any]:
    """The same cells as the product's workbook, written by a bare XlsxWriter constant_memory
    loop with no formats, widths, heights, print settings or charts: what writing the values
    alone costs."""
    book = load_workbook(BytesIO(body), read_only=True)
    sheets = [(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book.worksheets]
    book.close()

    def floor() -> None:
        with tempfile.TemporaryFile() as output:
            plain = xlsxwriter.Workbook(output, {"constant_memory": True})
            for title, rows in sheets:
                sheet = plain.add_worksheet(title)
                for row_index, row in enumerate(rows):
                    for column, value in enumerate(row):
                        if isinstance(value, str):
                            sheet.write_string(row_index, column, value)
                        elif value is not None:
                            sheet.write_number(row_index, column, value)
            plain.close()

    return floor


# A recorded call: a letter for the method, then its arguments, a format as its index in the
# recorded formats. Tuples of plain values, which the garbage collector stops tracking, as the
# bare floor's rows are lists of plain values.
STRING, NUMBER, BLANK, MERGE, ROW, COLUMN, DEFAULT_ROW = "s", "n", "b", "m", "r", "c", "d"


class _Recorder:
    def __init__(self) -> None:
        self.formats: list[dict] = []
        self.format_index: dict[int, int] = {}
        self.sheets: list[tuple[str, list[tuple]]] = []

    def index(self, cell_format) -> int | None:
        return None if cell_format is None else self.format_index[id(cell_format)]


class _RecordingWorksheet(Worksheet):
    """A worksheet that notes each call the product makes, then makes it (XlsxWriter's
    documented way to extend a worksheet: a subclass passed to `add_worksheet`)."""

    recorder: _Recorder
    calls: list[tuple]

    def write_string(self, row, col, string, cell_format=None):
        self.calls.append((STRING, row, col, string, self.recorder.index(cell_format)))
        return super().write_string(row, col, string, cell_format)

    def write_number(self, row, col, number, cell_format=None):
        self.calls.append((NUMBER, row, col, number, self.recorder.index(cell_format)))
        return super().write_number(row, col, number, cell_format)

    def write_blank(self, row, col, blank, cell_format=None):
        self.calls.append((BLANK, row, col, self.recorder.index(cell_format)))
        return super().write_blank(row, col, blank, cell_format)

    def merge_range(self, first_row, first_col, last_row, last_col, data, cell_format=None):
        self.calls.append((MERGE, first_row, first_col, last_row, last_col, data, self.recorder.index(cell_format)))
        return super().merge_range(first_row, first_col, last_row, last_col, data, cell_format)

    def set_row(self, row, height=None, cell_format=None, options=None):
        if cell_format is not None or options:
            raise NotImplementedError("the replay knows rows with a height only")
        self.calls.append((ROW, row, height))
        return super().set_row(row, height)

    def set_default_row(self, height=None, hide_unused_rows=False):
        if hide_unused_rows:
            raise NotImplementedError("the replay knows the default height only")
        self.calls.append((DEFAULT_ROW, height))
        return super().set_default_row(height)

    def set_column(self, first_col, last_col, width=None, cell_format=None, options=None):
        if cell_format is not None or options:
            raise NotImplementedError("the replay knows columns with a width only")
        self.calls.append((COLUMN, first_col, last_col, width))
        return super().set_column(first_col, last_col, width)


def _recording_workbook(recorder: _Recorder) -> type[Workbook]:
    class RecordingWorkbook(Workbook):
        def __init__(self, *args, **kwargs):
            self.made = False  # the workbook's own default formats are not noted: a new one makes them
            super().__init__(*args, **kwargs)
            self.made = True

        def add_format(self, properties=None):
            cell_format = super().add_format(properties)
            if self.made:
                recorder.format_index[id(cell_format)] = len(recorder.formats)
                recorder.formats.append(dict(properties or {}))
            return cell_format

        def add_worksheet(self, name=None, worksheet_class=None):
            sheet = super().add_worksheet(name, worksheet_class=_RecordingWorksheet)
            sheet.recorder = recorder
            sheet.calls = []
            recorder.sheets.append((sheet.name, sheet.calls))
            return sheet

    return RecordingWorkbook


def cells_replay(*, plan: Plan, fiscal_year: int) -> Callable[..., None]:
    """Writes the meeting workbook once with every XlsxWriter call noted, and returns the
    replay of those calls: the same cells, blanks, merges, heights and widths with the same
    formats, into a new constant_memory workbook. Print settings and charts are left out
    (a few calls a sheet)."""
    recorder = _Recorder()
    with tempfile.TemporaryFile() as output, mock.patch.object(exports, "Workbook", _recording_workbook(recorder)):
        exports.meeting_workbook_write(plan=plan, fiscal_year=fiscal_year, output=output)
    formats, sheets = recorder.formats, recorder.sheets

    def replay(output: BinaryIO | None = None) -> None:
        """Into `output`, or a temporary file."""
        with tempfile.TemporaryFile() if output is None else nullcontext(output) as file:
            book = xlsxwriter.Workbook(file, workbook_options())
            made = [book.add_format(properties) for properties in formats]
            for title, calls in sheets:
                sheet = book.add_worksheet(title)
                for call in calls:
                    kind = call[0]
                    if kind == STRING:
                        sheet.write_string(call[1], call[2], call[3], _format(made, call[4]))
                    elif kind == NUMBER:
                        sheet.write_number(call[1], call[2], call[3], _format(made, call[4]))
                    elif kind == BLANK:
                        sheet.write_blank(call[1], call[2], None, _format(made, call[3]))
                    elif kind == ROW:
                        sheet.set_row(call[1], call[2])
                    elif kind == MERGE:
                        sheet.merge_range(*call[1:6], _format(made, call[6]))
                    elif kind == DEFAULT_ROW:
                        sheet.set_default_row(call[1])
                    else:
                        sheet.set_column(call[1], call[2], call[3])
            book.close()

    return replay


def _format(made: list, index: int | None):
    return None if index is None else made[index]


def reads(*, plan: Plan, fiscal_year: int) -> Callable[[], Any]:
    """The workbook's main reads on its default basis: the 概要 roll-ups, every measure's block
    (the 施策一覧 and 施策別 sheets), last year's figures (前年度比較), the measures at risk
    and the submission board. The workbook reads a little more (the trend, the demo flag)."""
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=fiscal_year)

    def run() -> int:
        meeting_summary(plan=plan, fiscal_year=fiscal_year)
        blocks = list(measure_blocks(plan=plan, fiscal_year=fiscal_year))
        if fiscal_year - 1 in plan.fiscal_years:
            indicator_year_figures(plan=plan, fiscal_year=fiscal_year - 1)
        list(at_risk_rows(plan=plan, plan_year=plan_year))
        list(submission_board(plan=plan, fiscal_year=fiscal_year))
        return len(blocks)

    return run
