"""Cell values shared by the workbooks, whichever library writes them: text that must stay
text, texts too long for a cell, numbers as the clerk typed them, grade colours, page headers."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# Excel holds at most this many characters in a cell; LibreOffice and openpyxl follow it.
EXCEL_CELL_MAX = 32_767

# A text beginning with one of these is a formula (or a DDE trigger) when Excel re-reads it.
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Control characters a worksheet cannot hold (tab, line feed and carriage return it can).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Whether a text holds one (a match or None): a text without any is written as it is.
has_illegal_characters = _ILLEGAL_CHARACTERS.search

# Grade colours from the best band to the worst; a plan's bands are spread over them, so a plan
# with other labels or another number of bands still gets green for its best and red for its worst.
GRADE_PALETTE = ("C6EFCE", "E2EFDA", "FFEB9C", "FFC7CE")
HEADER_COLOUR = "D9E1F2"
INPUT_COLOUR = "FFF2CC"
INPUT_HEADER_COLOUR = "FFD966"
LOCKED_COLOUR = "EDEDED"

# Rates are shown to 0.1%, rounded half up as the web pages round them (core.numbers.format_rate).
RATE_STEP = Decimal("0.001")


def grade_colours(codes: list[str]) -> dict[str, str]:
    """A colour (RRGGBB) per grade code, best first as the plan orders its bands."""
    if not codes:
        return {}
    last = len(GRADE_PALETTE) - 1
    colours = {}
    for index, code in enumerate(codes):
        position = round(index * last / (len(codes) - 1)) if len(codes) > 1 else 0
        colours[code] = GRADE_PALETTE[position]
    return colours


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def clean_text(text: str) -> str:
    """Drop the control characters a worksheet cannot hold (pasted from other programs)."""
    return _ILLEGAL_CHARACTERS.sub("", text)


def shortened_marker(length: int) -> str:
    return _("…（Excelのセルに入りきらないため以下省略。全%(length)s字）") % {"length": f"{length:,}"}


def cell_text(text: str) -> str:
    """A text as a cell holds it: without illegal control characters and, when longer than a
    cell can hold, cut with a marker at the end saying so and giving the full length."""
    text = clean_text(text)
    if len(text) <= EXCEL_CELL_MAX:
        return text
    marker = shortened_marker(len(text))
    return text[: EXCEL_CELL_MAX - len(marker)] + marker


def same_text(saved: str, uploaded: str) -> bool:
    """An uploaded text equals the saved one, also when the saved one was too long for the
    template's cell and comes back as the shortened copy the template carried."""
    return uploaded == saved or (len(saved) > EXCEL_CELL_MAX and uploaded == cell_text(saved).strip())


def excel_number(value: Decimal | None) -> int | Decimal | None:
    """10000.0000 → 10000 (an integer cell), 12.5000 → 12.5: what the clerk typed, no stored padding."""
    if value is None:
        return None
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return normalized


def rate_value(rate: Decimal | None) -> float | None:
    """A rate as the pages show it (to 0.1%, half up), so that a spreadsheet's own rounding of
    the binary number cannot turn 81.25% into 81.2%."""
    if rate is None:
        return None
    return float(rate.quantize(RATE_STEP, rounding=ROUND_HALF_UP))


def header_text(text: str) -> str:
    """Text for a page header or footer, where ``&`` starts a code."""
    return text.replace("&", "&&")
