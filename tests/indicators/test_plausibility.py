"""Plausibility warnings on real cards: each rule, the clerk's confirmation, and the queue's flag."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.numbers import parse_decimal
from indicators import plausibility
from indicators.models import Actual, Indicator, Target
from indicators.services import actual_record
from measures.models import PlanYear
from pdca.selectors import plausibility_flags
from tests.conftest import measure

pytestmark = pytest.mark.django_db


def _warnings(code: str, typed: str, year: int = 2022, previous: Decimal | None = None, name: str = "") -> list[str]:
    indicators = Indicator.objects.filter(measure__code=code).order_by("order")
    indicator = indicators.filter(name__contains=name).first() if name else indicators.first()
    target = Target.objects.get(indicator=indicator, plan_year__fiscal_year=year)
    warnings = plausibility.warnings_for(
        value=parse_decimal(typed),
        kind=indicator.kind,
        unit=indicator.unit,
        cumulative=indicator.cumulative,
        target_value=target.value,
        previous_value=previous,
        typed=typed,
        factor=indicator.measure.plan.plausibility_ratio,
    )
    return [w.code for w in warnings]


def test_a_percent_sign_in_a_count_of_municipalities_is_questioned(plan):
    # I-②-ア-02: オープンデータ取組市町村数, 33 市町村 in R4.
    assert _warnings("I-②-ア-02", "８５％") == ["unit_mismatch"]
    assert _warnings("I-②-ア-02", "30") == []


def test_a_value_far_beyond_its_target_is_questioned(plan):
    # I-②-ア-01: 公開テーマ数, 100 in R4: 12,345 is over three times; 301 too, 300 is not.
    assert _warnings("I-②-ア-01", "12,345") == ["far_from_target"]
    assert _warnings("I-②-ア-01", "301") == ["far_from_target"]
    assert _warnings("I-②-ア-01", "300") == []
    assert _warnings("I-②-ア-01", "33") == ["far_from_target"]  # below a third


def test_a_fraction_in_a_percentage_indicator_offers_the_hundredfold_reading(plan):
    # II-④-ア-01: 研修受講者満足度 80% every year.
    assert _warnings("II-④-ア-01", "0.85") == ["fraction", "far_from_target"]
    indicator = measure("II-④-ア-01").indicators.get()
    fraction = plausibility.warnings_for(value=Decimal("0.85"), kind=indicator.kind, target_value=Decimal(80))[0]
    assert fraction.suggestion == Decimal("85.00") and "85" in fraction.message
    assert _warnings("II-④-ア-01", "85%") == []


def test_a_share_above_a_hundred_is_questioned(plan):
    assert _warnings("II-④-ア-01", "120") == ["share_above_100"]


def test_a_cumulative_count_lower_than_last_year_is_questioned(plan):
    # I-①-オ-01: ポイント付与者数（累計）, 18,500 in R4.
    assert _warnings("I-①-オ-01", "17,000", previous=Decimal(18000)) == ["cumulative_fell"]
    assert _warnings("I-①-オ-01", "19,000", previous=Decimal(18000)) == []


def test_the_factor_is_plan_data(plan):
    plan.plausibility_factor = Decimal(10)
    plan.save()
    assert _warnings("I-②-ア-01", "301") == []


def test_milestones_and_blanks_raise_nothing():
    assert plausibility.warnings_for(value=None, kind="count", target_value=Decimal(1)) == []
    assert plausibility.warnings_for(value=Decimal(9), kind="milestone", target_value=Decimal(1)) == []
    # A zero target (an upper limit of 0 leaks) has no ratio to be far from.
    assert plausibility.warnings_for(value=Decimal(5), kind="upper_limit", target_value=Decimal(0)) == []


def _entry(value: str, **extra) -> dict:
    m = measure("II-④-ア-01")
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=2022)
    data = {
        "version": 0,
        "achievements_text": "研修を実施した。",
        "self_assessment": "on_track",
        "issues_text": "",
        "next_steps_text": "",
        f"ind-{m.indicators.get().pk}-value": value,
    }
    for item in m.schedule_items.filter(years=plan_year):
        data[f"sch-{item.pk}-status"] = "done"
    data.update(extra)
    return data


def test_the_clerk_confirms_a_questioned_value_and_the_confirmation_is_kept(client_for):
    client = client_for("staff")
    url = reverse("entry", kwargs={"code": "II-④-ア-01", "fiscal_year": 2022})
    indicator = measure("II-④-ア-01").indicators.get()
    response = client.post(url, _entry("0.85"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "確認が必要な値があります" in page and "85% の意味なら、85 と入力してください" in page
    assert 'value="0.85"' in page  # nothing typed is lost
    assert f'name="ind-{indicator.pk}-confirm" value="fraction,far_from_target"' in page
    assert not Actual.objects.filter(indicator=indicator).exists()

    response = client.post(url, _entry("0.85", **{f"ind-{indicator.pk}-confirm": "fraction,far_from_target"}))
    assert response.status_code == 302
    actual = Actual.objects.get(indicator=indicator)
    assert actual.value == Decimal("0.85") and actual.confirmed_warnings == ["fraction", "far_from_target"]
    assert actual.history.first().confirmed_warnings == ["fraction", "far_from_target"]
    # Saving the same value again asks nothing more.
    assert client.post(url, _entry("0.85", version=1)).status_code == 302

    flags = plausibility_flags(actual.plan_year, [indicator.measure_id])
    assert flags == {indicator.measure_id: ["小数で入力された割合の疑い", "目標値から大きく離れた値"]}


def test_a_plausible_value_saves_at_once_and_raises_no_flag(client_for):
    client = client_for("staff")
    url = reverse("entry", kwargs={"code": "II-④-ア-01", "fiscal_year": 2022})
    assert client.post(url, _entry("85%")).status_code == 302
    actual = Actual.objects.get(indicator__measure__code="II-④-ア-01", plan_year__fiscal_year=2022)
    assert actual.confirmed_warnings == []
    assert plausibility_flags(actual.plan_year, [actual.indicator.measure_id]) == {}


def test_services_without_a_check_write_as_before(plan):
    indicator = measure("II-④-ア-01").indicators.get()
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=2022)
    actual = actual_record(indicator=indicator, plan_year=plan_year, value=Decimal("0.5"), user=None)
    assert actual.confirmed_warnings == []


def test_the_factor_travels_in_the_plan_file(plan):
    from indicators.plan_file import plan_export, plan_load

    plan.plausibility_factor = Decimal(5)
    plan.save()
    document = plan_export(plan)
    assert document["plan"]["plausibility_factor"] == "5"
    plan.plausibility_factor = None
    plan.save()
    plan_load(document)
    plan.refresh_from_db()
    assert plan.plausibility_factor == Decimal(5)
