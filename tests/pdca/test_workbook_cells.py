"""Cell values and print layout helpers of the workbooks."""

from __future__ import annotations

from decimal import Decimal

from pdca.workbook.cells import EXCEL_CELL_MAX, cell_text, excel_number, rate_value, same_text
from pdca.workbook.layout import row_height, text_lines


def test_a_text_within_a_cell_is_kept_without_control_characters():
    assert cell_text("改行\x0bあり\n次の行") == "改行あり\n次の行"


def test_a_text_too_long_for_a_cell_is_cut_with_a_marker_giving_its_length():
    text = "あ" * 40_000
    cut = cell_text(text)
    assert len(cut) == EXCEL_CELL_MAX
    assert cut.endswith("全40,000字）")
    assert same_text(text, cut)  # the template's copy comes back as the saved text
    assert not same_text(text, cut[:-1])
    assert not same_text("短い", "短い文")


def test_rates_are_written_as_the_pages_show_them_half_up():
    assert rate_value(Decimal("0.8125")) == 0.813
    assert rate_value(Decimal("0.06125")) == 0.061  # 6.125% → 6.1%: the third decimal place of the fraction
    assert rate_value(Decimal("1.0625")) == 1.063
    assert rate_value(None) is None


def test_numbers_keep_what_the_clerk_typed():
    assert excel_number(Decimal("10000.0000")) == 10000
    assert excel_number(Decimal("12.5000")) == Decimal("12.5")


def test_wrapped_text_gets_a_line_per_column_width():
    assert text_lines("短い", 10) == 1
    assert text_lines("あ" * 20, 10) >= 4  # 20 wide characters in a column of 10
    assert text_lines("一行目\n二行目", 30) == 2
    assert row_height(2) > row_height(1)
