"""Session rules for signed-in users: an idle timeout, and a password to change first."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.two_factor import STATE_KEY
from pdca import rights

LAST_SEEN_KEY = "accounts.last_seen"
# How often a request renews the session's expiry: not every request, which would write the
# session row each time, but often enough that the timeout is the configured one to a minute.
RENEW_AFTER_SECONDS = 60


def note_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: a signal, because both login forms (ours and the admin's) end
    in django.contrib.auth.login and nothing else sees them both. It notes in the new session
    when it began (the idle clock) and whether the user has an authenticator app, so that
    the pages after it ask the database nothing more."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN_KEY] = int(time.time())
    request.session[STATE_KEY] = "device" if user_has_device(user) else "none"


class IdleTimeoutMiddleware:
    """Sign out a user whose previous request is older than SESSION_IDLE_MINUTES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    _("%(minutes)d分間操作がなかったため、ログアウトしました。もう一度ログインしてください。")
                    % {"minutes": settings.SESSION_IDLE_MINUTES},
                )
            elif last_seen is None or now - last_seen >= RENEW_AFTER_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user whose password headquarters set (a new account, a reset) changes it before
    anything else: every page leads to the password change until it is done."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_paths = None

    def __call__(self, request):
        user = request.user
        profile = getattr(user, "profile", None) if user.is_authenticated else None
        if profile is not None and profile.must_change_password:
            if self.allowed_paths is None:
                self.allowed_paths = {reverse(name) for name in self.ALLOWED}
            if request.path not in self.allowed_paths:
                messages.warning(request, _("本部事務局が設定したパスワードです。新しいパスワードに変更してください。"))
                return redirect("password_change")
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the password: a user with an authenticator app enters its code before any page;
    with DJANGO_REQUIRE_MFA=1 a headquarters user without one sets it up first."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            target = self._target(request, user)
            if target is not None:
                if self.open_paths is None:
                    names = ("two_factor_setup", "two_factor_qr", "two_factor_verify", "logout", "password_change")
                    self.open_paths = {reverse(name) for name in names}
                if request.path not in self.open_paths:
                    return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _target(request, user) -> str | None:
        if request.session.get(STATE_KEY) == "device":
            return "two_factor_verify"
        if settings.REQUIRE_MFA and rights.is_hq(user):
            return "two_factor_setup"
        return None
