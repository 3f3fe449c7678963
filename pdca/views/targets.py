"""目標値の見直し: headquarters revises a year's target with a reason and an effective date."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.texts import LimitedTextField
from indicators.models import Target
from indicators.services import target_revise
from measures.selectors import plan_for_request
from pdca import rights
from pdca.forms import DecimalTextField


class TargetRevisionForm(forms.Form):
    value = DecimalTextField(
        label=gettext_lazy("見直し後の目標値"),
        max_length=40,
        required=True,
        error_messages={"required": gettext_lazy("見直し後の目標値を入力してください。")},
    )
    reason = LimitedTextField(label=gettext_lazy("見直しの理由"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_date = forms.DateField(
        label=gettext_lazy("適用日"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("適用日は 2022-04-01 のような日付で入力してください。")},
    )


def target_revise_view(request, code: str, target_id: int):
    if not rights.may_edit_plan(request.user):
        raise PermissionDenied(_("目標値の見直しは本部事務局のみが行えます。"))
    plan = plan_for_request(request)
    target = get_object_or_404(
        Target.objects.select_related("indicator__measure__plan", "plan_year"),
        pk=target_id,
        indicator__measure__code=code,
        indicator__measure__plan=plan,
    )
    if target.indicator.is_milestone:
        raise PermissionDenied(_("定性目標の目標値は見直せません。"))
    form = TargetRevisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target_revise(
                target=target,
                text=request.POST.get("value", "").strip(),
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                user=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("目標値を見直しました。達成率は見直し後の目標値で計算し直しました。"))
            url = reverse("measure_detail", args=[code])
            return redirect(f"{url}?year={target.plan_year.fiscal_year}")
    context = {"plan": plan, "target": target, "measure": target.indicator.measure, "form": form}
    return render(request, "pdca/target_revise.html", context, status=400 if request.method == "POST" else 200)
