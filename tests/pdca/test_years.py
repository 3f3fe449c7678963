"""Closed years: read-only for everyone, headquarters included, until headquarters reopens
the year with a reason; every close and reopen is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from measures.models import PlanYear
from pdca.models import Submission, SubmissionStatus, YearStatusChange
from tests.pdca.test_entry import YEAR, _approved, _state, _submit, entry_url, form_data, review_url

pytestmark = pytest.mark.django_db


def close(client_for, year=YEAR, reason=""):
    return client_for("hq").post(reverse("year_close", args=[year]), {"reason": reason})


def is_open(plan, year=YEAR) -> bool:
    return PlanYear.objects.get(plan=plan, fiscal_year=year).is_open


@pytest.mark.parametrize("persona", ["staff", "hq"])
def test_a_closed_year_refuses_every_entry_even_headquarters(client_for, plan, persona):
    close(client_for)
    before = _state()
    response = client_for(persona).post(entry_url(), form_data(achievements_text="締切後の変更"))
    assert response.status_code == 403
    assert "締め切られているため変更できません" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(("route", "arrange"), [("approve", _submit), ("return", _submit), ("reopen", _approved)])
def test_a_closed_year_refuses_headquarters_review_moves(client_for, plan, route, arrange):
    arrange(client_for)
    close(client_for)
    before = _state()
    assert client_for("hq").post(review_url(route), {"comment": "x"}).status_code == 403
    assert _state() == before


def test_the_measure_page_offers_no_edit_or_review_in_a_closed_year(client_for, plan):
    _submit(client_for)
    close(client_for)
    page = client_for("hq").get(reverse("measure_detail", args=["II-④-ア-01"]) + f"?year={YEAR}").content.decode()
    assert review_url("approve") not in page and f'href="{entry_url()}"' not in page


def test_headquarters_reopens_with_a_reason_and_both_moves_are_recorded(client_for, plan, personas):
    assert close(client_for, reason="年度末の締め").status_code == 302
    assert not is_open(plan)
    hq = client_for("hq")
    refused = hq.post(reverse("year_reopen", args=[YEAR]), {"reason": "  "}, follow=True)
    assert not is_open(plan)
    page = refused.content.decode()
    assert "年度を再開する理由を入力してください。" in page
    client_for("hq").post(reverse("year_reopen", args=[YEAR]), {"reason": "数値の誤りの訂正"})
    assert is_open(plan)
    changes = list(YearStatusChange.objects.order_by("at", "pk").values_list("is_open", "user", "reason"))
    assert changes == [(False, personas["hq"].pk, "年度末の締め"), (True, personas["hq"].pk, "数値の誤りの訂正")]
    page = client_for("hq").get(reverse("years")).content.decode()
    assert "数値の誤りの訂正" in page
    assert client_for("staff").post(entry_url(), form_data()).status_code == 302
    assert Submission.objects.get().status == SubmissionStatus.DRAFT


def test_closing_a_closed_year_again_is_refused_with_a_message(client_for, plan):
    close(client_for)
    close(client_for)
    assert YearStatusChange.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer", "anonymous"])
@pytest.mark.parametrize("route", ["year_close", "year_reopen"])
def test_only_headquarters_closes_or_reopens_a_year(client_for, plan, persona, route):
    if route == "year_reopen":
        close(client_for)
    before = is_open(plan)
    response = client_for(persona).post(reverse(route, args=[YEAR]), {"reason": "x"})
    if persona == "anonymous":
        assert response.status_code == 302 and reverse("login") in response["Location"]
    else:
        assert response.status_code == 403
    assert is_open(plan) == before
    assert YearStatusChange.objects.count() == (1 if route == "year_reopen" else 0)


@pytest.mark.parametrize(("persona", "status"), [("hq", 200), ("staff", 403), ("other_staff", 403), ("viewer", 403)])
def test_the_years_page_is_for_headquarters(client_for, persona, status):
    assert client_for(persona).get(reverse("years")).status_code == status


def test_a_year_outside_the_plan_is_not_found(client_for):
    assert client_for("hq").post(reverse("year_close", args=[1999])).status_code == 404


def test_the_admin_cannot_open_or_close_a_year_without_a_record(client_for, personas, plan):
    personas["hq"].is_staff = True
    personas["hq"].save()
    year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    change = reverse("admin:measures_planyear_change", args=[year.pk])
    client_for("hq").post(change, {"plan": plan.pk, "fiscal_year": YEAR})  # is_open unticked
    assert is_open(plan)
