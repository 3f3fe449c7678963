from django import template

from core.numbers import format_decimal, format_rate

register = template.Library()


@register.filter
def rate(value) -> str:
    return format_rate(value)


@register.filter
def number(value, unit: str = "") -> str:
    return format_decimal(value, unit=unit or "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
