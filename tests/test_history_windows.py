"""core.db.history_windows: several kinds of history in one statement, as the ORM reads them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.db import HISTORY_COLUMNS, HistoryWindow, history_of, history_windows
from indicators.models import Actual, Target
from indicators.plausibility import CODES
from indicators.services import target_update
from measures.models import PlanYear
from pdca.models import ScheduleProgress, Submission
from tests.conftest import measure

pytestmark = pytest.mark.django_db

CODE = "II-④-ア-01"  # one percentage indicator; 総務局 ICT・データ戦略課 (the staff persona) owns it
YEAR = 2022


def _save(client, value: str, status: str = "done") -> None:
    m = measure(CODE)
    plan_year = PlanYear.objects.get(plan=m.plan, fiscal_year=YEAR)
    submission = Submission.objects.filter(measure=m, plan_year=plan_year).first()
    data = {
        "version": submission.version if submission else 0,
        "achievements_text": f"実績 {value}",
        "self_assessment": "on_track",
        "issues_text": "",
        "next_steps_text": "",
        f"ind-{m.indicators.get().pk}-value": value,
        f"ind-{m.indicators.get().pk}-confirm": ",".join(CODES),
    }
    for item in m.schedule_items.filter(years=plan_year):
        data[f"sch-{item.pk}-status"] = status
    response = client.post(reverse("entry", kwargs={"code": CODE, "fiscal_year": YEAR}), data)
    assert response.status_code == 302


def _windows() -> list[HistoryWindow]:
    m = measure(CODE)
    indicators = list(m.indicators.values_list("pk", flat=True))
    items = list(m.schedule_items.values_list("pk", flat=True))
    return [
        HistoryWindow(Actual, "indicator_id", indicators, ["plan_year_id", "value", "milestone_status", "description"]),
        HistoryWindow(Target, "indicator_id", indicators, ["plan_year_id", "text", "value"]),
        HistoryWindow(Submission, "measure_id", [m.pk], ["plan_year_id", "status", "version", "achievements_text"]),
        HistoryWindow(ScheduleProgress, "schedule_item_id", items, ["plan_year_id", "status", "note"]),
        HistoryWindow(ScheduleProgress, "schedule_item_id", [], ["status"]),  # owns nothing
    ]


def _orm_window(window: HistoryWindow, size: int) -> list[tuple]:
    records = history_of(window.model).filter(**{f"{window.owner}__in": window.owner_ids})
    return list(
        records.order_by("-history_date", "-history_id").values_list(
            *HISTORY_COLUMNS, "history_user__username", window.owner, *window.columns
        )[:size]
    )


def test_each_window_holds_what_the_orm_reads_value_for_value(client_for):
    client = client_for("staff")
    # Decimals of every scale, a deleted actual (its last record '-'), progress back and forth.
    for value, status in [("0.1", "done"), ("12.5", "in_progress"), ("１０，０００", "done"), ("", "in_progress")]:
        _save(client, value, status)
    # A target changed by headquarters, and the plan load's records with no user.
    target = Target.objects.get(indicator__measure__code=CODE, plan_year__fiscal_year=YEAR)
    target_update(target=target, text="85%", value=Decimal("85"))
    windows = _windows()
    for size in (2, 3, 100):
        read = history_windows(windows, size)
        for window, rows in zip(windows, read, strict=True):
            expected = _orm_window(window, size)
            # repr: the same types too (a Decimal's scale, an aware datetime), not just equal values.
            assert repr(rows) == repr(expected), (window.model.__name__, size)
    # The data above holds every case the comparison is meant to cover.
    actuals = _orm_window(windows[0], 100)
    assert {row[1] for row in actuals} == {"+", "~", "-"} and len(actuals) == 4
    assert Decimal("0.1") in {row[-3] for row in actuals}
    assert any(row[4] is None for row in _orm_window(windows[1], 100))  # loaded with the plan
    assert any(row[4] == "p-staff" for row in actuals)
    assert len(_orm_window(windows[3], 100)) > 3  # more progress records than the smaller windows hold


def test_one_kinds_long_history_does_not_crowd_out_another(client_for):
    client = client_for("staff")
    for n in range(6):
        _save(client, str(n + 1))
    actual_window, _target, submission_window, *_rest = _windows()
    actuals, submissions = history_windows([actual_window, submission_window], 3)
    assert len(actuals) == 3 and len(submissions) == 3
    assert [row[-2] for row in submissions] == [6, 5, 4]  # newest first: versions 6, 5, 4
