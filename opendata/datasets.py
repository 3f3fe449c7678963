"""The open data files: each table's columns (one definition, from which the CSV header, the
JSON, the Frictionless Table Schema, the data dictionary page and the API's serializers are
made), the CSV and JSON writers, and the DCAT catalogue."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from indicators.selectors import plan_bands
from measures.models import Plan
from opendata.selectors import local_government_code

LICENSE_ID = "CC-BY-4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_TITLE = _("クリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0)")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless types: string, integer, number, boolean
    title: str
    description: str = ""


def _common(*, year: bool = True) -> list[Column]:
    columns = [
        Column("lg_code", "string", _("全国地方公共団体コード"), _("公表する団体のコード（神奈川県は140007）。")),
        Column("plan_code", "string", _("計画コード")),
    ]
    if year:
        columns.append(Column("fiscal_year", "integer", _("年度"), _("西暦の年度（4月〜翌3月）。2021は令和3年度。")))
    return columns


RATE_NOTE = _("百分率。上限適用前の値（150は150%）。未報告・対象外は空欄。")

TABLE_TITLES = {
    "measures": _("施策の年度評価"),
    "indicators": _("成果指標"),
    "targets": _("目標値"),
    "actuals": _("実績値・達成率・評価"),
    "schedule": _("取組スケジュールの進捗"),
    "rollups": _("柱・中柱・分野・局ごとの集計"),
}

TABLE_DESCRIPTIONS = {
    "measures": _("公表年度ごとの各施策の達成率（指標の上限適用後の平均）、評価、自己評価と課題・今後の方向性。"),
    "indicators": _("各施策の成果指標の定義（種類、方向、単位、基準値）。"),
    "targets": _("公表年度ごとの各成果指標の目標（原文と数値）。"),
    "actuals": _("公表年度ごとの各成果指標の目標、承認済の実績、達成率と評価。"),
    "schedule": _("公表年度ごとの取組スケジュールの予定と、承認済の報告による進捗。"),
    "rollups": _("公表年度ごとの計画全体・柱・中柱・分野・局の平均達成率、評価別の施策数、進捗判定。"),
}


def columns(table: str, plan: Plan | None) -> list[Column]:
    """The columns of a table, in file order. The roll-ups have one count column per grade of
    the plan's own bands."""
    if table == "measures":
        return [
            *_common(),
            Column("measure_code", "string", _("施策No")),
            Column("measure_name", "string", _("施策名")),
            Column("pillar_code", "string", _("柱コード")),
            Column("subpillar_code", "string", _("中柱コード")),
            Column("field_code", "string", _("分野コード")),
            Column("field_name", "string", _("分野")),
            Column("bureaus", "string", _("所管局"), _("複数のときは「 / 」区切り。")),
            Column("sections", "string", _("所管所属"), _("複数のときは「 / 」区切り。")),
            Column("target_fiscal_year", "integer", _("達成年度")),
            Column(
                "outcome", "string", _("状態コード"), _("graded（評価済）、no_target（対象外）、unreported（未報告）。")
            ),
            Column("outcome_label", "string", _("状態")),
            Column(
                "achievement_rate",
                "number",
                _("達成率（%）"),
                _("指標ごとの上限適用後の達成率の平均（百分率）。未報告・対象外は空欄。"),
            ),
            Column("grade", "string", _("評価記号")),
            Column("grade_label", "string", _("評価")),
            Column("self_assessment", "string", _("自己評価コード")),
            Column("self_assessment_label", "string", _("自己評価")),
            Column("achievements_text", "string", _("取組実績")),
            Column("issues_text", "string", _("課題")),
            Column("next_steps_text", "string", _("今後の方向性")),
        ]
    if table == "indicators":
        return [
            *_common(year=False),
            Column("measure_code", "string", _("施策No")),
            Column("indicator_code", "string", _("指標コード"), _("施策No-指標の順序。")),
            Column("subprogramme_number", "integer", _("施策内の取組番号"), _("(1)、(2)に分かれる施策のみ。")),
            Column("indicator_name", "string", _("成果指標")),
            Column("kind", "string", _("種類コード"), _("count、percentage、upper_limit、milestone。")),
            Column("kind_label", "string", _("種類")),
            Column("direction", "string", _("方向"), _("higher（高いほど良い）、lower（低いほど良い）。")),
            Column("cumulative", "boolean", _("累計")),
            Column("unit", "string", _("単位")),
            Column("baseline", "number", _("基準値")),
        ]
    if table == "targets":
        return [
            *_common(),
            Column("measure_code", "string", _("施策No")),
            Column("indicator_code", "string", _("指標コード")),
            Column("target_text", "string", _("目標（原文）")),
            Column("target_value", "number", _("目標値")),
        ]
    if table == "actuals":
        return [
            *_common(),
            Column("measure_code", "string", _("施策No")),
            Column("indicator_code", "string", _("指標コード")),
            Column("indicator_name", "string", _("成果指標")),
            Column("unit", "string", _("単位")),
            Column("target_text", "string", _("目標（原文）")),
            Column("target_value", "number", _("目標値")),
            Column("actual_value", "number", _("実績値"), _("承認済の報告の値のみ。")),
            Column(
                "milestone_status", "string", _("達成状況コード"), _("定性目標のみ：achieved、partial、not_achieved。")
            ),
            Column("milestone_status_label", "string", _("達成状況")),
            Column("actual_description", "string", _("実施内容")),
            Column("achievement_rate", "number", _("達成率（%）"), RATE_NOTE),
            Column("capped_rate", "number", _("達成率（上限適用後、%）")),
            Column("grade", "string", _("評価記号")),
            Column("grade_label", "string", _("評価")),
            Column("outcome", "string", _("状態コード")),
            Column("outcome_label", "string", _("状態")),
        ]
    if table == "schedule":
        return [
            *_common(),
            Column("measure_code", "string", _("施策No")),
            Column("item_order", "integer", _("取組の順序")),
            Column("subprogramme_number", "integer", _("施策内の取組番号")),
            Column("item_name", "string", _("年度ごとの取組")),
            Column("planned", "boolean", _("この年度の予定"), _("取組スケジュールでこの年度に実施する予定か。")),
            Column("progress", "string", _("進捗コード"), _("not_started、in_progress、done、delayed。")),
            Column("progress_label", "string", _("進捗")),
        ]
    if table == "rollups":
        return [
            *_common(),
            Column("level", "string", _("集計単位"), _("plan、pillar、subpillar、field、bureau。")),
            Column("group_code", "string", _("コード"), _("柱・中柱・分野のコード、局は局名。")),
            Column("group_name", "string", _("名称")),
            Column("pillar_code", "string", _("柱コード"), _("柱・中柱・分野が属する柱。計画全体と局は空欄。")),
            Column("measures", "integer", _("施策数")),
            Column("achievement_rate", "number", _("平均達成率（%）")),
            Column("grade", "string", _("評価記号")),
            Column("judgement", "string", _("進捗判定")),
            Column("graded", "integer", _("評価済の施策数")),
            Column("unreported", "integer", _("未報告の施策数")),
            Column("no_target", "integer", _("対象外の施策数")),
            # One count column per grade of the plan's own bands (none when no plan is given:
            # the API carries them as one `grade_counts` object instead).
            *[
                Column(f"grade_{band.code}", "integer", _("評価%(code)sの施策数") % {"code": band.code})
                for band in (plan_bands(plan) if plan is not None else [])
            ],
        ]
    raise KeyError(table)


