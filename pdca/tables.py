"""Tables (django-tables2): sortable and paginated by links, so they work without JavaScript."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from core.numbers import format_rate
from measures.models import Measure
from pdca.models import SubmissionStatus


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


class DepartmentTable(tables.Table):
    """Bureaus and sections with what they own and how it stands; sortable by link."""

    bureau = tables.Column(verbose_name=_("局"))
    section = tables.Column(verbose_name=_("所属"))
    owned = tables.Column(verbose_name=_("担当施策数"), attrs={"td": {"class": "num"}})
    reported = tables.Column(verbose_name=_("評価済"), attrs={"td": {"class": "num"}})
    unreported = tables.Column(verbose_name=_("未報告"), attrs={"td": {"class": "num"}})
    mean_rate = tables.Column(verbose_name=_("平均達成率"), attrs={"td": {"class": "num"}})
    grade = tables.Column(verbose_name=_("評価"))
    grades = tables.Column(verbose_name=_("評価の内訳"), orderable=False)

    class Meta:
        attrs = {"class": "data-table"}
        row_attrs = {"class": lambda record: "highlight" if record.get("mine") else ""}
        order_by = ("bureau", "section")

    def render_mean_rate(self, value):
        return format_rate(value)

    def render_grade(self, value):
        return format_html('<span class="grade grade-{}">{}</span>', value, value) if value else "—"

    def render_section(self, value, record):
        if record.get("mine"):
            return format_html('{} <span class="mine">{}</span>', value, _("（担当）"))
        return value


class RiskTable(tables.Table):
    """The dashboard's measures at risk, paged and sortable by links."""

    code = tables.Column(verbose_name=_("施策No"), order_by=("order",))
    name = tables.Column(verbose_name=_("施策名"))
    sections = tables.Column(verbose_name=_("所管"), empty_values=(), orderable=False)
    risk_rate = tables.Column(verbose_name=_("達成率"), attrs={"td": {"class": "num"}})
    reasons = tables.Column(verbose_name=_("理由"), empty_values=(), orderable=False)
    risk_status = tables.Column(verbose_name=_("報告の状態"))

    class Meta:
        attrs = {"class": "data-table"}
        row_attrs = {"class": lambda record, table: "highlight" if record.pk in table.my_measures else ""}

    def __init__(self, *args, fiscal_year: int, low_bands: list[str], my_measures: set[int], **kwargs):
        self.fiscal_year = fiscal_year
        self.low_bands = low_bands
        self.my_measures = my_measures
        super().__init__(*args, **kwargs)

    def render_code(self, value, record):
        url = reverse("measure_detail", kwargs={"code": record.code})
        mine = format_html('<span class="mine">{}</span>', _("（担当）")) if record.pk in self.my_measures else ""
        return format_html('<a href="{}?year={}">{}</a>{}', url, self.fiscal_year, value, mine)

    def render_sections(self, record):
        return "、".join(ms.section.name for ms in record.measure_sections.all())

    def render_risk_rate(self, value):
        return format_rate(value)

    def render_reasons(self, record):
        reasons = []
        if record.risk_grade in self.low_bands:
            reasons.append(_("評価%(grade)s") % {"grade": record.risk_grade})
        if record.risk_outcome == "unreported":
            reasons.append(_("未報告"))
        if record.risk_delayed:
            reasons.append(_("取組の遅延"))
        return "、".join(str(reason) for reason in reasons)

    def render_risk_status(self, value):
        return SubmissionStatus(value).label
