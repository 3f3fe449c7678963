"""The open data files: CSV as spreadsheets and the government's guidelines expect, JSON,
a Table Schema per file that matches it, and a DCAT catalogue."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from opendata.selectors import TABLES

pytestmark = pytest.mark.django_db


def csv_rows(client, scope: str, table: str) -> tuple[bytes, list[list[str]]]:
    content = client.get(reverse("opendata:file", args=[scope, table, "csv"])).content
    return content, list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("table", TABLES)
def test_each_csv_has_a_bom_one_header_row_the_local_government_code_and_its_schema(client, world, table):
    content, rows = csv_rows(client, "all", table)
    assert content.startswith(b"\xef\xbb\xbf")
    header, data = rows[0], rows[1:]
    assert header[0] == "lg_code" and data
    assert {row[0] for row in data} == {"140007"}
    schema = client.get(reverse("opendata:schema", args=[table])).json()
    assert [f["name"] for f in schema["fields"]] == header
    assert set(schema["primaryKey"]) <= set(header)
    keys = [tuple(row[header.index(k)] for k in schema["primaryKey"]) for row in data]
    assert len(keys) == len(set(keys))
    document = json.loads(client.get(reverse("opendata:file", args=["2020", table, "json"])).content)
    assert document["license"] == "CC-BY-4.0" and list(document["rows"][0]) == header


def test_numbers_have_no_separators_and_codes_stay_text(client, world):
    _content, rows = csv_rows(client, "2020", "targets")
    header = rows[0]
    values = [row[header.index("target_value")] for row in rows[1:] if row[header.index("target_value")]]
    assert values and all("," not in v for v in values)
    assert "10000" in values  # printed as 「10,000」 on the card
    schema = {f["name"]: f["type"] for f in client.get(reverse("opendata:schema", args=["targets"])).json()["fields"]}
    assert schema["lg_code"] == schema["measure_code"] == schema["indicator_code"] == "string"


def test_actuals_carry_rates_and_grades(client, world):
    _content, rows = csv_rows(client, "2020", "actuals")
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("indicator_code")] == "I-①-ア-03-1")
    pick = {name: row[header.index(name)] for name in ("target_value", "actual_value", "achievement_rate", "grade")}
    assert pick == {"target_value": "20", "actual_value": "10", "achievement_rate": "50", "grade": "C"}


def test_the_catalogue_lists_a_dataset_per_published_year_and_one_for_all(client, world):
    response = client.get(reverse("opendata:catalog"))
    assert response["Content-Type"].startswith("application/ld+json")
    catalog = response.json()
    assert catalog["@type"] == "dcat:Catalog"
    identifiers = [d["dct:identifier"] for d in catalog["dcat:dataset"]]
    assert identifiers == ["140007-kanagawa-ict-2019-all", "140007-kanagawa-ict-2019-2020"]
    first = catalog["dcat:dataset"][0]
    assert first["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    urls = [d["dcat:downloadURL"]["@id"] for d in first["dcat:distribution"]]
    assert len(urls) == 2 * len(TABLES)
    for url in urls[:2]:
        assert client.get(url.replace("http://testserver", "")).status_code == 200


def test_the_data_dictionary_names_every_column(client, world):
    page = client.get(reverse("opendata:data")).content.decode()
    for column in ("lg_code", "achievement_rate", "capped_rate", "progress_label", "grade_A"):
        assert f"<code>{column}</code>" in page


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/public/data/2020/nothing.csv", 404, "データ「nothing」はありません。"),
        ("/public/data/2021/measures.csv", 404, "2021年度は公表されていません。"),
        ("/public/data/schema/nothing.json", 404, "データ「nothing」はありません。"),
        ("/public/measures/X-99/", 404, "施策 X-99 はありません。"),
        ("/public/measures/?grade=Z", 400, "評価「Z」はありません"),
        ("/public/measures/?page=9", 404, "ページ 9 はありません（全2ページ）。"),
        ("/public/measures/?page=x", 400, "ページは1以上の数字で指定してください。"),
        ("/public/?plan=nothing", 404, "計画 nothing はありません。"),
    ],
)
def test_bad_input_on_the_public_site_gets_a_page_with_the_reason(client, world, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.content.decode()
