"""Publishing a year (公表) and withdrawing it with a reason: headquarters only, recorded,
and the public side follows at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from measures.models import PlanYear
from opendata.models import Publication
from opendata.services import year_publish, year_withdraw
from pdca.models import SubmissionStatus
from tests.opendata.conftest import report

pytestmark = pytest.mark.django_db


def year(plan, fiscal_year: int) -> PlanYear:
    return PlanYear.objects.get(plan=plan, fiscal_year=fiscal_year)


def test_headquarters_publish_a_year_with_an_approved_report(plan, personas):
    report("I-①-ア-01", 2019, SubmissionStatus.APPROVED, personas["hq"])
    publication = year_publish(plan_year=year(plan, 2019), user=personas["hq"])
    assert publication.is_live and publication.published_by == personas["hq"]


def test_a_year_without_an_approved_report_cannot_be_published(plan, personas):
    report("I-①-ア-01", 2019, SubmissionStatus.SUBMITTED, personas["hq"])
    with pytest.raises(ValidationError) as error:
        year_publish(plan_year=year(plan, 2019), user=personas["hq"])
    assert error.value.messages == ["令和元年度 (2019)には承認済の報告がありません。承認してから公表してください。"]
    assert not Publication.objects.exists()


def test_a_published_year_cannot_be_published_twice(world, personas):
    with pytest.raises(ValidationError, match="公表済です"):
        year_publish(plan_year=year(world, 2020), user=personas["hq"])
    assert Publication.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer"])
def test_only_headquarters_publish_or_withdraw(world, personas, persona):
    with pytest.raises(PermissionDenied):
        year_publish(plan_year=year(world, 2021), user=personas[persona])
    with pytest.raises(PermissionDenied):
        year_withdraw(plan_year=year(world, 2020), user=personas[persona], reason="誤り")
    assert Publication.objects.get().is_live


def test_a_withdrawal_needs_a_reason_and_keeps_it(world, personas, client):
    with pytest.raises(ValidationError):
        year_withdraw(plan_year=year(world, 2020), user=personas["hq"], reason="  ")
    assert Publication.objects.get().is_live
    year_withdraw(plan_year=year(world, 2020), user=personas["hq"], reason="数値の誤りを訂正するため")
    publication = Publication.objects.get()
    assert (publication.withdrawal_reason, publication.withdrawn_by) == ("数値の誤りを訂正するため", personas["hq"])
    assert client.get(reverse("opendata:home") + "?year=2020").status_code == 404
    assert client.get("/api/v1/years/2020/").status_code == 404
    # Published again later: a new record, the old one kept.
    year_publish(plan_year=year(world, 2020), user=personas["hq"])
    assert Publication.objects.count() == 2
    assert client.get("/api/v1/years/2020/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 403), ("other_staff", 403), ("hq", 200), ("viewer", 200), ("anonymous", 302)],
)
def test_the_publishing_page_for_each_persona(client_for, world, persona, status):
    response = client_for(persona).get(reverse("publishing"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "公表中" in body
        assert ("公表を取り下げる" in body) == (persona == "hq")


@pytest.mark.parametrize("persona", ["staff", "other_staff", "viewer", "anonymous"])
def test_no_one_but_headquarters_publishes_through_the_page(client_for, world, persona):
    client = client_for(persona)
    client.post(reverse("publishing_publish", args=[2021]))
    client.post(reverse("publishing_withdraw", args=[2020]), {"y2020-reason": "誤り"})
    assert list(Publication.objects.values_list("plan_year__fiscal_year", "withdrawn_at")) == [(2020, None)]


def test_headquarters_publish_and_withdraw_through_the_page(client_for, world):
    client = client_for("hq")
    response = client.post(reverse("publishing_publish", args=[2021]), follow=True)
    assert "令和3年度 (2021)を公表しました。" in response.content.decode()
    response = client.post(reverse("publishing_withdraw", args=[2021]), {"y2021-reason": ""})
    assert response.status_code == 400
    assert "取下げの理由を入力してください。" in response.content.decode()
    assert Publication.objects.filter(withdrawn_at__isnull=True).count() == 2
    response = client.post(reverse("publishing_withdraw", args=[2021]), {"y2021-reason": "確認中"}, follow=True)
    assert "令和3年度 (2021)の公表を取り下げました。" in response.content.decode()
    assert Publication.objects.get(plan_year__fiscal_year=2021).withdrawal_reason == "確認中"


def test_a_reopened_report_leaves_the_public_figures_at_once(client, world, personas):
    from pdca.models import Submission
    from pdca.services import submission_reopen

    before = client.get("/api/v1/measures/?year=2020&page_size=1000")
    submission = Submission.objects.get(measure__code="I-①-イ-02", plan_year__fiscal_year=2020)
    submission_reopen(submission=submission, reviewer=personas["hq"], reason="訂正")
    after = client.get("/api/v1/measures/?year=2020&page_size=1000", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    row = next(r for r in after.json()["results"] if r["measure_code"] == "I-①-イ-02")
    assert row["outcome"] == "unreported"


def test_a_publication_renews_the_kept_public_state_at_once(
    client, world, personas, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_STATE_SECONDS = 60
    before = client.get("/api/v1/years/")
    assert [y["fiscal_year"] for y in before.json()] == [2020]
    with django_capture_on_commit_callbacks(execute=True):
        year_publish(plan_year=year(world, 2021), user=personas["hq"])
    after = client.get("/api/v1/years/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and [y["fiscal_year"] for y in after.json()] == [2020, 2021]
    with django_capture_on_commit_callbacks(execute=True):
        year_withdraw(plan_year=year(world, 2021), user=personas["hq"], reason="確認のため")
    assert [y["fiscal_year"] for y in client.get("/api/v1/years/").json()] == [2020]
