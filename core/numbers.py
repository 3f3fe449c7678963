"""Reading numbers as clerks type them: ``10,000``, ``１０，０００``, ``80%``, ``８０％``, `` 12.5 ``.

One parser for forms, workbook imports and any API, so the same text is read the same
way everywhere. Every rejection is a `ValueParseError` with a Japanese message fit to
show beside the field.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

# The largest magnitude any indicator in a plan can sensibly have (a population, a PV count).
MAX_MAGNITUDE = Decimal("1e12")
MAX_DECIMAL_PLACES = 4

_NUMBER = re.compile(r"^[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
# Spaces around the number, or before its percent sign, are noise; a space between digits
# (``1 000``) is refused, as ``1,2,3`` is: the reader cannot tell one number from two.
_SPACES_BEFORE_PERCENT = re.compile(r"\s+(?=%$)")
# Minus signs and dashes people type for a negative sign.
_MINUS_SIGNS = str.maketrans({"−": "-", "－": "-", "‐": "-", "ー": "-", "―": "-", "–": "-", "—": "-"})


class ValueParseError(ValueError):
    """The text is not a number this product accepts; str(error) is the message to show."""


def normalize_number_text(text: str) -> str:
    """Full-width digits, commas, points and percent signs become ASCII; spaces around the
    number and before a percent sign go, spaces inside it stay (and fail the pattern)."""
    folded = unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).strip()
    return _SPACES_BEFORE_PERCENT.sub("", folded)


def parse_decimal(
    text: str | None,
    *,
    required: bool = True,
    allow_negative: bool = False,
    allow_percent: bool = True,
) -> Decimal | None:
    """Parse one typed number; None for blank input when not required."""
    if text is None or not str(text).strip():
        if required:
            raise ValueParseError(_("値を入力してください。"))
        return None
    cleaned = normalize_number_text(str(text))
    if cleaned.endswith("%"):
        if not allow_percent:
            raise ValueParseError(_("この項目には % を付けずに数値を入力してください。"))
        cleaned = cleaned[:-1]
    if not _NUMBER.match(cleaned):
        raise ValueParseError(
            _("「%(text)s」は数値として読めません。半角・全角の数字で入力してください（例: 10,000 / 80%% / 12.5）。")
            % {"text": str(text).strip()[:40]}
        )
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid decimals
        raise ValueParseError(_("数値として読めません。")) from exc
    if value < 0 and not allow_negative:
        raise ValueParseError(_("マイナスの値は入力できません。"))
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueParseError(_("値が大きすぎます（1兆未満で入力してください）。"))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise ValueParseError(_("小数点以下は%(places)d桁までで入力してください。") % {"places": MAX_DECIMAL_PLACES})
    return value


def format_decimal(value: Decimal | None, *, unit: str = "") -> str:
    """10000 → ``10,000``; 12.50 → ``12.5``; with its unit (``80%``)."""
    if value is None:
        return ""
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        text = f"{int(normalized):,}"
    else:
        whole, _dot, fraction = format(normalized, "f").partition(".")
        text = f"{int(whole):,}.{fraction}" if whole not in ("-0",) else f"-0.{fraction}"
    return f"{text}{unit}"


def format_rate(rate: Decimal | None) -> str:
    """0.875 → ``87.5%``: one decimal place, rounded half up (四捨五入) as Excel and
    headquarters' own reports round, so 1.0625 is 106.3% everywhere."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def format_change(current: Decimal | None, previous: Decimal | None, *, percent: bool = True) -> str:
    """The change of a figure from the previous year: ``▲2.5ポイント`` up, ``▼1.0ポイント``
    down, ``±0`` unchanged, "" when either year has no figure. Rates (fractions) are shown
    in percentage points, rounded half up like the rates themselves; other figures as is."""
    if current is None or previous is None:
        return ""
    difference = Decimal(current) - Decimal(previous)
    if percent:
        shown = (abs(difference) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if not shown:
            return "±0"
        if difference > 0:
            return _("▲%(points)sポイント") % {"points": shown}
        return _("▼%(points)sポイント") % {"points": shown}
    if not difference:
        return "±0"
    return f"{'▲' if difference > 0 else '▼'}{format_decimal(abs(difference))}"
