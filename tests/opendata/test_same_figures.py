"""One number, one code path: the public page, the CSV, the API and the staff dashboard give
the same figures for a published year."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core.numbers import format_rate
from indicators.basis import Basis
from indicators.selectors import rollup
from measures.models import PlanYear
from opendata.services import year_publish
from pdca.models import SubmissionStatus
from tests.opendata.conftest import record, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_2019(plan, personas):
    for code, value, status in [
        ("I-①-ア-03", "10", ""),
        ("I-①-イ-02", "120", ""),
        ("II-④-ア-01", "60", ""),
        ("I-①-ア-01", None, "achieved"),
    ]:
        record(code, 2019, value, status=status)
        report(code, 2019, SubmissionStatus.APPROVED, personas["hq"])
    year_publish(plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2019), user=personas["hq"])
    return plan


def test_the_plan_and_pillar_figures_agree_everywhere(client_for, plan, published_2019):
    staff = rollup(plan=plan, fiscal_year=2019, level="plan")[None]
    pillars = rollup(plan=plan, fiscal_year=2019, level="pillar")
    assert staff.measures == 76 and staff.graded == 4
    dashboard = client_for("viewer").get(reverse("dashboard") + "?year=2019").content.decode()
    assert format_rate(staff.mean_rate) in dashboard

    client = client_for("anonymous")
    home = client.get(reverse("opendata:home") + "?year=2019").content.decode()
    assert format_rate(staff.mean_rate) in home

    content = client.get(reverse("opendata:file", args=["2019", "rollups", "csv"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    plan_row = next(r for r in rows if r["level"] == "plan")
    assert Decimal(plan_row["achievement_rate"]) == staff.mean_rate * 100
    assert int(plan_row["grade_A"]) == staff.grade_counts["A"]
    assert int(plan_row["unreported"]) == staff.unreported

    api = client.get("/api/v1/years/2019/").json()["plan"]
    assert Decimal(str(api["achievement_rate"])) == staff.mean_rate * 100
    assert api["grade_counts"] == staff.grade_counts and api["judgement"] == staff.judgement

    api_pillars = {p["group_code"]: p for p in client.get("/api/v1/pillars/?year=2019").json()["results"]}
    for pillar_id, figures in pillars.items():
        code = plan.pillars.get(pk=pillar_id).code
        assert Decimal(str(api_pillars[code]["achievement_rate"])) == figures.mean_rate * 100
        assert api_pillars[code]["grade_counts"] == figures.grade_counts


def test_a_measures_rate_agrees_on_the_staff_and_the_public_measure_page(client_for, published_2019):
    staff = client_for("viewer").get(reverse("measure_detail", args=["II-④-ア-01"]) + "?year=2019").content.decode()
    public = client_for("anonymous").get(reverse("opendata:measure_detail", args=["II-④-ア-01"])).content.decode()
    assert "75%" in public and "75.0%" in staff


def test_with_drafts_present_the_public_figures_are_the_staff_figures_on_the_approved_basis(client_for, world):
    approved = rollup(plan=world, fiscal_year=2020, level="plan", basis=Basis.APPROVED)[None]
    entered = rollup(plan=world, fiscal_year=2020, level="plan", basis=Basis.ENTERED)[None]
    assert approved.mean_rate != entered.mean_rate  # the draft and the returned report differ
    # The staff selectors on the approved basis are the public figures (the dashboard itself
    # shows them once it offers ?basis=; the first test compares it where the bases agree).
    public = client_for("anonymous")
    assert format_rate(approved.mean_rate) in public.get(reverse("opendata:home") + "?year=2020").content.decode()
    api = public.get("/api/v1/years/2020/").json()["plan"]
    assert Decimal(str(api["achievement_rate"])) == approved.mean_rate * 100
    assert api["unreported"] == approved.unreported and api["grade_counts"] == approved.grade_counts
