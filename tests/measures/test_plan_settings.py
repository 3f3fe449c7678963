"""A process keeps each plan's years, grade bands and judgements (measures.plan_settings):
a request after the first reads none of them, and every way of changing them makes the
next read see the change."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.plan_file import plan_export, plan_load
from measures.models import GradeBand, Plan, PlanYear, ProgressJudgement
from measures.plan_settings import plan_settings
from tests.conftest import measure

pytestmark = pytest.mark.django_db

CODE = "II-④-ア-01"  # the staff persona's section owns it
YEAR = 2022


def _settings_reads(captured) -> list[str]:
    """Reads of the rows themselves (a page also asks which years have actuals)."""
    starts = ('SELECT "measures_planyear"."id"', 'SELECT "measures_gradeband"."id"')
    return [q["sql"] for q in captured if q["sql"].startswith(starts) or "measures_gradeband" in q["sql"]]


def test_only_the_first_request_reads_the_plans_years_and_bands(client_for):
    client = client_for("hq")
    url = reverse("measure_detail", kwargs={"code": CODE})
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(_settings_reads(first)) == 2  # the years; the bands and judgements together
    assert _settings_reads(second) == []
    # And the measure's card, five reads, and the header's list of plans, one read, which the
    # process keeps too (test_measure_cards.py).
    assert len(second) == len(first) - 2 - 5 - 1


def _year_closed_by_save(plan: Plan) -> None:
    year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    year.is_open = False
    year.save()


def _year_closed_by_update(plan: Plan) -> None:
    plan.years.filter(fiscal_year=YEAR).update(is_open=False)


def _band_renamed_by_bulk_update(plan: Plan) -> None:
    band = plan.grade_bands.get(code="A")
    band.label = "目標達成"
    GradeBand.objects.bulk_update([band], ["label"])


def _band_deleted(plan: Plan) -> None:
    plan.grade_bands.get(code="D").delete()


def _judgement_added_in_bulk(plan: Plan) -> None:
    ProgressJudgement.objects.bulk_create([ProgressJudgement(plan=plan, label="大幅な遅れ", min_share=0, order=9)])


def _judgements_deleted_by_query(plan: Plan) -> None:
    plan.judgements.filter(label="遅れ").delete()


def _bands_reloaded_from_the_plan_file(plan: Plan) -> None:
    document = plan_export(plan)
    document["plan"]["grades"][0]["label"] = "目標達成"
    plan_load(document, source="test")


CHANGES: list[Callable[[Plan], None]] = [
    _year_closed_by_save,
    _year_closed_by_update,
    _band_renamed_by_bulk_update,
    _band_deleted,
    _judgement_added_in_bulk,
    _judgements_deleted_by_query,
    _bands_reloaded_from_the_plan_file,
]


def _settings_now(plan: Plan):
    """What the rows say, read directly."""
    return (
        tuple(plan.years.order_by("fiscal_year").values_list("pk", "fiscal_year", "is_open")),
        tuple(plan.grade_bands.order_by("order").values_list("code", "label", "min_rate")),
        tuple(plan.judgements.order_by("order").values_list("label", "min_share")),
    )


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_way_of_changing_the_settings_is_seen_by_the_next_read(plan, change):
    before = plan_settings(Plan.objects.get(pk=plan.pk))
    assert (before.years, before.bands, before.judgements) == _settings_now(plan)
    change(Plan.objects.get(pk=plan.pk))
    after = plan_settings(Plan.objects.get(pk=plan.pk))
    assert (after.years, after.bands, after.judgements) == _settings_now(plan)
    assert after != before


def test_a_year_closed_by_headquarters_refuses_a_clerk_who_had_the_form_open(client_for, personas, plan):
    entry = reverse("entry", kwargs={"code": CODE, "fiscal_year": YEAR})
    assert client_for("staff").get(entry).status_code == 200  # this process now holds the years
    assert client_for("hq").post(reverse("year_close", args=[YEAR])).status_code == 302
    data = {"version": "0", f"ind-{measure(CODE).indicators.get().pk}-value": "1"}
    assert client_for("staff").post(entry, data).status_code == 403


def test_saving_a_plan_read_before_a_change_does_not_bring_the_old_copy_back(plan):
    stale = Plan.objects.get(pk=plan.pk)
    plan_settings(stale)
    _band_renamed_by_bulk_update(plan)
    assert plan_settings(Plan.objects.get(pk=plan.pk)).bands[0][1] == "目標達成"
    stale.name = "改名した計画"
    stale.save(update_fields=["name"])
    assert plan_settings(Plan.objects.get(pk=plan.pk)).bands[0][1] == "目標達成"


def test_a_plan_made_again_under_the_same_id_does_not_meet_the_old_copy():
    first = Plan.objects.create(code="again", name="一代目", first_fiscal_year=2030, last_fiscal_year=2031)
    PlanYear.objects.bulk_create(PlanYear(plan=first, fiscal_year=y) for y in (2030, 2031))
    pk = first.pk
    assert [y for _pk, y, _open in plan_settings(Plan.objects.get(pk=pk)).years] == [2030, 2031]
    first.delete()
    second = Plan.objects.create(pk=pk, code="again", name="二代目", first_fiscal_year=2040, last_fiscal_year=2040)
    PlanYear.objects.create(plan=second, fiscal_year=2040, is_open=True)
    assert [y for _pk, y, _open in plan_settings(Plan.objects.get(pk=pk)).years] == [2040]


def test_the_services_read_the_bands_themselves_whatever_copy_a_process_holds(plan):
    from indicators.services import rules_for

    stale = Plan.objects.get(pk=plan.pk)
    plan_settings(stale)
    band = GradeBand.objects.get(plan=plan, code="A")
    band.min_rate = Decimal("0.9")
    band.save()
    assert rules_for(stale).bands[0].min_rate == Decimal("0.9")
