"""core.numbers: one parser for every place a clerk types a number."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numbers import ValueParseError, format_decimal, format_rate, parse_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10,000", "10000"),
        ("１０，０００", "10000"),
        ("80%", "80"),
        ("８０％", "80"),
        ("12.5", "12.5"),
        ("  42 ", "42"),
        ("１２．５", "12.5"),
        ("0", "0"),
        ("1,234,567.25", "1234567.25"),
        ("\u300042\u3000", "42"),
        ("80 %", "80"),
    ],
)
def test_accepts_what_clerks_type(text, value):
    assert parse_decimal(text) == D(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "値を入力してください。"),
        ("   ", "値を入力してください。"),
        ("たくさん", "数値として読めません"),
        ("NaN", "数値として読めません"),
        ("Infinity", "数値として読めません"),
        ("1e400", "数値として読めません"),
        ("-5", "マイナスの値は入力できません。"),
        ("－５", "マイナスの値は入力できません。"),
        ("1,00", "数値として読めません"),
        ("10000000000000", "値が大きすぎます"),
        ("0.123456", "小数点以下は4桁まで"),
        ("12.5.1", "数値として読めません"),
        ("1 000", "「1 000」は数値として読めません"),
        ("１\u3000０００", "数値として読めません"),
    ],
)
def test_rejects_with_a_clear_japanese_message(text, message):
    with pytest.raises(ValueParseError) as raised:
        parse_decimal(text)
    assert message in str(raised.value)


def test_blank_is_none_when_not_required():
    assert parse_decimal("  ", required=False) is None


def test_percent_can_be_refused():
    with pytest.raises(ValueParseError):
        parse_decimal("80%", allow_percent=False)


def to_full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789,.%", "０１２３４５６７８９，．％"))


@given(st.decimals(min_value=0, max_value=D("999999999999.9999"), places=4, allow_nan=False, allow_infinity=False))
def test_formatted_values_parse_back_in_either_width(value):
    text = format_decimal(value)
    assert parse_decimal(text) == value
    assert parse_decimal(to_full_width(text)) == value


@given(st.text(max_size=30))
def test_any_text_either_parses_or_raises_the_clear_error(text):
    try:
        result = parse_decimal(text)
    except ValueParseError as error:
        assert str(error)
    else:
        assert result is not None and result >= 0


def test_rates_are_shown_with_one_decimal():
    assert format_rate(D("0.875")) == "87.5%"
    assert format_rate(D("1.0625")) == "106.3%"  # half up, as Excel shows 0.0%
    assert format_rate(None) == "—"


def test_a_change_in_points_reads_in_the_active_language():
    from decimal import Decimal

    from django.utils import translation

    from core.numbers import format_change

    with translation.override("ja"):
        assert format_change(Decimal("0.85"), Decimal("0.8")) == "▲5.0ポイント"
        assert format_change(Decimal("0.8"), Decimal("0.85")) == "▼5.0ポイント"
    with translation.override("en"):
        assert format_change(Decimal("0.85"), Decimal("0.8")) == "+5.0 pts"
        assert format_change(Decimal("0.8"), Decimal("0.85")) == "−5.0 pts"
        assert format_change(Decimal("1200"), Decimal("1000"), percent=False) == "▲200"
