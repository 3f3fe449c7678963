"""The upload form of the department template."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from measures.models import Plan


class TemplateUploadForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    file = forms.FileField(
        label=_("入力したテンプレート（.xlsx）"),
        help_text=_("ダウンロードしたテンプレートに入力して保存したファイルを選んでください（5 MB まで）。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, full_label(year)) for year in plan.fiscal_years]
