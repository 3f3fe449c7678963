"""Nothing from drafts, returned reports, unpublished years, history, comments or user names
reaches any public page, file or API response; and only published years appear."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from opendata.selectors import TABLES
from tests.opendata.conftest import APPROVED, DRAFT, RETURNED, SECRETS

pytestmark = pytest.mark.django_db

MEASURES = [*APPROVED, DRAFT, RETURNED]


def public_urls() -> list[str]:
    urls = [
        reverse("opendata:home"),
        reverse("opendata:home") + "?year=2020",
        reverse("opendata:measure_list"),
        reverse("opendata:measure_list") + "?year=2020&grade=unreported",
        reverse("opendata:trend"),
        reverse("opendata:data"),
        reverse("opendata:catalog"),
        *[reverse("opendata:measure_detail", args=[code]) for code in MEASURES],
        *[reverse("opendata:schema", args=[table]) for table in TABLES],
        *[
            reverse("opendata:file", args=[scope, table, fmt])
            for scope in ("all", "2020")
            for table in TABLES
            for fmt in ("csv", "json")
        ],
        "/api/v1/plans/",
        "/api/v1/plans/kanagawa-ict-2019/",
        "/api/v1/years/",
        "/api/v1/years/2020/",
        "/api/v1/pillars/",
        "/api/v1/subpillars/",
        "/api/v1/fields/",
        "/api/v1/bureaus/",
        "/api/v1/measures/?page_size=1000",
        "/api/v1/indicators/?page_size=1000",
        *[f"/api/v1/measures/{code}/" for code in MEASURES],
        "/api/v1/schema/",
        "/api/v1/docs/",
    ]
    return urls


def test_every_public_route_answers_anonymous_visitors_without_a_secret(client, world):
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        for secret in SECRETS:
            assert secret not in body, (url, secret)


def test_only_published_years_appear_in_the_files_and_the_api(client, world):
    rows = json.loads(client.get(reverse("opendata:file", args=["all", "actuals", "json"])).content)["rows"]
    assert {row["fiscal_year"] for row in rows} == {2020}
    years = json.loads(client.get("/api/v1/years/").content)
    assert [year["fiscal_year"] for year in years] == [2020]
    targets = json.loads(client.get(reverse("opendata:file", args=["all", "targets", "json"])).content)["rows"]
    assert {row["fiscal_year"] for row in targets} == {2020}


def test_a_draft_and_a_returned_report_count_as_unreported_with_no_value(client, world):
    rows = json.loads(client.get("/api/v1/measures/?year=2020&page_size=1000").content)["results"]
    by_code = {row["measure_code"]: row for row in rows}
    for code in (DRAFT, RETURNED):
        assert by_code[code]["outcome"] == "unreported"
        assert by_code[code]["achievement_rate"] is None
        assert by_code[code]["achievements_text"] == ""
    indicators = json.loads(client.get(f"/api/v1/indicators/?year=2020&measure={DRAFT}").content)["results"]
    assert all(row["actual_value"] is None for row in indicators)


@pytest.mark.parametrize("year", ["2021", "2019", "2030"])
def test_an_unpublished_year_is_a_404_with_its_reason(client, world, year):
    page = client.get(reverse("opendata:home") + f"?year={year}")
    assert page.status_code == 404
    assert f"{year}年度は公表されていません。" in page.content.decode()
    for url in (
        reverse("opendata:file", args=[year, "measures", "csv"]),
        f"/api/v1/years/{year}/",
        f"/api/v1/measures/?year={year}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert f"{year}年度は公表されていません。" in response.content.decode(), url


def test_nothing_is_public_before_a_year_is_published(client, plan):
    assert client.get(reverse("opendata:home")).status_code == 200
    assert client.get(reverse("opendata:file", args=["all", "measures", "csv"])).status_code == 404
    assert json.loads(client.get("/api/v1/plans/").content) == []
    assert client.get("/api/v1/measures/I-①-ア-01/").status_code == 404


def test_nothing_public_can_write(client, world):
    for url in [reverse("opendata:home"), reverse("opendata:file", args=["all", "measures", "csv"])]:
        assert client.post(url).status_code == 405
    for url in ["/api/v1/measures/", "/api/v1/years/"]:
        assert client.post(url, {}).status_code == 405
        assert client.delete(url).status_code == 405


def test_a_signed_in_visitor_sees_the_same_public_page_without_their_name(client_for, world):
    client = client_for("hq")
    body = client.get(reverse("opendata:home")).content.decode()
    assert "p-hq" not in body
    assert "ログアウト" not in body
