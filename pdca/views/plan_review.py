"""The plan-period review (総括評価): the page per plan, and each measure's final evaluation
written by its section and headquarters with a submit / approve flow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.texts import LimitedTextField
from indicators.basis import Basis
from measures.selectors import measure_card, plan_for_request
from pdca import plan_review, rights
from pdca.models import FinalReview, Role
from pdca.selectors import chosen_basis
from pdca.services import ConflictError, final_review_decide, final_review_save


class FinalReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    evaluation_text = LimitedTextField(
        label=gettext_lazy("総括評価（目標年次までの取組結果の分析・評価）"), widget=forms.Textarea(attrs={"rows": 8})
    )


def plan_review_view(request):
    plan = plan_for_request(request)
    basis = chosen_basis(request.user, request.GET.get("basis"))
    rows, page = plan_review.measure_page(plan, basis, request.GET.get("page"))
    context = {
        "plan": plan,
        "basis": basis,
        "bases": Basis.choices if rights.may_choose_basis(request.user) else None,
        "summary": plan_review.summary(plan, basis),
        "verdicts": plan_review.VERDICT_LABELS,
        "rows": rows,
        "page": page,
        "is_hq": rights.is_hq(request.user),
        "may_write": rights.role_of(request.user) in (Role.HQ, Role.STAFF),
    }
    return render(request, "pdca/plan_review.html", context)


def final_review_view(request, code: str):
    plan = plan_for_request(request)
    measure = measure_card(plan, code).measure
    review = FinalReview.objects.filter(measure=measure).first()
    decision = rights.may_write_final_review(request.user, measure, review)
    if not decision:
        raise PermissionDenied(decision.reason)
    initial = {"version": review.version if review else 0, "evaluation_text": review.evaluation_text if review else ""}
    form = FinalReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            final_review_save(
                user=request.user,
                measure=measure,
                text=form.cleaned_data["evaluation_text"],
                expected_version=form.cleaned_data["version"],
                submit="submit" in request.POST,
            )
        except ConflictError:
            form.add_error(None, _("ほかの人が先に保存しました。内容を確かめてからもう一度保存してください。"))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("総括評価を保存しました。"))
            return redirect(reverse("plan_review") + f"#measure-{measure.code}")
    context = {"plan": plan, "measure": measure, "review": review, "form": form}
    return render(request, "pdca/final_review.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def final_review_decide_view(request, code: str):
    plan = plan_for_request(request)
    measure = measure_card(plan, code).measure
    review = FinalReview.objects.filter(measure=measure).first()
    decision = rights.may_decide_final_review(request.user, review)
    if not decision:
        raise PermissionDenied(decision.reason)
    approve = request.POST.get("action") == "approve"
    try:
        final_review_decide(
            review=review,
            reviewer=request.user,
            approve=approve,
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("総括評価を承認しました。") if approve else _("総括評価を差し戻しました。"))
    return redirect(reverse("plan_review") + f"#measure-{measure.code}")
