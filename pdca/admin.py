"""Django admin for every model, registered here, at the top of the dependency order, so
that admin writes ask `pdca.rights` and go through the same services as the pages.

- Plan data (plan, bands, pillars, fields, sections, measures, indicators, targets) may be
  edited by headquarters; a change to a target or a band recomputes stored rates.
- Moving a measure, field, sub-pillar or section (or deleting one) changes which groups
  results count in, and renaming a bureau or section changes how their roll-ups sort, so
  the plan's roll-ups are rebuilt.
- Actuals, results, reports and progress are read-only here: they are written through the
  entry page and the workbook import, which check rights, locks and versions.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from core.cache import data_changed
from core.texts import TEXT_MAX_LENGTH, limit_widget
from indicators.group_results import group_results_rebuild
from indicators.models import Actual, Indicator, MeasureResult, Target
from indicators.services import results_recompute, target_update
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
from pdca import rights
from pdca.models import (
    Message,
    Profile,
    ReminderSent,
    ScheduleProgress,
    Submission,
    SubmissionDeadline,
    Transition,
    YearStatusChange,
)


class HqEditsMixin:
    """Headquarters may edit plan data; everyone with admin access may look."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A text's limit (core.texts) is checked on save and counted on the page, not set as
        # `maxlength`, with which a browser would silently cut a pasted text.
        # The plan's own texts (measures) carry no max_length in the model: altering their
        # tables would, on SQLite, rebuild them without the structure-stamp triggers.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.TextField):
            if db_field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
            limit_widget(field.widget, field.max_length)
        return field

    def has_view_permission(self, request, obj=None):
        return rights.role_of(request.user) is not None and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request, obj=None):
        return rights.may_edit_plan(request.user)

    def has_change_permission(self, request, obj=None):
        return rights.may_edit_plan(request.user)

    def has_delete_permission(self, request, obj=None):
        return rights.may_edit_plan(request.user)

    # Every admin write renews the data version (core.cache), in the admin's transaction.
    # (Inlines are saved by their page's ModelAdmin, which calls save_model first.)
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        data_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        data_changed()


class ReadOnlyMixin(HqEditsMixin):
    """Written only through the entry page and the workbook import."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RegroupsResultsMixin:
    """Who owns a measure, or where it sits in the plan, decides which roll-ups its results
    count in: after such a change the affected plans' roll-ups are rebuilt."""

    def plans_of(self, obj) -> list[Plan]:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for plan in self.plans_of(form.instance):
            group_results_rebuild(plan)

    def delete_model(self, request, obj):
        plans = self.plans_of(obj)
        super().delete_model(request, obj)
        for plan in plans:
            group_results_rebuild(plan)

    def delete_queryset(self, request, queryset):
        plans = {plan.pk: plan for obj in queryset for plan in self.plans_of(obj)}
        super().delete_queryset(request, queryset)
        for plan in plans.values():
            group_results_rebuild(plan)


class PlanYearInline(HqEditsMixin, admin.TabularInline):
    model = PlanYear
    extra = 0


class GradeBandInline(HqEditsMixin, admin.TabularInline):
    model = GradeBand
    extra = 0


class ProgressJudgementInline(HqEditsMixin, admin.TabularInline):
    model = ProgressJudgement
    extra = 0


@admin.register(Plan)
class PlanAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "first_fiscal_year", "last_fiscal_year"]
    inlines = [PlanYearInline, GradeBandInline, ProgressJudgementInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Bands, cap or milestone rates may have changed: stored grades follow.
        results_recompute(plan=form.instance)


@admin.register(Pillar)
class PillarAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "plan"]

    def plans_of(self, obj):
        return [obj.plan]


@admin.register(SubPillar)
class SubPillarAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "pillar"]

    def plans_of(self, obj):
        return [obj.pillar.plan]


@admin.register(Field)
class FieldAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "subpillar"]
    search_fields = ["code", "name"]

    def plans_of(self, obj):
        return [obj.subpillar.pillar.plan]


@admin.register(Bureau)
class BureauAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    """A renamed bureau re-sorts the roll-up tables (GroupResult keeps the names it sorts by)."""

    search_fields = ["name"]

    def plans_of(self, obj):
        return list(Plan.objects.filter(measures__measure_sections__section__bureau=obj).distinct())


