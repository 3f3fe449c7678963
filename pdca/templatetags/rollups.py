"""Table rows in a template: roll-ups (the dashboard's and the plan tree's) and a measure's
history. The HTML is written in `pdca.tables`, as the tables' rows are."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe

from indicators.achievement import Band
from indicators.selectors import Rollup
from pdca import tables

register = template.Library()


@register.simple_tag
def rollup_cells(r: Rollup | None, bands: Sequence[Band]) -> SafeString:
    return mark_safe(tables.rollup_cells(r, bands))


@register.simple_tag
def tree_rows(rows, bands: Sequence[Band], fiscal_year: int) -> SafeString:
    return mark_safe(tables.tree_rows(rows, bands, fiscal_year))


@register.simple_tag
def history_rows(changes) -> SafeString:
    return mark_safe(tables.history_rows(changes))


@register.simple_tag
def transition_rows(transitions) -> SafeString:
    return mark_safe(tables.transition_rows(transitions))
