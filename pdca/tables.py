"""Tables (django-tables2): sortable and paginated by links, so they work without JavaScript."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from core.numbers import format_rate
from measures.models import Measure


class MeasureTable(tables.Table):
    code = tables.Column(verbose_name=_("施策No"), order_by=("order",))
    name = tables.Column(verbose_name=_("施策名"))
    field = tables.Column(verbose_name=_("分野"), accessor="field__name", order_by=("field__code", "order"))
    primary_bureau = tables.Column(verbose_name=_("所管局"))
    primary_section = tables.Column(verbose_name=_("所属"))
    target_fiscal_year = tables.Column(verbose_name=_("達成年度"))
    result = tables.Column(verbose_name=_("評価"), empty_values=(), orderable=False)

    class Meta:
        model = Measure
        fields = ["code", "name", "field", "primary_bureau", "primary_section", "target_fiscal_year"]
        attrs = {"class": "data-table"}
        per_page = 100

    def __init__(self, *args, fiscal_year: int, results: dict, **kwargs):
        self.fiscal_year = fiscal_year
        self.results = results
        super().__init__(*args, **kwargs)

    def render_code(self, value, record):
        url = reverse("measure_detail", kwargs={"code": record.code})
        return format_html('<a href="{}?year={}">{}</a>', url, self.fiscal_year, value)

    def render_target_fiscal_year(self, value):
        return full_label(value)

    def render_result(self, record):
        result = self.results.get(record.pk)
        if result is None:
            return "—"
        if result.grade:
            return format_html(
                '<span class="grade grade-{}">{}</span> {}', result.grade, result.grade, format_rate(result.rate)
            )
        return result.get_outcome_display()
