"""Optional TOTP two-factor sign-in (django-otp), required for headquarters when
DJANGO_REQUIRE_MFA=1: the pages to set up an authenticator app and to enter its code."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountAction, AccountEvent

# Whether the signed-in user has an authenticator app, noted in the session at sign-in
# (accounts.middleware.note_sign_in), so that no page asks the database again.
STATE_KEY = "accounts.two_factor"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("認証アプリの6桁のコード"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("認証アプリ"), confirmed=False)


@require_http_methods(["GET", "POST"])
def setup_view(request):
    """Set up an authenticator app: scan the code, type the first six digits."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, _("二段階認証は設定済みです。"))
        return redirect("home")
    device = _pending_device(request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session[STATE_KEY] = "device"
            AccountEvent.objects.create(
                actor=request.user,
                action=AccountAction.CHANGE,
                username=request.user.username,
                detail=_("二段階認証を設定"),
            )
            messages.success(request, _("二段階認証を設定しました。次回からログイン時にコードを入力します。"))
            return redirect("home")
        form.add_error("token", _("コードが正しくありません。アプリに表示されている最新のコードを入力してください。"))
    context = {"form": form, "secret": b32encode(device.bin_key).decode()}
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


def qr_view(request):
    """The set-up code as an SVG image (the page shows it with <img>)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    output = BytesIO()
    image.save(output)
    return HttpResponse(output.getvalue(), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
def verify_view(request):
    """The second step of signing in: the code from the user's authenticator app."""
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("コードが正しくありません。アプリに表示されている最新のコードを入力してください。"))
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)
