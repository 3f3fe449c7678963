"""Filters for the measure list (django-filter); every choice comes from the plan data."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from measures.models import Bureau, Field, Measure, Pillar, Plan, SubPillar


class MeasureFilter(django_filters.FilterSet):
    pillar = django_filters.ModelChoiceFilter(
        field_name="field__subpillar__pillar", queryset=Pillar.objects.none(), label=_("柱"), empty_label=_("すべて")
    )
    subpillar = django_filters.ModelChoiceFilter(
        field_name="field__subpillar", queryset=SubPillar.objects.none(), label=_("中柱"), empty_label=_("すべて")
    )
    field = django_filters.ModelChoiceFilter(queryset=Field.objects.none(), label=_("分野"), empty_label=_("すべて"))
    bureau = django_filters.ModelChoiceFilter(
        field_name="measure_sections__section__bureau",
        queryset=Bureau.objects.none(),
        label=_("所管局"),
        empty_label=_("すべて"),
        distinct=True,
    )
    target_fiscal_year = django_filters.ChoiceFilter(choices=(), label=_("達成年度"), empty_label=_("すべて"))
    q = django_filters.CharFilter(method="search", label=_("キーワード"))

    class Meta:
        model = Measure
        fields = ["pillar", "subpillar", "field", "bureau", "target_fiscal_year", "q"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        from core.fiscal_year import full_label

        self.filters["pillar"].queryset = plan.pillars.all()
        self.filters["subpillar"].queryset = SubPillar.objects.filter(pillar__plan=plan)
        self.filters["field"].queryset = Field.objects.filter(subpillar__pillar__plan=plan)
        self.filters["bureau"].queryset = Bureau.objects.filter(sections__measures__plan=plan).distinct()
        years = plan.measures.values_list("target_fiscal_year", flat=True).distinct().order_by("target_fiscal_year")
        self.filters["target_fiscal_year"].extra["choices"] = [(y, full_label(y)) for y in years]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(summary__icontains=value))


class RiskFilter(MeasureFilter):
    """The dashboard's at-risk list: by pillar and bureau."""

    class Meta:
        model = Measure
        fields = ["pillar", "bureau"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, plan=plan, **kwargs)
        for name in ["subpillar", "field", "target_fiscal_year", "q"]:
            self.filters.pop(name, None)
