"""Every page in English shows no Japanese: a small plan whose content is ASCII (names, grade
bands and judgement labels are plan data, so they are English here) is shown on every page
to every persona, and any Japanese character left is template or code text that is not
marked for translation. The language switcher's own 「日本語」 link is the one exception."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from indicators.services import actual_record, measure_results_basis_set
from measures.models import Bureau, Measure, Plan, PlanYear, Section
from opendata.services import year_publish
from pdca.models import Profile, Role, SelfAssessment, Submission, SubmissionStatus, Transition
from pdca.services import basis_reached_by

PLAN_FILE = Path(__file__).resolve().parent / "fixtures" / "english_plan.json"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60\u3000-\u303f]+")
SWITCHER = re.compile(r'<nav class="language-switcher".*?</nav>', re.S)
PERSONAS = ["staff", "other_staff", "hq", "viewer", "admin", "anonymous"]
# The headers a user import file must have are literal, in either language.
LITERALS = ["ユーザーID, 氏名, メール, 役割, 局, 所属"]
# drf-spectacular's Swagger UI page: its template sets no <html lang>.
THIRD_PARTY_PAGES = {"/api/v1/docs/"}
SAMPLE = {
    "code": "P1-1-a-01",
    "fiscal_year": "2021",
    "plan_code": "english-test-plan",
    "number": "1",
    "scope": "2021",
    "fmt": "csv",
    "table": "measures",
    "language": "en",
}


def _record(code: str, year: int, value: str | None, user, status: str = "") -> None:
    indicator = Measure.objects.get(code=code).indicators.order_by("order").first()
    plan_year = PlanYear.objects.get(plan=indicator.measure.plan, fiscal_year=year)
    actual_record(
        indicator=indicator,
        plan_year=plan_year,
        value=None if value is None else Decimal(value),
        milestone_status=status,
        description="Done as planned." if status else "",
        user=user,
    )


def _report(code: str, year: int, status: str, user, comment: str = "") -> None:
    measure = Measure.objects.get(code=code)
    plan_year = PlanYear.objects.get(plan=measure.plan, fiscal_year=year)
    submission = Submission.objects.create(
        measure=measure,
        plan_year=plan_year,
        status=status,
        updated_by=user,
        version=1,
        achievements_text="What was done.",
        self_assessment=SelfAssessment.ON_TRACK,
        issues_text="Issues.",
        next_steps_text="Next steps.",
        review_comment=comment,
    )
    Transition.objects.create(
        submission=submission,
        from_status=SubmissionStatus.SUBMITTED,
        to_status=status,
        user=user,
        comment=comment or "Fine.",
    )
    measure_results_basis_set(plan=measure.plan, reached={(measure.pk, plan_year.pk): basis_reached_by(status)})


@pytest.fixture(scope="module")
def english_world(django_db_setup, django_db_blocker):
    """Only the ASCII plan in the database (the real plan is set aside until the module ends)."""
    with django_db_blocker.unblock(), transaction.atomic():
        Measure.objects.all().delete()
        Plan.objects.all().delete()
        Section.objects.all().delete()
        Bureau.objects.all().delete()
        call_command("load_plan", str(PLAN_FILE), stdout=open("/dev/null", "w"))
        users = {}
        for name, role, section in [
            ("staff", Role.STAFF, "ICT Strategy"),
            ("other_staff", Role.STAFF, "Systems"),
            ("hq", Role.HQ, None),
            ("viewer", Role.VIEWER, None),
        ]:
            user = User.objects.create_user(username=f"en-{name}", password="x", first_name="Pat", last_name="Lee")
            Profile.objects.create(user=user, role=role).sections.set(Section.objects.filter(name=section))
            users[name] = user
        users["admin"] = User.objects.create_superuser(username="en-admin", password="x")
        Profile.objects.create(user=users["admin"], role=Role.HQ)
        clerk = users["staff"]
        _record("P1-1-a-01", 2021, "120", clerk)
        _report("P1-1-a-01", 2021, SubmissionStatus.APPROVED, clerk)
        _record("P1-2-a-01", 2021, "30", clerk)
        _report("P1-2-a-01", 2021, SubmissionStatus.RETURNED, clerk, comment="Please check the value.")
        _record("P1-2-a-02", 2021, None, users["other_staff"], status="partial")
        _report("P1-2-a-02", 2021, SubmissionStatus.SUBMITTED, users["other_staff"])
        year_publish(plan_year=PlanYear.objects.get(fiscal_year=2021), user=users["hq"])
        yield {**users, "anonymous": None}
        transaction.set_rollback(True)


def _paths(resolver: URLResolver = None, prefix: str = "") -> list[str]:
    """A GET address for every URL pattern, its arguments filled from SAMPLE."""
    paths = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                paths += _paths(pattern, route)
        elif isinstance(pattern, URLPattern):
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m[1], "§"), route)
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE.get(m[1], "§"), path)
            if "§" not in path and "\\" not in path and not path.startswith("language/"):
                paths.append("/" + path)
    admin = ["/admin/", "/admin/measures/measure/", "/admin/pdca/submission/", "/admin/auth/user/"]
    return sorted(set(paths)) + admin + ["/no-such-page/", "/measures/NO-SUCH/", "/public/measures/NO-SUCH/"]


def _japanese_in(html: str) -> list[str]:
    """Each piece of Japanese with a little of the text around it, to find it by."""
    html = SWITCHER.sub("", html)
    for literal in LITERALS:
        html = html.replace(literal, "")
    return sorted({html[max(m.start() - 30, 0) : m.end() + 30] for m in JAPANESE.finditer(html)})


@pytest.fixture
def english_client(english_world, db):
    cache.clear()

    def client_as(persona: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.cookies["django_language"] = "en"
        if english_world[persona] is not None:
            client.force_login(english_world[persona])
        return client

    return client_as


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_in_english_shows_no_japanese(english_client, persona):
    client = english_client(persona)
    found = {}
    for path in _paths():
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code in (301, 302):
            continue
        html = response.content.decode()
        japanese = _japanese_in(html)
        if "<html" in html and '<html lang="en"' not in html and path not in THIRD_PARTY_PAGES:
            japanese.append("<html> without lang=en")
        if japanese:
            found[f"{path} ({response.status_code})"] = japanese
    assert found == {}


def test_the_error_pages_in_english_show_no_japanese(english_world, db):
    request = RequestFactory().get("/")
    with translation.override("en"):
        for template in ["403.html", "403_csrf.html", "404.html", "500.html", "opendata/error.html"]:
            assert _japanese_in(render_to_string(template, {"request": request})) == [], template


def test_only_the_switcher_link_reads_japanese(english_client):
    html = english_client("anonymous").get("/public/").content.decode()
    assert re.findall(r'<a [^>]*lang="ja"[^>]*>([^<]*)</a>', html) == ["日本語"]


def test_the_english_meeting_workbook_shows_no_japanese(english_world, db, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    monkeypatch.chdir(tmp_path)
    call_command("export_workbook", "--fiscal-year", "2021", "--language", "en", stdout=open("/dev/null", "w"))
    workbook = load_workbook(tmp_path / "progress_FY2021.xlsx")
    found = [f"sheet {sheet.title}" for sheet in workbook if JAPANESE.search(sheet.title)]
    for sheet in workbook:
        for row in sheet.iter_rows():
            found += [f"{sheet.title}!{c.coordinate}: {c.value}" for c in row if JAPANESE.search(str(c.value or ""))]
        for text in (sheet.oddHeader.center.text, sheet.oddFooter.center.text, sheet.oddFooter.right.text):
            if text and JAPANESE.search(text):
                found.append(f"{sheet.title} header/footer: {text}")
    assert found == []
