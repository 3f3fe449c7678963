"""The workbook's lower bounds in the benchmark stand for the product's workbook only if the
replay writes the very cells the product wrote: compared here cell by cell, format and all."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from benchmarks import workbook_floors
from indicators.services import actual_record
from measures.models import PlanYear
from pdca.models import Submission, SubmissionStatus
from pdca.services import report_bases_sync
from pdca.workbook.exports import meeting_workbook_write
from tests.conftest import measure

pytestmark = pytest.mark.django_db

YEAR = 2021


def _cell(cell) -> tuple:
    return (
        cell.value,
        cell.number_format,
        cell.font.name,
        cell.font.sz,
        cell.font.b,
        cell.fill.fgColor.rgb,
        cell.border.left.style,
        cell.border.bottom.style,
        cell.alignment.wrap_text,
        cell.alignment.vertical,
        cell.quotePrefix,
    )


def _sheets(body: bytes) -> dict:
    book = load_workbook(BytesIO(body))
    return {
        sheet.title: {
            "cells": {cell.coordinate: _cell(cell) for row in sheet.iter_rows() for cell in row},
            "merged": sorted(str(merged) for merged in sheet.merged_cells.ranges),
            "heights": {row: dimension.height for row, dimension in sheet.row_dimensions.items() if dimension.height},
            "widths": {column: dimension.width for column, dimension in sheet.column_dimensions.items()},
        }
        for sheet in book.worksheets
    }


def test_the_replay_writes_the_cells_the_product_wrote(plan):
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    for indicator in measure("II-④-ア-01").indicators.all():
        actual_record(indicator=indicator, plan_year=plan_year, value=Decimal("85"), user=None)
    Submission.objects.create(
        measure=measure("II-④-ア-01"),
        plan_year=plan_year,
        status=SubmissionStatus.SUBMITTED,
        achievements_text="=1+1",  # written with Excel's quote prefix
        issues_text="課題\n二行目",
    )
    report_bases_sync(plan=plan)
    product = BytesIO()
    meeting_workbook_write(plan=plan, fiscal_year=YEAR, output=product)
    replayed = BytesIO()

    workbook_floors.cells_replay(plan=plan, fiscal_year=YEAR)(replayed)

    expected, actual = _sheets(product.getvalue()), _sheets(replayed.getvalue())
    assert list(actual) == list(expected)
    for title, sheet in expected.items():
        assert actual[title]["merged"] == sheet["merged"], title
        assert actual[title]["heights"] == sheet["heights"], title
        assert actual[title]["widths"] == sheet["widths"], title
        assert actual[title]["cells"] == sheet["cells"], title
    assert any(cell[10] for cell in expected["施策別"]["cells"].values())  # a quoted cell was compared


def test_the_reads_read_every_measure(plan):
    assert workbook_floors.reads(plan=plan, fiscal_year=YEAR)() == plan.measures.count()
