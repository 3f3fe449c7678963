"""A target changed by headquarters while a clerk saves the same measure: the save waits for
the change, computes with the changed target, and the roll-ups stay equal to a rebuild from
scratch. Before, the save read the target unlocked and stored a rate computed with the old one."""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from indicators.group_results import group_results_rebuild
from indicators.models import Actual, Target
from indicators.services import target_update
from measures.models import Plan, PlanYear
from pdca.models import Role
from pdca.selectors import entry_rows
from pdca.services import Entry, IndicatorEntry, entry_save
from tests.conftest import PLAN_FILE, make_user, measure, section
from tests.indicators.test_group_results import _stored

# 総務局 ICT・データ戦略課 owns II-④-ア-01: one percentage indicator, 80% every year.
CODE = "II-④-ア-01"
YEAR = 2022


def _save_85(user, indicators) -> None:
    m = measure(CODE)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR)
    entry = Entry(indicators=[IndicatorEntry(indicators[0], Decimal("85"))], achievements_text="実施した。")
    entry_save(user=user, measure=m, plan_year=plan_year, entry=entry, expected_version=0, indicators=indicators)


def _the_form_and_its_target():
    m = measure(CODE)
    indicators, targets, _items = entry_rows(m, PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR))
    target = targets[indicators[0].pk]
    assert target.value == Decimal("80")
    return indicators, target


def _assert_computed_with_100(plan) -> None:
    actual = Actual.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR)
    assert actual.raw_rate == Decimal("0.85")  # 85 / 100, the changed target; 85 / 80 would be A
    assert actual.grade == "B"
    stored = _stored(plan)
    group_results_rebuild(plan)
    assert stored == _stored(plan)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="on SQLite one writer at a time holds the whole database")
@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_a_target_change_in_progress_and_computes_with_it():
    # Transactional tests start from a flushed database: load the plan again when it is gone.
    if not Plan.objects.exists():
        call_command("load_plan", str(PLAN_FILE), stdout=open(os.devnull, "w"))
    plan = Plan.objects.get(code="kanagawa-ict-2019")
    staff = make_user("race-staff", Role.STAFF, [section("総務局", "ICT・データ戦略課")])
    indicators, target = _the_form_and_its_target()
    changed, release = threading.Event(), threading.Event()

    def change_and_hold() -> None:
        try:
            with transaction.atomic():
                target_update(target=Target.objects.get(pk=target.pk), text="100", value=Decimal("100"))
                changed.set()
                release.wait(30)
        finally:
            connection.close()

    def save() -> None:
        try:
            _save_85(staff, indicators)
        finally:
            connection.close()

    changer = threading.Thread(target=change_and_hold)
    changer.start()
    try:
        assert changed.wait(30)
        saver = threading.Thread(target=save)
        saver.start()
        # The save must come to wait on a lock while the change is held open.
        waited, deadline = False, time.monotonic() + 30
        while not waited and saver.is_alive() and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waited = cursor.fetchone()[0] > 0
            time.sleep(0.01)
    finally:
        release.set()
        changer.join(30)
    saver.join(30)
    assert waited, "the save went ahead while the target change was still open"
    _assert_computed_with_100(plan)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
@pytest.mark.django_db
def test_a_target_change_locks_the_measures_targets_only_not_the_indicators_it_joins(plan):
    from django.test.utils import CaptureQueriesContext

    _indicators, target = _the_form_and_its_target()
    with CaptureQueriesContext(connection) as captured:
        target_update(target=target, text="100", value=Decimal("100"))
    locks = [q["sql"] for q in captured if "FOR UPDATE" in q["sql"] and 'FROM "indicators_target"' in q["sql"]]
    assert locks and all(sql.endswith('FOR UPDATE OF "indicators_target"') for sql in locks), locks
