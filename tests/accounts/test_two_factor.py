"""Optional TOTP two-factor sign-in; required for headquarters when DJANGO_REQUIRE_MFA=1."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(username: str, url: str = "/accounts/login/") -> Client:
    client = Client()
    client.post(url, {"username": username, "password": PASSWORD, "next": "/"})
    return client


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_user_sets_up_an_authenticator_app_and_then_needs_its_code_at_sign_in(personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting after the wrong codes tried here
    client = sign_in("p-staff")
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and reverse("two_factor_qr") in page.content.decode()
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=personas["staff"])
    assert (
        client.post(
            reverse("two_factor_setup"), {"token": "000000" if code(device) != "000000" else "111111"}
        ).status_code
        == 400
    )
    assert client.post(reverse("two_factor_setup"), {"token": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    again = sign_in("p-staff")
    response = again.get(reverse("worklist"))
    assert response.status_code == 302 and response["Location"] == reverse("two_factor_verify")
    assert again.post(reverse("two_factor_verify"), {"token": "12345"}).status_code == 400
    device.refresh_from_db()
    device.last_t = -1  # the code just used at set-up may be used once more here
    device.save()
    assert again.post(reverse("two_factor_verify"), {"token": code(device)}).status_code == 302
    assert again.get(reverse("worklist")).status_code == 200


def test_the_admin_login_asks_for_the_code_too(personas):
    TOTPDevice.objects.create(user=personas["hq"], name="app", confirmed=True)
    personas["hq"].is_staff = True
    personas["hq"].save()
    client = sign_in("p-hq", url="/admin/login/")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("two_factor_verify")


def test_without_the_requirement_two_factor_is_optional(personas):
    assert sign_in("p-hq").get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize(("username", "sent_to_setup"), [("p-hq", True), ("p-staff", False), ("p-viewer", False)])
def test_with_require_mfa_headquarters_must_set_it_up_first(settings, personas, username, sent_to_setup):
    settings.REQUIRE_MFA = True
    response = sign_in(username).get(reverse("dashboard"))
    if sent_to_setup:
        assert response.status_code == 302 and response["Location"] == reverse("two_factor_setup")
    else:
        assert response.status_code == 200
