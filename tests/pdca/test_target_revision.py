"""目標値の見直し: headquarters revises a target with a reason and an effective date; rates use
the target in force, the original stays visible, bad input writes nothing, others may not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Actual, MeasureResult, Target, TargetRevision
from indicators.services import actual_record
from measures.models import PlanYear
from tests.conftest import measure

pytestmark = pytest.mark.django_db

# I-②-ア-01: 公開テーマ(データセット)数, 100 in R4.
CODE = "I-②-ア-01"
YEAR = 2022


def _target() -> Target:
    return Target.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR)


def _url() -> str:
    return reverse("target_revise", args=[CODE, _target().pk])


def _post(client, **overrides):
    data = {"value": "150", "reason": "早期に目標を達成したため上方修正", "effective_date": "2022-10-01"}
    data.update(overrides)
    return client.post(_url(), data)


def test_headquarters_revises_a_target_and_rates_use_it_with_the_original_kept(client_for, plan):
    indicator = _target().indicator
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(120), user=None)
    assert Actual.objects.get(indicator=indicator, plan_year=plan_year).grade == "A"

    response = _post(client_for("hq"))
    assert response.status_code == 302
    target = _target()
    assert (target.text, target.value, target.is_revised) == ("150", Decimal(150), True)
    assert (target.original_text, target.original_value) == ("100", Decimal(100))
    actual = Actual.objects.get(indicator=indicator, plan_year=plan_year)
    assert (actual.raw_rate, actual.grade) == (Decimal("0.8"), "B")
    assert MeasureResult.objects.get(measure=indicator.measure, plan_year=plan_year).grade == "B"
    revision = TargetRevision.objects.get(target=target)
    assert (revision.previous_text, revision.text, str(revision.effective_date)) == ("100", "150", "2022-10-01")

    # A second revision keeps the first original.
    assert _post(client_for("hq"), value="160", effective_date="2023-01-10").status_code == 302
    assert (_target().original_text, _target().text) == ("100", "160")

    page = client_for("viewer").get(reverse("measure_detail", args=[CODE]) + f"?year={YEAR}").content.decode()
    assert "当初：100" in page and "早期に目標を達成したため上方修正" in page and "2022年10月1日" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": "  "}, "reason", "見直しの理由を入力してください。"),
        ({"value": "百五十"}, "value", "「百五十」は数値として読めません。"),
        ({"value": ""}, "value", "見直し後の目標値を入力してください。"),
        (
            {"effective_date": "2024-01-01"},
            "effective_date",
            "適用日は計画期間（2019年4月1日〜2023年3月31日）の日付を入力してください。",
        ),
        ({"effective_date": "来年"}, "effective_date", "適用日は 2022-04-01 のような日付で入力してください。"),
    ],
)
def test_bad_input_gets_a_japanese_message_and_writes_nothing(client_for, overrides, field, message):
    before = (_target().text, _target().value)
    response = _post(client_for("hq"), **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (_target().text, _target().value) == before and not _target().is_revised
    assert not TargetRevision.objects.exists()
    # What was typed is shown again.
    for value in overrides.values():
        if value.strip():
            assert value in response.content.decode()


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer"])
def test_only_headquarters_may_revise(client_for, persona):
    client = client_for(persona)
    assert client.get(_url()).status_code == 403
    assert _post(client).status_code == 403
    assert not TargetRevision.objects.exists() and not _target().is_revised


def test_anonymous_visitors_are_sent_to_sign_in(client_for):
    client = client_for("anonymous")
    assert client.get(_url()).status_code == 302
    assert _post(client).status_code == 302
    assert not TargetRevision.objects.exists()


def test_headquarters_sees_the_form_and_the_link(client_for):
    client = client_for("hq")
    assert client.get(_url()).status_code == 200
    page = client.get(reverse("measure_detail", args=[CODE])).content.decode()
    assert _url() in page
    assert _url() not in client_for("viewer").get(reverse("measure_detail", args=[CODE])).content.decode()


def test_a_milestone_target_cannot_be_revised(client_for):
    target = Target.objects.filter(indicator__measure=measure("I-①-ア-01")).first()
    url = reverse("target_revise", args=["I-①-ア-01", target.pk])
    assert client_for("hq").get(url).status_code == 403


def test_the_dashboard_shows_the_rate_against_the_original_beside_the_revised(client_for, plan):
    indicator = _target().indicator
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(120), user=None)
    _post(client_for("hq"))
    page = client_for("hq").get(reverse("dashboard") + f"?year={YEAR}").content.decode()
    section = page[page.index("目標値を見直した指標") :]
    assert "80.0% B" in section and "120.0% A" in section


def test_the_plan_file_exports_and_reloads_revisions_without_loss(client_for, plan):
    import json

    from indicators.plan_file import plan_export, plan_export_json, plan_load

    _post(client_for("hq"))
    _post(client_for("hq"), value="160", reason="再度の見直し", effective_date="2023-01-10")
    before = list(TargetRevision.objects.values_list("previous_text", "text", "reason", "effective_date", "revised_at"))
    document = plan_export(plan)
    assert json.loads(plan_export_json(plan)) == document
    exported = next(m for m in document["measures"] if m["code"] == CODE)["indicators"][0]["targets"][str(YEAR)]
    assert exported["original"] == {"text": "100", "value": "100"} and len(exported["revisions"]) == 2

    # Reloading the same document changes nothing; reloading after the rows went restores them.
    plan_load(document)
    assert (
        list(TargetRevision.objects.values_list("previous_text", "text", "reason", "effective_date", "revised_at"))
        == before
    )
    TargetRevision.objects.all().delete()
    Target.objects.filter(pk=_target().pk).update(is_revised=False, original_text="", original_value=None)
    plan_load(document)
    target = _target()
    assert (target.text, target.original_text, target.is_revised) == ("160", "100", True)
    restored = list(
        TargetRevision.objects.values_list("previous_text", "text", "reason", "effective_date", "revised_at")
    )
    assert sorted(restored) == sorted(before)
    assert TargetRevision.objects.filter(revised_by__username="p-hq").count() == 2
