from django import template

from core import fiscal_year

register = template.Library()


@register.filter
def reiwa(value: int) -> str:
    return fiscal_year.reiwa_label(int(value))


@register.filter
def fiscal_year_label(value: int) -> str:
    return fiscal_year.full_label(int(value))


@register.filter
def reiwa_short(value: int) -> str:
    return fiscal_year.reiwa_short(int(value))
