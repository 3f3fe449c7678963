"""The plan of record, checked against the printed cards (seed text) by hand.

Each row of CELLS was read off the seed by a person, not generated: a wrong cell in the
plan file fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Indicator, Target
from measures.models import Field, Measure, MeasureSection, Pillar, PlanYear, SubPillar

pytestmark = pytest.mark.django_db


def test_the_plan_has_2_pillars_7_subpillars_21_fields_and_76_measures(plan):
    assert Pillar.objects.filter(plan=plan).count() == 2
    assert SubPillar.objects.filter(pillar__plan=plan).count() == 7
    assert Field.objects.filter(subpillar__pillar__plan=plan).count() == 21
    assert Measure.objects.filter(plan=plan).count() == 76


def test_measures_per_field_match_the_table_of_contents(plan):
    expected = {
        "I-①-ア": 4,
        "I-①-イ": 3,
        "I-①-ウ": 7,
        "I-①-エ": 3,
        "I-①-オ": 4,
        "I-①-カ": 9,
        "I-②-ア": 4,
        "I-②-イ": 5,
        "I-③-ア": 5,
        "I-③-イ": 3,
        "I-③-ウ": 1,
        "I-③-エ": 3,
        "II-①-ア": 4,
        "II-①-イ": 4,
        "II-①-ウ": 2,
        "II-②-ア": 3,
        "II-②-イ": 1,
        "II-③-ア": 2,
        "II-③-イ": 7,
        "II-④-ア": 1,
        "II-④-イ": 1,
    }
    actual = {f.code: f.measures.count() for f in Field.objects.filter(subpillar__pillar__plan=plan)}
    assert actual == expected


def test_every_measure_has_an_indicator_a_schedule_item_and_one_primary_section(plan):
    for measure in Measure.objects.filter(plan=plan):
        assert measure.indicators.exists(), measure.code
        assert measure.schedule_items.exists(), measure.code
        assert MeasureSection.objects.filter(measure=measure, is_primary=True).count() == 1, measure.code


def test_codes_are_canonical(plan):
    for code in Measure.objects.filter(plan=plan).values_list("code", flat=True):
        pillar, circled, field, number = code.split("-")
        assert pillar in {"I", "II"}, code
        assert circled in "①②③④", code
        assert field in "アイウエオカ", code
        assert number.isdigit() and len(number) == 2, code


def test_every_target_and_schedule_year_lies_inside_the_plan_period(plan):
    years = set(plan.fiscal_years)
    assert (
        set(Target.objects.filter(indicator__measure__plan=plan).values_list("plan_year__fiscal_year", flat=True))
        <= years
    )
    assert (
        set(PlanYear.objects.filter(schedule_items__measure__plan=plan).values_list("fiscal_year", flat=True)) <= years
    )


def test_milestone_targets_carry_no_number_and_numeric_targets_do(plan):
    for target in Target.objects.filter(indicator__measure__plan=plan).select_related("indicator"):
        if target.indicator.kind == "milestone":
            assert target.value is None, target
        elif target.is_set:
            assert target.value is not None, target


# (measure code, indicator name, fiscal year, printed text, value)
CELLS = [
    ("I-①-ア-02", "未病指標利用者数(累計)", 2019, "—", None),
    ("I-①-ア-02", "未病指標利用者数(累計)", 2020, "10,000", "10000"),
    ("I-①-ア-02", "未病指標利用者数(累計)", 2022, "150,000", "150000"),
    ("I-①-ア-03", "市町村職員研修会の実施回数", 2019, "20", "20"),
    ("I-①-ア-03", "市町村職員研修会の実施回数", 2020, "20", "20"),
    ("I-①-イ-01", "宿泊施設紹介ページPV数", 2022, "600,000", "600000"),
    ("I-①-イ-01", "月平均PV数", 2019, "75,000", "75000"),
    ("I-①-イ-02", "ガイド実施件数", 2019, "60", "60"),
    ("I-①-ウ-01", "GPS発信器の運用が可能な群れの割合", 2019, "80%", "80"),
    ("I-①-ウ-01", "GPS発信器の運用が可能な群れの割合", 2021, "100%", "100"),
    ("I-①-ウ-03", "AI識別による識別時間短縮", 2019, "50%削減", "50"),
    ("I-①-ウ-04", "環境制御技術の確立", 2020, "トマトの収量20t/10a、品質30%以上向上", None),
    ("I-①-エ-01", "IoT技術導入支援件数", 2021, "8", "8"),
    ("I-①-エ-01", "IoT技術導入支援件数", 2022, "※", None),
    ("I-①-カ-05", "県民が利用しやすいシステムの構築", 2022, "開発 令和5年度まで", None),
    ("I-①-カ-06", "図書館の公衆無線LANからの掲示板への悪意のある書き込み件数", 2019, "0", "0"),
    ("I-③-エ-02", "一括検証における「非常に良い」、「良い」の割合", 2021, "100% (※)", "100"),
    ("I-③-エ-02", "一括検証における「非常に良い」、「良い」の割合", 2019, "96%", "96"),
    ("II-①-イ-01", "導入予定台数", 2019, "3,938", "3938"),
    ("II-①-イ-01", "導入累計台数", 2021, "12,807", "12807"),
    ("II-②-ア-01", "構築完了", 2019, "構築完了", None),
    ("II-②-ア-01", "稼働率", 2020, "100%", "100"),
    ("II-②-ア-03", "個人情報の漏洩", 2021, "0", "0"),
    ("II-②-ア-03", "次期セキュリティクラウドの導入", 2020, "計画策定", None),
    ("II-③-ア-02", "新たな規定類の整備", 2020, "施行完了", None),
    ("II-④-ア-01", "研修受講者満足度（アンケートの肯定的意見の割合）（%）", 2022, "80%", "80"),
]


@pytest.mark.parametrize(("code", "indicator", "year", "text", "value"), CELLS)
def test_target_cell_matches_the_printed_card(plan, code, indicator, year, text, value):
    target = Target.objects.get(
        indicator__measure__plan=plan,
        indicator__measure__code=code,
        indicator__name=indicator,
        plan_year__fiscal_year=year,
    )
    assert target.text == text
    assert target.value == (Decimal(value) if value is not None else None)


def test_no_target_cells_are_not_targets(plan):
    dash = Target.objects.get(indicator__measure__code="I-①-ア-02", plan_year__fiscal_year=2019)
    note = Target.objects.get(indicator__measure__code="I-①-エ-01", plan_year__fiscal_year=2022)
    zero = Target.objects.get(indicator__measure__code="I-①-カ-06", plan_year__fiscal_year=2019)
    assert not dash.is_set and not note.is_set
    assert zero.is_set


# (code, primary bureau, primary section, other sections, 達成年度)
CARDS = [
    ("I-①-ア-01", "政策局", "ヘルスケア・ニューフロンティア推進本部室", [], 2022),
    ("I-①-ア-03", "福祉子どもみらい局", "高齢福祉課", [], 2020),
    ("I-①-イ-01", "国際文化観光局", "観光企画課", [("国際文化観光局", "国際観光課")], 2022),
    ("I-①-ウ-01", "環境農政局", "自然環境保全課", [], 2021),
    ("I-①-ウ-03", "環境農政局", "自然環境保全課", [], 2019),
    ("I-①-カ-05", "教育局", "県立図書館", [], 2023),
    ("I-①-カ-06", "教育局", "川崎図書館", [], 2022),
    ("I-②-ア-04", "警察本部", "生活安全総務課犯罪抑止対策室", [], 2019),
    ("I-③-イ-01", "政策局", "広域連携課", [("各局", "各局")], 2022),
    ("I-③-エ-02", "総務局", "情報システム課", [], 2022),
    ("II-①-イ-01", "総務局", "情報システム課", [], 2021),
    ("II-②-ア-01", "総務局", "情報システム課", [], 2020),
    ("II-④-ア-01", "総務局", "ICT・データ戦略課", [], 2022),
]


@pytest.mark.parametrize(("code", "bureau", "section", "others", "target_year"), CARDS)
def test_owning_sections_and_target_year_match_the_card(plan, code, bureau, section, others, target_year):
    measure = Measure.objects.get(plan=plan, code=code)
    links = list(measure.measure_sections.select_related("section__bureau").order_by("order"))
    assert (links[0].section.bureau.name, links[0].section.name, links[0].is_primary) == (bureau, section, True)
    assert [(ms.section.bureau.name, ms.section.name) for ms in links[1:]] == others
    assert measure.target_fiscal_year == target_year


def test_target_year_text_is_kept_where_it_says_more():
    assert Measure.objects.get(code="I-①-カ-05").target_fiscal_year_text == "令和5年度"


def test_sub_programme_card_splits_schedule_and_indicators():
    measure = Measure.objects.get(code="I-①-イ-01")
    assert list(measure.subprogrammes.values_list("number", flat=True)) == [1, 2]
    by_sub = {i.name: i.subprogramme.number for i in measure.indicators.select_related("subprogramme")}
    assert by_sub == {"宿泊施設紹介ページPV数": 1, "月平均PV数": 2}
    assert measure.schedule_items.filter(subprogramme__number=1).exists()
    assert measure.schedule_items.filter(subprogramme__number=2).exists()


def test_two_indicator_cards_keep_both_rows_in_printed_order():
    names = list(Indicator.objects.filter(measure__code="II-①-イ-01").order_by("order").values_list("name", flat=True))
    assert names == ["導入予定台数", "導入累計台数"]


@pytest.mark.parametrize(
    ("code", "name", "kind", "direction", "cumulative"),
    [
        ("I-①-ア-02", "未病指標利用者数(累計)", "count", "higher", True),
        ("I-①-ウ-01", "GPS発信器の運用が可能な群れの割合", "percentage", "higher", False),
        ("I-①-カ-06", "図書館の公衆無線LANからの掲示板への悪意のある書き込み件数", "upper_limit", "lower", False),
        ("II-②-ア-03", "個人情報の漏洩", "upper_limit", "lower", False),
        ("I-①-ア-01", "システムの維持・運営", "milestone", "higher", False),
    ],
)
def test_indicator_kinds_follow_the_card(code, name, kind, direction, cumulative):
    indicator = Indicator.objects.get(measure__code=code, name=name)
    assert (indicator.kind, indicator.direction, indicator.cumulative) == (kind, direction, cumulative)


def test_card_notes_are_kept():
    assert Measure.objects.get(code="I-①-エ-01").notes[0].startswith("※令和4年度に関しては")
    assert Indicator.objects.get(measure__code="I-③-エ-02").notes == ["※ JIS規格レベルAA準拠"]
