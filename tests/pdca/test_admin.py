"""The admin asks pdca.rights: headquarters edits plan data, nobody edits actuals there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Actual, Target
from indicators.services import actual_record
from measures.models import PlanYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(client, personas):
    def login(name):
        user = personas[name]
        user.is_staff = True
        user.save()
        client.force_login(user)
        return client

    return login


def test_headquarters_changing_a_target_in_the_admin_recomputes_the_grade(admin_client_for, plan):
    indicator = Target.objects.get(indicator__measure__code="I-①-ア-03", plan_year__fiscal_year=2019).indicator
    year = PlanYear.objects.get(plan=plan, fiscal_year=2019)
    actual = actual_record(indicator=indicator, plan_year=year, value=Decimal("18"), user=None)
    assert actual.grade == "B"  # 18 / 20
    target = Target.objects.get(indicator=indicator, plan_year=year)
    url = reverse("admin:indicators_target_change", args=[target.pk])
    response = admin_client_for("hq").post(url, {"text": "36", "value": "36"})
    assert response.status_code == 302
    actual.refresh_from_db()
    assert (actual.raw_rate, actual.grade) == (Decimal("0.5000"), "C")


@pytest.mark.parametrize("persona", ["staff", "viewer"])
def test_others_with_admin_access_cannot_change_plan_data(admin_client_for, persona):
    target = Target.objects.get(indicator__measure__code="I-①-ア-03", plan_year__fiscal_year=2019)
    url = reverse("admin:indicators_target_change", args=[target.pk])
    client = admin_client_for(persona)
    assert client.get(url).status_code == 200  # may look
    client.post(url, {"text": "1", "value": "1"})
    target.refresh_from_db()
    assert target.text == "20"


def test_actuals_are_read_only_in_the_admin_even_for_headquarters(admin_client_for, plan):
    indicator = Target.objects.get(indicator__measure__code="I-①-ア-03", plan_year__fiscal_year=2019).indicator
    actual = actual_record(
        indicator=indicator, plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2019), value=Decimal("18"), user=None
    )
    client = admin_client_for("hq")
    client.post(reverse("admin:indicators_actual_change", args=[actual.pk]), {"value": "1"})
    assert Actual.objects.get(pk=actual.pk).value == Decimal("18")
    assert client.get(reverse("admin:indicators_actual_add")).status_code == 403


def test_every_model_has_an_admin_page_with_japanese_labels(admin_client_for):
    page = admin_client_for("hq").get(reverse("admin:index")).content.decode()
    for label in [
        "施策",
        "成果指標",
        "目標",
        "実績",
        "年度報告",
        "取組の進捗",
        "所属",
        "分野",
        "中柱",
        "柱",
        "評価区分",
    ]:
        assert label in page, label
