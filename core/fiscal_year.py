"""Japanese fiscal years (April–March) and their names in the active language.

The database stores the integer fiscal year (FY2021 = 令和3年度). In Japanese the UI shows
both forms (「令和3年度 (2021)」); in English it shows "FY2021".
"""

from __future__ import annotations

import datetime

from django.utils.translation import get_language

REIWA_FIRST_FISCAL_YEAR = 2019  # 令和元年度


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def reiwa_label(fiscal_year: int) -> str:
    """令和3年度 for 2021 (令和元年度 for 2019); FY2021 in English."""
    if _english():
        return f"FY{fiscal_year}"
    number = fiscal_year - REIWA_FIRST_FISCAL_YEAR + 1
    if number < 1:
        return f"{fiscal_year}年度"
    return "令和元年度" if number == 1 else f"令和{number}年度"


def reiwa_short(fiscal_year: int) -> str:
    """R3 for 2021; FY2021 in English."""
    if _english():
        return f"FY{fiscal_year}"
    return f"R{fiscal_year - REIWA_FIRST_FISCAL_YEAR + 1}"


def full_label(fiscal_year: int) -> str:
    """「令和3年度 (2021)」: both forms, as the Japanese UI shows them; FY2021 in English."""
    if _english():
        return f"FY{fiscal_year}"
    return f"{reiwa_label(fiscal_year)} ({fiscal_year})"


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1
