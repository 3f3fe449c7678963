"""Headquarters' publishing page: publish a plan year (公表) and withdraw it with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from measures.selectors import plan_for_request, plan_year_for
from opendata.models import Publication
from opendata.services import year_publish, year_withdraw
from pdca import rights
from pdca.models import Submission, SubmissionStatus


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取下げの理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("取下げの理由を入力してください。")},
    )


def _page(request, *, status: int = 200, forms_by_year: dict | None = None):
    if not rights.may_see_publishing(request.user):
        raise PermissionDenied(_("公表の管理は本部事務局と閲覧者のみが見られます。"))
    plan = plan_for_request(request)
    counts = {
        row["plan_year__fiscal_year"]: row
        for row in Submission.objects.filter(plan_year__plan=plan)
        .values("plan_year__fiscal_year")
        .annotate(
            approved=Count("pk", filter=Q(status=SubmissionStatus.APPROVED)),
            waiting=Count("pk", filter=Q(status=SubmissionStatus.SUBMITTED)),
        )
    }
    publications = list(
        Publication.objects.filter(plan_year__plan=plan).select_related("plan_year", "published_by", "withdrawn_by")
    )
    measures = plan.measures.count()
    forms_by_year = forms_by_year or {}
    years = []
    for year in plan.fiscal_years:
        live = next((p for p in publications if p.plan_year.fiscal_year == year and p.is_live), None)
        row = counts.get(year, {})
        years.append(
            {
                "fiscal_year": year,
                "live": live,
                "approved": row.get("approved", 0),
                "waiting": row.get("waiting", 0),
                "measures": measures,
                "form": forms_by_year.get(year) or WithdrawForm(prefix=f"y{year}"),
            }
        )
    context = {
        "plan": plan,
        "years": years,
        "publications": publications,
        "may_publish": bool(rights.may_publish(request.user)),
    }
    return render(request, "opendata/publishing.html", context, status=status)


def publishing_view(request):
    return _page(request)


@require_POST
def publish_view(request, fiscal_year: int):
    plan_year = plan_year_for(plan_for_request(request), fiscal_year)
    try:
        year_publish(plan_year=plan_year, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(year)sを公表しました。") % {"year": plan_year.label})
    return redirect("publishing")


@require_POST
def withdraw_view(request, fiscal_year: int):
    plan_year = plan_year_for(plan_for_request(request), fiscal_year)
    form = WithdrawForm(request.POST, prefix=f"y{fiscal_year}")
    if not rights.may_publish(request.user):
        raise PermissionDenied(rights.may_publish(request.user).reason)
    if not form.is_valid():
        return _page(request, status=400, forms_by_year={fiscal_year: form})
    try:
        year_withdraw(plan_year=plan_year, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(year)sの公表を取り下げました。") % {"year": plan_year.label})
    return redirect("publishing")