@admin.register(Section)
class SectionAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["name", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name", "bureau__name"]

    def plans_of(self, obj):
        return list(Plan.objects.filter(measures__measure_sections__section=obj).distinct())


class MeasureSectionInline(HqEditsMixin, admin.TabularInline):
    model = MeasureSection
    extra = 0


class SubProgrammeInline(HqEditsMixin, admin.TabularInline):
    model = SubProgramme
    extra = 0


class ScheduleItemInline(HqEditsMixin, admin.TabularInline):
    model = ScheduleItem
    extra = 0
    filter_horizontal = ["years"]


@admin.register(Measure)
class MeasureAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "field", "target_fiscal_year"]
    list_filter = ["plan", "field__subpillar__pillar", "target_fiscal_year"]
    search_fields = ["code", "name"]
    inlines = [MeasureSectionInline, SubProgrammeInline, ScheduleItemInline]

    def plans_of(self, obj):
        return [obj.plan]


@admin.register(ScheduleItem)
class ScheduleItemAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["name", "measure", "order"]
    search_fields = ["name", "measure__code"]


class TargetInline(ReadOnlyMixin, admin.TabularInline):
    model = Target
    extra = 0
    fields = ["plan_year", "text", "value"]


@admin.register(Indicator)
class IndicatorAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["name", "measure", "kind", "direction", "cumulative", "unit"]
    list_filter = ["kind", "direction", "cumulative"]
    search_fields = ["name", "measure__code"]
    inlines = [TargetInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        results_recompute(plan=obj.measure.plan, measures=[obj.measure])


@admin.register(Target)
class TargetAdmin(HqEditsMixin, SimpleHistoryAdmin):
    list_display = ["indicator", "plan_year", "text", "value"]
    ordering = ["indicator", "plan_year__fiscal_year"]
    search_fields = ["indicator__name", "indicator__measure__code"]
    fields = ["indicator", "plan_year", "text", "value"]

    def get_readonly_fields(self, request, obj=None):
        return ["indicator", "plan_year"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            target_update(target=obj, text=obj.text, value=obj.value)
        else:
            super().save_model(request, obj, form, change)
            results_recompute(plan=obj.indicator.measure.plan, measures=[obj.indicator.measure])


@admin.register(Actual)
class ActualAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["indicator", "plan_year", "value", "milestone_status", "raw_rate", "grade", "updated_by"]
    ordering = ["indicator", "plan_year__fiscal_year"]
    list_filter = ["plan_year__fiscal_year", "grade"]
    search_fields = ["indicator__name", "indicator__measure__code"]


@admin.register(MeasureResult)
class MeasureResultAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["measure", "plan_year", "outcome", "rate", "grade"]
    list_filter = ["plan_year__fiscal_year", "outcome", "grade"]


@admin.register(Profile)
class ProfileAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    filter_horizontal = ["sections"]


class TransitionInline(ReadOnlyMixin, admin.TabularInline):
    model = Transition
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["measure", "plan_year", "status", "updated_by", "updated_at"]
    list_filter = ["plan_year__fiscal_year", "status"]
    search_fields = ["measure__code", "measure__name"]
    inlines = [TransitionInline]


@admin.register(ScheduleProgress)
class ScheduleProgressAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["schedule_item", "plan_year", "status", "updated_by"]
    list_filter = ["plan_year__fiscal_year", "status"]


@admin.register(GradeBand)
class GradeBandAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["plan", "code", "label", "min_rate", "order"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        results_recompute(plan=obj.plan)


@admin.register(ProgressJudgement)
class ProgressJudgementAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["plan", "label", "min_share", "order"]


@admin.register(PlanYear)
class PlanYearAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["plan", "fiscal_year", "is_open"]
    # Closing and reopening go through the years page, which records who and why.
    readonly_fields = ["is_open"]


@admin.register(SubProgramme)
class SubProgrammeAdmin(HqEditsMixin, admin.ModelAdmin):
    list_display = ["measure", "number", "name"]


@admin.register(MeasureSection)
class MeasureSectionAdmin(RegroupsResultsMixin, HqEditsMixin, admin.ModelAdmin):
    list_display = ["measure", "section", "is_primary"]

    def plans_of(self, obj):
        return [obj.measure.plan]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["submission", "from_status", "to_status", "user", "at"]


@admin.register(YearStatusChange)
class YearStatusChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["plan_year", "is_open", "user", "at", "reason"]


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Written on the entry and measure pages and by the review actions (pdca.services)."""

    list_display = ["submission", "kind", "author", "at"]
    list_filter = ["kind", "submission__plan_year__fiscal_year"]
    search_fields = ["submission__measure__code", "text"]


@admin.register(SubmissionDeadline)
class SubmissionDeadlineAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Set on the deadlines page (/deadlines/), which records who set it."""

    list_display = ["plan_year", "due_on", "set_by", "updated_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """What `send_reminders` sent, to whom, and when."""

    list_display = ["section", "sent_on", "reports", "recipients", "sent_at"]
    list_filter = ["sent_on"]
