"""The entry form for one measure and year, and the review forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.numbers import ValueParseError, format_decimal, parse_decimal
from core.texts import TEXT_MAX_LENGTH, LimitedTextField
from indicators.models import Actual, Indicator, MilestoneStatus, Target
from measures.models import ScheduleItem
from pdca.models import ProgressStatus, ScheduleProgress, SelfAssessment, Submission
from pdca.services import Entry, IndicatorEntry, ProgressEntry


class DecimalTextField(forms.CharField):
    """A number as clerks type it (１０，０００, 80%), read by core.numbers."""

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_decimal(text, required=self.required, allow_negative=self.allow_negative)
        except ValueParseError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


@dataclass
class IndicatorFields:
    indicator: Indicator
    target: Target | None
    value: forms.BoundField | None
    status: forms.BoundField | None
    description: forms.BoundField
    warnings: list = field(default_factory=list)

    @property
    def confirm_codes(self) -> str:
        return ",".join(warning.code for warning in self.warnings)


@dataclass
class ScheduleFields:
    item: ScheduleItem
    status: forms.BoundField
    note: forms.BoundField


class EntryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    achievements_text = LimitedTextField(label=_("取組実績"))
    self_assessment = forms.ChoiceField(
        label=_("評価（自己評価）"),
        required=False,
        choices=[("", _("選択してください"))] + list(SelfAssessment.choices),
    )
    issues_text = LimitedTextField(label=_("課題（Check）"))
    next_steps_text = LimitedTextField(label=_("今後の方向性（Act）"))

    def __init__(self, *args, indicators, targets, schedule_items, **kwargs):
        super().__init__(*args, **kwargs)
        # Unconfirmed plausibility warnings by indicator id, set by the view when a save
        # raised indicators.services.PlausibilityPending.
        self.warnings: dict[int, list] = {}
        self.indicators = list(indicators)
        self.targets = targets  # None for a posted form until the view must show it again
        self.schedule_items = list(schedule_items)
        for indicator in self.indicators:
            prefix = f"ind-{indicator.pk}"
            if indicator.is_milestone:
                self.fields[f"{prefix}-status"] = forms.ChoiceField(
                    label=_("達成状況"),
                    required=False,
                    choices=[("", _("選択してください"))] + list(MilestoneStatus.choices),
                )
            else:
                self.fields[f"{prefix}-value"] = DecimalTextField(
                    label=_("実績値"),
                    max_length=40,
                    help_text=_("全角・半角の数字、カンマ、% のどれでも入力できます。"),
                )
                # Ticked beside plausibility warnings (indicators.plausibility): the codes of
                # the warnings shown, which the clerk confirms by keeping the value.
                self.fields[f"{prefix}-confirm"] = forms.CharField(required=False, max_length=200)
            self.fields[f"{prefix}-description"] = LimitedTextField(
                label=_("実施内容"), widget=forms.Textarea(attrs={"rows": 2})
            )
        for item in self.schedule_items:
            prefix = f"sch-{item.pk}"
            self.fields[f"{prefix}-status"] = forms.ChoiceField(
                label=_("進捗"), required=False, choices=[("", _("選択してください"))] + list(ProgressStatus.choices)
            )
            self.fields[f"{prefix}-note"] = LimitedTextField(label=_("補足"), widget=forms.TextInput)

    @staticmethod
    def initial_for(submission: Submission, actuals: dict[int, Actual], progress: dict[int, ScheduleProgress]) -> dict:
        initial = {
            "version": submission.version,
            "achievements_text": submission.achievements_text,
            "self_assessment": submission.self_assessment,
            "issues_text": submission.issues_text,
            "next_steps_text": submission.next_steps_text,
        }
        for indicator_id, actual in actuals.items():
            initial[f"ind-{indicator_id}-value"] = format_decimal(actual.value)
            initial[f"ind-{indicator_id}-status"] = actual.milestone_status
            initial[f"ind-{indicator_id}-description"] = actual.description
        for item_id, row in progress.items():
            initial[f"sch-{item_id}-status"] = row.status
            initial[f"sch-{item_id}-note"] = row.note
        return initial

    def indicator_fields(self) -> list[IndicatorFields]:
        rows = []
        for indicator in self.indicators:
            prefix = f"ind-{indicator.pk}"
            rows.append(
                IndicatorFields(
                    indicator=indicator,
                    target=self.targets.get(indicator.pk),
                    value=self[f"{prefix}-value"] if not indicator.is_milestone else None,
                    status=self[f"{prefix}-status"] if indicator.is_milestone else None,
                    description=self[f"{prefix}-description"],
                    warnings=self.warnings.get(indicator.pk, []),
                )
            )
        return rows

    def schedule_fields(self) -> list[ScheduleFields]:
        return [
            ScheduleFields(item, self[f"sch-{item.pk}-status"], self[f"sch-{item.pk}-note"])
            for item in self.schedule_items
        ]

    def to_entry(self) -> Entry:
        data = self.cleaned_data
        return Entry(
            indicators=[
                IndicatorEntry(
                    indicator=indicator,
                    value=data.get(f"ind-{indicator.pk}-value"),
                    milestone_status=data.get(f"ind-{indicator.pk}-status") or "",
                    description=data.get(f"ind-{indicator.pk}-description", ""),
                    typed=None if indicator.is_milestone else self.data.get(f"ind-{indicator.pk}-value", ""),
                    confirmed=None
                    if indicator.is_milestone
                    else frozenset(filter(None, (data.get(f"ind-{indicator.pk}-confirm") or "").split(","))),
                )
                for indicator in self.indicators
            ],
            progress=[
                ProgressEntry(item, data.get(f"sch-{item.pk}-status") or "", data.get(f"sch-{item.pk}-note", ""))
                for item in self.schedule_items
            ],
            achievements_text=data["achievements_text"],
            self_assessment=data["self_assessment"],
            issues_text=data["issues_text"],
            next_steps_text=data["next_steps_text"],
        )


class MessageForm(forms.Form):
    """A message into a report's conversation; the service checks the text (pdca.services)."""

    text = LimitedTextField(
        label=_("本部とのやりとりにメッセージを書く"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("{limit}文字以内。差戻しへの回答や質問を書いてください。"), limit=f"{TEXT_MAX_LENGTH:,}"
        ),
    )
    back = forms.CharField(widget=forms.HiddenInput, required=False)
