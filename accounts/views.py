"""Headquarters' account pages: the login log with the locks in force, and unlocking."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import account_events, lockouts_now, login_log
from accounts.services import lockout_clear, password_changed_by_owner
from pdca import rights


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (every validator in AUTH_PASSWORD_VALIDATORS), which also
    ends the duty to change a password headquarters set."""

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_by_owner(user=form.user)
        return response


class UnlockForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    ip_address = forms.GenericIPAddressField(required=False)


def locked_out(request, response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in, on either login form: a page in the site's
    layout that says for how long (429 Too Many Requests)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def _managers_only(request) -> None:
    decision = rights.may_manage_accounts(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)


def login_log_view(request):
    _managers_only(request)
    username = request.GET.get("username", "").strip()[:150]
    context = {
        "lockouts": lockouts_now(),
        "rows": login_log(username=username),
        "events": account_events(limit=50),
        "username": username,
    }
    return render(request, "accounts/login_log.html", context)


@require_POST
def unlock_view(request):
    _managers_only(request)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("解除する対象を読み取れませんでした。"))
        return redirect("login_log")
    target = form.cleaned_data["username"] or form.cleaned_data["ip_address"]
    try:
        lockout_clear(user=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(target)s のロックを解除しました。") % {"target": target})
    return redirect("login_log")
