"""The notice a clerk gets on signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import PlanYear
from pdca.models import SubmissionDeadline
from tests.conftest import PASSWORD
from tests.pdca.test_entry import CODE, YEAR, _submit, review_url

pytestmark = pytest.mark.django_db


def sign_in(client, username: str) -> str:
    client.logout()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_clerk_is_told_of_a_returned_report_on_signing_in(client, client_for, personas):
    _submit(client_for)
    client_for("hq").post(review_url("return"), {"comment": "根拠を添付してください。"})
    page = sign_in(client, "p-staff")
    assert "差し戻された報告が 1 件あります" in page and CODE in page
    assert "差し戻された報告" not in sign_in(client, "p-other")
    assert "差し戻された報告" not in sign_in(client, "p-hq")


def test_a_clerk_is_told_of_a_reopened_report(client, client_for, personas):
    _submit(client_for)
    client_for("hq").post(review_url("approve"), {"comment": ""})
    client_for("hq").post(review_url("reopen"), {"comment": "数値の誤り"})
    assert "承認が取り消された報告が 1 件あります" in sign_in(client, "p-staff")


@pytest.mark.parametrize(("days", "told"), [(14, "まであと14日です"), (-1, "を過ぎています"), (15, None)])
def test_a_clerk_is_told_of_a_deadline_within_two_weeks(client, personas, plan, days, told):
    SubmissionDeadline.objects.create(
        plan_year=PlanYear.objects.get(plan=plan, fiscal_year=YEAR), due_on=timezone.localdate() + timedelta(days=days)
    )
    page = sign_in(client, "p-staff")
    if told:
        assert told in page and "未提出の報告が 15 件あります" in page
    else:
        assert "提出期限（" not in page
    assert "提出期限（" not in sign_in(client, "p-viewer")
