from decimal import Decimal

from django import template

from core.numbers import format_change, format_decimal, format_rate

register = template.Library()


@register.filter
def rate(value) -> str:
    # A missing object resolves to "" in templates; that is "no rate", not an error.
    return format_rate(value if isinstance(value, Decimal) else None)


@register.filter
def number(value, unit: str = "") -> str:
    return format_decimal(value if isinstance(value, Decimal) else None, unit=unit or "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def change_from(current, previous) -> str:
    """``{{ rate|change_from:previous_rate }}``: ▲/▼ with the difference in percentage points."""
    return format_change(
        current if isinstance(current, Decimal) else None, previous if isinstance(previous, Decimal) else None
    )
