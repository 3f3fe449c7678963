"""What a reader chooses for the report: the year, further plans, and the format."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from measures.models import Plan


class ReportForm(forms.Form):
    """A GET form: `year`, `also` (other plans' codes, each in a part of its own) and `format`."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    also = forms.MultipleChoiceField(
        label=_("あわせて掲載する計画"), required=False, widget=forms.CheckboxSelectMultiple
    )
    format = forms.ChoiceField(
        label=_("形式"), choices=[("pdf", "PDF"), ("html", "HTML")], required=False, initial="pdf"
    )

    def __init__(self, data=None, *, plan: Plan, default_year: int, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("year"):
            data["year"] = str(default_year)
        super().__init__(data, **kwargs)
        self.plan = plan
        self.fields["year"].choices = [(year, full_label(year)) for year in plan.fiscal_years]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "%%(value)s は計画期間（%(period)s）の年度ではありません。"
        ) % {"period": plan.period_label}
        self.fields["also"].choices = [
            (other.code, f"{other.name}（{other.period_label}）")
            for other in Plan.objects.order_by("first_fiscal_year", "code")
        ]
        # Offered: the other plans; accepted: any plan (the main one is dropped in `clean`).
        self.fields["also"].widget.choices = [c for c in self.fields["also"].choices if c[0] != plan.code]
        self.fields["also"].error_messages["invalid_choice"] = _("計画「%(value)s」はありません。")

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        # The main plan named again adds nothing.
        codes = [code for code in cleaned.get("also") or [] if code != self.plan.code]
        cleaned["also"] = codes
        if year is None:
            return cleaned
        others = {
            other.code: other
            for other in Plan.objects.filter(code__in=codes).filter(
                Q(first_fiscal_year__lte=year) & Q(last_fiscal_year__gte=year)
            )
        }
        outside = [code for code in codes if code not in others]
        if outside:
            raise forms.ValidationError(
                _("%(plans)s は%(year)sが計画期間に含まれないため、掲載できません。")
                % {"plans": "、".join(outside), "year": full_label(year)}
            )
        cleaned["plans"] = [self.plan, *(others[code] for code in codes)]
        return cleaned