def _cell(value) -> str:
    """A CSV cell: numbers without separators, booleans as true/false, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def to_csv(table: str, plan: Plan, rows: list[dict]) -> bytes:
    """UTF-8 with a BOM (so spreadsheet software reads the Japanese), one header row of the
    column names, CRLF line ends (RFC 4180)."""
    names = [c.name for c in columns(table, plan)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def json_value(value):
    if isinstance(value, Decimal):
        normalized = value.normalize()
        return int(normalized) if normalized == normalized.to_integral() else float(normalized)
    return value


def to_json(table: str, plan: Plan, rows: list[dict], *, years: tuple[int, ...]) -> bytes:
    names = [c.name for c in columns(table, plan)]
    document = {
        "table": table,
        "title": str(TABLE_TITLES[table]),
        "license": LICENSE_ID,
        "license_url": LICENSE_URL,
        "fiscal_years": list(years),
        "rows": [{name: json_value(row.get(name)) for name in names} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# Columns that identify a row of each table (the schema's primary key).
PRIMARY_KEYS = {
    "measures": ["plan_code", "fiscal_year", "measure_code"],
    "indicators": ["plan_code", "indicator_code"],
    "targets": ["plan_code", "fiscal_year", "indicator_code"],
    "actuals": ["plan_code", "fiscal_year", "indicator_code"],
    "schedule": ["plan_code", "fiscal_year", "measure_code", "item_order"],
    "rollups": ["plan_code", "fiscal_year", "level", "group_code"],
}


def table_schema(table: str, plan: Plan) -> dict:
    """A Frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/)."""
    return {
        "fields": [
            {
                "name": c.name,
                "type": c.type,
                "title": str(c.title),
                **({"description": str(c.description)} if c.description else {}),
                **({"constraints": {"required": True}} if c.name in PRIMARY_KEYS[table] else {}),
            }
            for c in columns(table, plan)
        ],
        "primaryKey": PRIMARY_KEYS[table],
        "missingValues": [""],
    }


def dcat_catalog(state, *, absolute, reverse) -> dict:
    """A DCAT catalogue in JSON-LD (DCAT-AP style, as CKAN's dcat harvester reads it)."""
    plan = state.plan
    issued = state.last_published.isoformat() if state.last_published else None
    scopes = [("all", state.years)] + [(str(year), (year,)) for year in state.years]
    datasets = []
    for scope, years in scopes:
        label = "・".join(str(y) for y in years)
        distributions = []
        for table in TABLE_TITLES:
            schema = absolute(reverse("opendata:schema", args=[table]))
            for fmt, media in (("csv", "text/csv"), ("json", "application/json")):
                url = absolute(reverse("opendata:file", args=[scope, table, fmt]))
                distributions.append(
                    {
                        "@type": "dcat:Distribution",
                        "@id": url,
                        "dct:title": f"{TABLE_TITLES[table]}（{fmt.upper()}）",
                        "dcat:accessURL": {"@id": url},
                        "dcat:downloadURL": {"@id": url},
                        "dcat:mediaType": media,
                        "dct:format": fmt.upper(),
                        "dct:license": {"@id": LICENSE_URL},
                        "dct:conformsTo": {"@id": schema},
                    }
                )
        datasets.append(
            {
                "@type": "dcat:Dataset",
                "@id": absolute(reverse("opendata:data")) + f"#{scope}",
                "dct:identifier": f"{local_government_code()}-{plan.code}-{scope}",
                "dct:title": f"{plan.name} 進捗状況（{label}年度）",
                "dct:description": str(_("公表された年度の承認済の成果指標の実績、達成率、評価と取組の進捗。")),
                "dct:publisher": {
                    "@type": "foaf:Organization",
                    "foaf:name": settings.OPENDATA_PUBLISHER,
                    "dct:identifier": local_government_code(),
                },
                "dct:issued": issued,
                "dct:modified": state.last_modified.isoformat() if state.last_modified else None,
                "dct:language": "ja",
                "dct:license": {"@id": LICENSE_URL},
                "dcat:keyword": ["ICT", "データ利活用", "進行管理", "成果指標"],
                "dct:temporal": {
                    "@type": "dct:PeriodOfTime",
                    "dcat:startDate": f"{min(years)}-04-01",
                    "dcat:endDate": f"{max(years) + 1}-03-31",
                },
                "dcat:landingPage": {"@id": absolute(reverse("opendata:data"))},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@type": "dcat:Catalog",
        "@id": absolute(reverse("opendata:catalog")),
        "dct:title": f"{plan.name} オープンデータ",
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": settings.OPENDATA_PUBLISHER},
        "dct:license": {"@id": LICENSE_URL},
        "dcat:dataset": datasets,
    }
