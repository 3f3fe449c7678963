"""Sign-in protection (django-axes): five failures for an account or from an address within
the cool-off lock further attempts out, on both login forms, with a Japanese page; headquarters
sees the login log and unlocks."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import AccountAction, AccountEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(client, username, password="wrong-password", url=LOGIN, ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_limits_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_five_failures_for_an_account_lock_it_even_with_the_right_password(personas, url):
    client = Client()
    for _ in range(4):
        assert attempt(client, "p-hq", url=url).status_code == 200
    locked = attempt(client, "p-hq", url=url)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "ログインを一時的に停止しています" in page and "15分間" in page and 'class="site-header"' in page
    right = attempt(client, "p-hq", password=PASSWORD, url=url)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_from_any_address(personas):
    client = Client()
    for n in range(5):
        attempt(client, "p-hq", ip=f"10.0.1.{n}")
    assert attempt(client, "p-hq", password=PASSWORD, ip="10.0.2.1").status_code == 429
    assert attempt(client, "p-viewer", password=PASSWORD, ip="10.0.2.1").status_code == 302  # others still sign in


def test_the_lock_is_per_address_across_accounts_a_spray(personas):
    client = Client()
    for name in ["p-hq", "p-viewer", "p-staff", "p-other", "nobody"]:
        attempt(client, name, ip="10.0.3.3")
    assert attempt(client, "p-viewer", password=PASSWORD, ip="10.0.3.3").status_code == 429
    assert attempt(client, "p-viewer", password=PASSWORD, ip="10.0.3.4").status_code == 302


def test_failures_and_successes_are_in_the_login_log_that_headquarters_reads(client_for, personas):
    anonymous = Client()
    attempt(anonymous, "p-staff", ip="10.0.4.4")
    attempt(anonymous, "p-staff", password=PASSWORD, ip="10.0.4.4")
    page = client_for("hq").get(reverse("login_log")).content.decode()
    assert page.count("p-staff") >= 2 and "10.0.4.4" in page
    assert "成功" in page and "失敗" in page


def test_headquarters_unlocks_an_account_and_the_unlock_is_recorded(client_for, personas):
    anonymous = Client()
    for _ in range(5):
        attempt(anonymous, "p-staff")
    hq = client_for("hq")
    page = hq.get(reverse("login_log")).content.decode()
    assert "ロックを解除する" in page and "ユーザーID：p-staff" in page
    response = hq.post(reverse("login_unlock"), {"username": "p-staff"}, follow=True)
    assert "p-staff のロックを解除しました。" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="p-staff").exists()
    assert attempt(anonymous, "p-staff", password=PASSWORD, ip="10.0.9.9").status_code == 302
    event = AccountEvent.objects.get()
    assert (event.action, event.username, event.actor) == (AccountAction.UNLOCK, "p-staff", personas["hq"])


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer", "anonymous"])
def test_only_headquarters_reads_the_log_or_unlocks(client_for, personas, persona):
    for _ in range(5):
        attempt(Client(), "p-staff")
    client = client_for(persona)
    read = client.get(reverse("login_log"))
    unlock = client.post(reverse("login_unlock"), {"username": "p-staff"})
    if persona == "anonymous":
        assert read.status_code == 302 and unlock.status_code == 302
        assert reverse("login") in unlock["Location"]
    else:
        assert read.status_code == 403 and unlock.status_code == 403
    assert AccessAttempt.objects.filter(username="p-staff").exists()
    assert not AccountEvent.objects.exists()


def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_saw(settings, personas):
    settings.TRUSTED_PROXIES = 1
    client = Client()
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "nobody", "password": "x"},
            REMOTE_ADDR="192.0.2.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.5.5",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.5.5"}


@pytest.mark.parametrize(("persona", "status"), [("hq", 200), ("staff", 403), ("other_staff", 403), ("viewer", 403)])
def test_headquarters_menu_leads_to_the_login_log(client_for, persona, status):
    response = client_for(persona).get(reverse("manage"))
    assert response.status_code == status
    if status == 200:
        assert reverse("login_log") in response.content.decode() and reverse("years") in response.content.decode()
