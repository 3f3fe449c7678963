"""Sessions end on browser close and after the idle timeout; a password headquarters set is
changed at first sign-in, through Django's validators; demo accounts only where allowed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.middleware import LAST_SEEN_KEY
from pdca.models import Profile
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sessions_end_with_the_browser_and_after_thirty_idle_minutes():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] -= seconds
    session.save()


def test_a_user_idle_longer_than_the_timeout_is_signed_out_and_told_why(client_for):
    client = client_for("staff")
    assert client.get(reverse("worklist")).status_code == 200
    _age_session(client, 31 * 60)
    response = client.get(reverse("worklist"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "30分間操作がなかったため、ログアウトしました。" in page
    assert "_auth_user_id" not in client.session


def test_activity_within_the_timeout_keeps_the_session(client_for):
    client = client_for("staff")
    client.get(reverse("worklist"))
    _age_session(client, 29 * 60)
    assert client.get(reverse("worklist")).status_code == 200
    _age_session(client, 29 * 60)  # renewed by the previous request
    assert client.get(reverse("worklist")).status_code == 200


def _must_change(user) -> None:
    Profile.objects.filter(user=user).update(must_change_password=True)


def test_a_password_set_by_headquarters_must_be_changed_before_anything_else(personas):
    _must_change(personas["staff"])
    client = Client()
    response = client.post(reverse("login"), {"username": "p-staff", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_change")
    assert "新しいパスワードに変更してください" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    weak = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and "このパスワードは一般的すぎます" in weak.content.decode()
    strong = "Kanagawa-ict-2026-spring"
    done = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert done.status_code == 302
    assert not Profile.objects.get(user=personas["staff"]).must_change_password
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_out_stays_possible_while_the_password_is_to_be_changed(client_for, personas):
    _must_change(personas["viewer"])
    client = client_for("viewer")
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_demo_accounts_are_refused_in_production_without_allow_demo(plan, settings):
    settings.DEMO_ACCOUNTS_ALLOWED = False
    with pytest.raises(CommandError, match="--allow-demo"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.filter(username="hq").exists()
    call_command("seed_demo", "--allow-demo", stdout=StringIO())
    assert User.objects.get(username="hq").profile.is_demo


def test_production_settings_allow_demo_accounts_only_with_debug():
    from tests.test_settings import run_manage

    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEMO_ACCOUNTS_ALLOWED)",
        DJANGO_SETTINGS_MODULE="kanagawa_ict.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
