"""Headquarters' account pages: the login log with the locks in force, and unlocking."""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import AccountForm, AssignmentsUploadForm, PasswordSetForm
from accounts.imports import ImportRefused, assignments_read
from accounts.models import AccountEvent
from accounts.selectors import account_events, lockouts_now, login_log
from accounts.services import (
    AccountData,
    account_active_set,
    account_password_set,
    account_save,
    accounts_import_apply,
    lockout_clear,
    password_changed_by_owner,
)
from pdca import rights
from pdca.models import Role


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


def users_view(request):
    _managers_only(request)
    users = User.objects.select_related("profile").prefetch_related("profile__sections__bureau").order_by("username")
    return render(request, "accounts/users.html", {"users": users})


def _account_data(form: AccountForm, username: str) -> AccountData:
    data = form.cleaned_data
    return AccountData(username, data["full_name"], data["email"], data["role"], tuple(data["sections"]))


@require_http_methods(["GET", "POST"])
def user_create_view(request):
    _managers_only(request)
    form = AccountForm(request.POST or None)
    if form.is_valid():
        try:
            user = account_save(actor=request.user, user=None, data=_account_data(form, form.cleaned_data["username"]))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("アカウント %(username)s を作成しました。最初のパスワードを設定してください。")
                % {"username": user.username},
            )
            return redirect("user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def user_edit_view(request, pk: int):
    _managers_only(request)
    user = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    form = AccountForm(request.POST or None, initial=_account_initial(user), editing=True)
    if form.is_valid():
        try:
            account_save(actor=request.user, user=user, data=_account_data(form, user.username))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("アカウント %(username)s を保存しました。") % {"username": user.username})
            return redirect("user_edit", pk=user.pk)
    context = {"form": form, "account": user, "password_form": PasswordSetForm(), "events": _events_of(user)}
    return render(request, "accounts/user_form.html", context, status=400 if form.errors else 200)


@require_POST
def user_active_view(request, pk: int):
    _managers_only(request)
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        account_active_set(actor=request.user, user=user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            (_("%(username)s の利用を再開しました。") if active else _("%(username)s の利用を停止しました。"))
            % {"username": user.username},
        )
    return redirect("user_edit", pk=user.pk)


@require_POST
def user_password_view(request, pk: int):
    _managers_only(request)
    user = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            account_password_set(actor=request.user, user=user, password=form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            messages.success(
                request,
                _("%(username)s のパスワードを設定しました。次回ログイン時に本人が変更します。")
                % {"username": user.username},
            )
            return redirect("user_edit", pk=user.pk)
    account_form = AccountForm(initial=_account_initial(user), editing=True)
    context = {"form": account_form, "account": user, "password_form": form, "events": _events_of(user)}
    return render(request, "accounts/user_form.html", context, status=400)


def _account_initial(user) -> dict:
    profile = getattr(user, "profile", None)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "role": profile.role if profile else Role.VIEWER,
        "sections": list(profile.sections.all()) if profile else [],
    }


def _events_of(user):
    return AccountEvent.objects.filter(username=user.username).select_related("actor")[:50]


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


IMPORT_SESSION_KEY = "accounts.import"


@require_http_methods(["GET", "POST"])
def users_import_view(request):
    """Upload the year's assignments → preview (nothing written) → apply all or nothing."""
    _managers_only(request)
    if request.method == "POST" and "confirm" in request.POST:
        return _import_confirm(request)
    form = AssignmentsUploadForm(request.POST or None, request.FILES or None)
    lines, problems = None, []
    if form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            lines = assignments_read(raw)
        except ImportRefused as refusal:
            problems = refusal.problems
        else:
            text = raw.decode("utf-8-sig", errors="replace") if _is_utf8(raw) else raw.decode("cp932")
            digest = hashlib.sha256(text.encode()).hexdigest()
            request.session[IMPORT_SESSION_KEY] = {"text": text, "digest": digest}
            return render(request, "accounts/users_import.html", {"form": form, "lines": lines, "digest": digest})
    status = 400 if problems or form.errors else 200
    return render(request, "accounts/users_import.html", {"form": form, "problems": problems}, status=status)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _import_confirm(request):
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    form = AssignmentsUploadForm()
    if not pending or pending["digest"] != request.POST.get("digest"):
        problems = [_("確認の有効期限が切れたか、別のファイルが読み込まれました。もう一度アップロードしてください。")]
        return render(request, "accounts/users_import.html", {"form": form, "problems": problems}, status=400)
    try:
        lines = assignments_read(pending["text"].encode())
        count = accounts_import_apply(actor=request.user, accounts=[line.account for line in lines])
    except ImportRefused as refusal:
        return render(request, "accounts/users_import.html", {"form": form, "problems": refusal.problems}, status=400)
    except ValidationError as error:
        return render(request, "accounts/users_import.html", {"form": form, "problems": error.messages}, status=400)
    messages.success(request, _("%(count)d 件のアカウントを作成・変更しました。") % {"count": count})
    return redirect("users")
