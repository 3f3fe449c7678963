from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import Indicator, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "measure", "kind", "direction", "cumulative", "unit"]
    list_filter = ["kind", "direction", "cumulative"]
    search_fields = ["name", "measure__code"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "plan_year", "text", "value"]
    search_fields = ["indicator__name", "indicator__measure__code"]
