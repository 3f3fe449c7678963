"""Shared test set-up: the real plan loaded once per session, and named personas."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from measures.models import Measure, Plan, Section
from pdca.models import Profile, Role

PLAN_FILE = Path(settings.BASE_DIR) / "fixtures" / "kanagawa_ict_2019.json"
PASSWORD = "persona-pass-2019"


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} ({'DATABASE_URL' if engine != 'sqlite3' else 'embedded SQLite'})"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real plan once; every test then runs inside a transaction that rolls back."""
    with django_db_blocker.unblock():
        call_command("load_plan", str(PLAN_FILE), stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache, so that its query counts do not depend on the
    tests run before it."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language. LocaleMiddleware activates a request's
    language on the test's own thread and leaves it active after the response, so an English
    request in one test would otherwise make the next test's Japanese messages English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def plan(db) -> Plan:
    return Plan.objects.get(code="kanagawa-ict-2019")


def make_user(username: str, role: str, sections: list[Section] = ()) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    profile = Profile.objects.create(user=user, role=role)
    profile.sections.set(sections)
    return user


def section(bureau: str, name: str) -> Section:
    return Section.objects.get(bureau__name=bureau, name=name)


@pytest.fixture
def personas(db) -> dict[str, User | None]:
    """staff (総務局 ICT・データ戦略課), other_staff (国際文化観光局 国際観光課), hq, viewer, anonymous."""
    return {
        "staff": make_user("p-staff", Role.STAFF, [section("総務局", "ICT・データ戦略課")]),
        "other_staff": make_user("p-other", Role.STAFF, [section("国際文化観光局", "国際観光課")]),
        "hq": make_user("p-hq", Role.HQ),
        "viewer": make_user("p-viewer", Role.VIEWER),
        "anonymous": None,
    }


@pytest.fixture
def client_for(client, personas):
    """client_for("staff") → a test client logged in as that persona (anonymous: logged out)."""

    def login(name: str):
        client.logout()
        user = personas[name]
        if user is not None:
            client.force_login(user)
        return client

    return login


def measure(code: str) -> Measure:
    return Measure.objects.select_related("plan").get(code=code)
