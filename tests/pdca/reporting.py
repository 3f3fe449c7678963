"""Test data for the inspection report: a yearly report entered, submitted and approved
through the services, as a clerk and headquarters would; and the small strategy plan."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.management import call_command

from indicators.models import MilestoneStatus
from measures.models import Measure, Plan
from pdca.models import ProgressStatus
from pdca.services import Entry, IndicatorEntry, ProgressEntry, entry_save, submission_approve, submission_for

STRATEGY_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "kanagawa_strategy_2021.json"
STRATEGY_CODE = "kanagawa-strategy-2021"


def strategy_load() -> Plan:
    call_command("load_plan", str(STRATEGY_FILE), stdout=open("/dev/null", "w"))
    return Plan.objects.get(code=STRATEGY_CODE)


def report_enter(
    measure: Measure,
    fiscal_year: int,
    user,
    *,
    values: dict[str, Decimal | str] | None = None,
    approve_by=None,
    texts: str = "",
    progress: str = ProgressStatus.DONE,
):
    """Enter a measure's year (each indicator's value, by name, or a milestone status; the
    schedule's progress; the four texts), submit it, and approve it when `approve_by` is given."""
    plan_year = measure.plan.years.get(fiscal_year=fiscal_year)
    values = values or {}
    indicators = []
    for indicator in measure.indicators.all():
        value = values.get(indicator.name, MilestoneStatus.ACHIEVED if indicator.is_milestone else Decimal(1))
        if indicator.is_milestone:
            indicators.append(IndicatorEntry(indicator, milestone_status=value, description=f"{indicator.name}を実施"))
        else:
            indicators.append(IndicatorEntry(indicator, value=Decimal(value)))
    items = measure.schedule_items.filter(years=plan_year)
    label = texts or f"{measure.code} の取組"
    entry = Entry(
        indicators=indicators,
        progress=[ProgressEntry(item, status=progress) for item in items],
        achievements_text=f"{label}（実績）",
        self_assessment="on_track",
        issues_text=f"{label}（課題）",
        next_steps_text=f"{label}（方向性）",
    )
    submission = submission_for(measure, plan_year)
    result = entry_save(
        user=user, measure=measure, plan_year=plan_year, entry=entry, expected_version=submission.version, submit=True
    )
    assert result.submitted, result.gaps
    if approve_by is not None:
        return submission_approve(submission=result.submission, reviewer=approve_by)
    return result.submission
