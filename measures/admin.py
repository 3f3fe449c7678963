from django.contrib import admin

from measures.models import (
    Bureau,
    Field,
    GradeBand,
    Measure,
    MeasureSection,
    Pillar,
    Plan,
    PlanYear,
    ProgressJudgement,
    ScheduleItem,
    Section,
    SubPillar,
    SubProgramme,
)


class PlanYearInline(admin.TabularInline):
    model = PlanYear
    extra = 0


class GradeBandInline(admin.TabularInline):
    model = GradeBand
    extra = 0


class ProgressJudgementInline(admin.TabularInline):
    model = ProgressJudgement
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "first_fiscal_year", "last_fiscal_year"]
    inlines = [PlanYearInline, GradeBandInline, ProgressJudgementInline]


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "plan"]


@admin.register(SubPillar)
class SubPillarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pillar"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "subpillar"]
    search_fields = ["code", "name"]


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name", "bureau__name"]


class MeasureSectionInline(admin.TabularInline):
    model = MeasureSection
    extra = 0


class SubProgrammeInline(admin.TabularInline):
    model = SubProgramme
    extra = 0


class ScheduleItemInline(admin.TabularInline):
    model = ScheduleItem
    extra = 0


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "target_fiscal_year"]
    list_filter = ["plan", "field__subpillar__pillar", "target_fiscal_year"]
    search_fields = ["code", "name"]
    inlines = [MeasureSectionInline, SubProgrammeInline, ScheduleItemInline]


@admin.register(ScheduleItem)
class ScheduleItemAdmin(admin.ModelAdmin):
    list_display = ["name", "measure", "order"]
    search_fields = ["name", "measure__code"]
