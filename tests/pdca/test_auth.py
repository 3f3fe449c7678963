"""Signing in: the user's role comes with the user, and a user without a profile still works."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pdca.models import Profile

pytestmark = pytest.mark.django_db


def _profile_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if 'FROM "pdca_profile"' in q["sql"]]


def test_the_role_is_read_with_the_user_not_by_a_query_of_its_own(client_for):
    assert _profile_queries(client_for("staff"), reverse("worklist")) == []


def test_a_user_without_a_profile_signs_in_and_sees_no_entry_menu(client):
    user = User.objects.create_user(username="no-profile", password="x-pass-2019")
    assert not Profile.objects.filter(user=user).exists()
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("worklist") not in page


def test_password_login_uses_the_profile_backend(client, personas):
    assert client.post(reverse("login"), {"username": "p-hq", "password": "persona-pass-2019"}).status_code == 302
    assert client.session["_auth_user_backend"] == "pdca.auth.ProfileBackend"
    assert client.get(reverse("dashboard")).status_code == 200
