"""Headquarters closes a plan year (read-only for everyone) and reopens it with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.texts import LimitedTextField
from measures.selectors import plan_for_request, plan_year_for, plan_years
from pdca import rights
from pdca.models import FileEvent, YearStatusChange
from pdca.services import plan_year_close, plan_year_reopen


class YearReasonForm(forms.Form):
    reason = LimitedTextField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 2}))


def _hq_only(request):
    decision = rights.may_close_years(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)


def manage_view(request):
    """Headquarters' menu of the pages that only it uses."""
    _hq_only(request)
    return render(request, "pdca/manage.html")


def file_events_view(request):
    """Who took the meeting workbook or a template, and who sent one back, newest first."""
    _hq_only(request)
    events = FileEvent.objects.select_related("user")
    year = request.GET.get("year", "")
    if year.isdigit():
        events = events.filter(fiscal_year=int(year))
    return render(request, "pdca/file_events.html", {"events": events[:300], "year": year})


def years_view(request):
    _hq_only(request)
    plan = plan_for_request(request)
    context = {
        "plan": plan,
        "years": plan_years(plan),
        "changes": YearStatusChange.objects.filter(plan_year__plan=plan).select_related("plan_year", "user")[:100],
        "form": YearReasonForm(),
    }
    return render(request, "pdca/years.html", context)


@require_POST
def year_close_view(request, fiscal_year: int):
    return _year_change(request, fiscal_year, plan_year_close, _("%(year)sを締め切りました。"))


@require_POST
def year_reopen_view(request, fiscal_year: int):
    return _year_change(request, fiscal_year, plan_year_reopen, _("%(year)sを再開しました。"))


def _year_change(request, fiscal_year: int, service, done: str):
    _hq_only(request)
    plan_year = plan_year_for(plan_for_request(request), fiscal_year)
    form = YearReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("years")
    try:
        service(plan_year=plan_year, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"year": plan_year.label})
    return redirect("years")
