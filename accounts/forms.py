"""Headquarters' account forms: an account, a password it sets, the assignments CSV."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from measures.models import Section
from pdca.models import Role

CSV_MAX_BYTES = 1024 * 1024


class AccountForm(forms.Form):
    username = forms.CharField(label=_("ユーザーID"), max_length=150)
    full_name = forms.CharField(label=_("氏名"), max_length=150)
    email = forms.EmailField(label=_("メール"), required=False)
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    sections = forms.ModelMultipleChoiceField(
        label=_("所属"),
        queryset=Section.objects.select_related("bureau"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("所属担当者は、入力する施策を所管する所属を選びます（Ctrl キーで複数選択）。"),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].label_from_instance = lambda s: f"{s.bureau.name} {s.name}"
        if editing:
            self.fields["username"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.STAFF and not data.get("sections"):
            self.add_error("sections", _("所属担当者には所属を1つ以上選んでください。"))
        return data


class PasswordSetForm(forms.Form):
    password1 = forms.CharField(
        label=_("新しいパスワード"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("新しいパスワード（確認）"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("確認用のパスワードが一致しません。"))
        return data


class AssignmentsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("割り当てのCSVファイル"), help_text=_("見出し：ユーザーID, 氏名, メール, 役割, 局, 所属")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（1MBまで）。"))
        return upload
