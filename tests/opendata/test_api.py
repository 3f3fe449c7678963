"""The public API: filters, pagination, errors in the API's format, throttling and HTTP caching."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle

from tests.opendata.conftest import APPROVED

pytestmark = pytest.mark.django_db


def test_measures_filter_by_year_pillar_bureau_and_grade(client, world):
    rows = client.get("/api/v1/measures/?year=2020&grade=A").json()["results"]
    assert sorted(r["measure_code"] for r in rows) == ["I-①-ア-01", "I-①-イ-02"]
    rows = client.get("/api/v1/measures/?year=2020&grade=C&pillar=II").json()["results"]
    assert [r["measure_code"] for r in rows] == ["II-④-ア-01"]
    rows = client.get("/api/v1/measures/?year=2020&bureau=福祉子どもみらい局&grade=C").json()["results"]
    assert [r["measure_code"] for r in rows] == ["I-①-ア-03"]
    unreported = client.get("/api/v1/measures/?grade=unreported&page_size=1000").json()
    no_target = client.get("/api/v1/pillars/").json()["results"]
    assert unreported["count"] == 76 - len(APPROVED) - sum(p["no_target"] for p in no_target)
    assert {r["outcome"] for r in unreported["results"]} == {"unreported"}


def test_indicators_carry_targets_actuals_rates_and_grades(client, world):
    rows = client.get("/api/v1/indicators/?measure=I-①-ア-03").json()["results"]
    first = rows[0]
    assert (first["target_value"], first["actual_value"], first["achievement_rate"], first["grade"]) == (
        20,
        10,
        50,
        "C",
    )


def test_roll_ups_by_pillar_sub_pillar_field_and_bureau(client, world):
    pillars = client.get("/api/v1/pillars/?year=2020").json()["results"]
    assert {p["group_code"] for p in pillars} == {"I", "II"}
    pillar_one = next(p for p in pillars if p["group_code"] == "I")
    assert pillar_one["grade_counts"] == {"A": 2, "B": 0, "C": 1, "D": 0}
    fields = client.get("/api/v1/fields/?pillar=II").json()["results"]
    assert fields and all(f["pillar_code"] == "II" for f in fields)
    assert client.get("/api/v1/bureaus/").json()["count"] > 0
    assert client.get("/api/v1/subpillars/").json()["count"] == 7


def test_pages_of_a_list_and_a_page_beyond_the_end(client, world):
    first = client.get("/api/v1/measures/?page_size=30").json()
    assert first["count"] == 76 and len(first["results"]) == 30 and first["next"]
    assert len(client.get("/api/v1/measures/?page_size=30&page=3").json()["results"]) == 16
    beyond = client.get("/api/v1/measures/?page_size=30&page=4")
    assert beyond.status_code == 404
    assert "detail" in beyond.json()


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("year=R2", "year", "年度は西暦の数字で指定してください（例：2021）。"),
        ("pillar=IX", "pillar", "柱「IX」はありません。"),
        ("bureau=宇宙局", "bureau", "局「宇宙局」はありません。"),
        ("grade=Z", "grade", "評価「Z」はありません"),
    ],
)
def test_a_bad_filter_value_is_a_400_that_names_the_parameter(client, world, query, parameter, message):
    response = client.get(f"/api/v1/measures/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"][parameter] and message in body["detail"]


def test_unknown_codes_are_404s_with_their_reason(client, world):
    response = client.get("/api/v1/measures/X-99/")
    assert response.status_code == 404 and response.json() == {"detail": "施策 X-99 はありません。"}
    assert client.get("/api/v1/indicators/?measure=X-99").json() == {"detail": "施策 X-99 はありません。"}
    assert client.get("/api/v1/plans/no-such-plan/").json() == {"detail": "計画 no-such-plan はありません。"}
    assert client.get("/api/v1/years/abc/").status_code == 404


def test_an_english_request_gets_english_errors_where_translated(client, world):
    response = client.get("/api/v1/measures/?page=99", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Language"] == "en"


def test_responses_are_public_and_answer_conditional_requests_with_304(client, world):
    response = client.get("/api/v1/measures/?year=2020")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    again = client.get("/api/v1/measures/?year=2020", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    since = client.get("/api/v1/measures/?year=2020", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304
    page = client.get("/public/measures/?year=2020")
    assert client.get("/public/measures/?year=2020", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    assert "Cookie" not in page.get("Vary", "")


def test_anonymous_clients_are_throttled_with_retry_after(client, world, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    codes = [client.get("/api/v1/years/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/years/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "detail" in response.json()


def test_the_schema_and_the_documentation_page_need_no_cdn(client, world):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/measures/", "/api/v1/indicators/", "/api/v1/pillars/", "/api/v1/years/"} <= set(paths)
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs
    assert "<style" not in docs
