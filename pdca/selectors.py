"""Reads for the yearly cycle: a clerk's worklist, a measure-year's entry state, history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.db.models import Count, Q

from core.fiscal_year import full_label
from core.numbers import format_decimal
from indicators.models import Actual, MilestoneStatus, Target
from measures.models import Measure, Plan, PlanYear, ScheduleItem
from pdca import rights
from pdca.models import ProgressStatus, ScheduleProgress, Submission, SubmissionStatus, Transition


@dataclass
class WorkItem:
    measure: Measure
    status: str
    status_label: str
    missing_actuals: int
    missing_progress: int


def worklist(user, plan: Plan, plan_year: PlanYear) -> list[WorkItem]:
    """The measures a user reports on in a year, with status and what is still missing.
    A fixed number of queries, whatever the number of measures."""
    measures = list(rights.measures_owned_by(user, plan).select_related("field").order_by("order"))
    ids = [m.pk for m in measures]
    submissions = {s.measure_id: s for s in Submission.objects.filter(measure_id__in=ids, plan_year=plan_year)}
    reported = set(
        Actual.objects.filter(indicator__measure_id__in=ids, plan_year=plan_year).values_list("indicator_id", flat=True)
    )
    missing_actuals: Counter[int] = Counter()
    for target in Target.objects.filter(indicator__measure_id__in=ids, plan_year=plan_year).select_related("indicator"):
        if target.is_set and target.indicator_id not in reported:
            missing_actuals[target.indicator.measure_id] += 1
    with_progress = set(
        ScheduleProgress.objects.filter(schedule_item__measure_id__in=ids, plan_year=plan_year).values_list(
            "schedule_item_id", flat=True
        )
    )
    missing_progress: Counter[int] = Counter()
    for item_id, measure_id in ScheduleItem.objects.filter(measure_id__in=ids, years=plan_year).values_list(
        "pk", "measure_id"
    ):
        if item_id not in with_progress:
            missing_progress[measure_id] += 1
    items = []
    for measure in measures:
        submission = submissions.get(measure.pk)
        status = submission.status if submission else SubmissionStatus.NOT_STARTED
        items.append(
            WorkItem(
                measure=measure,
                status=status,
                status_label=SubmissionStatus(status).label,
                missing_actuals=missing_actuals[measure.pk],
                missing_progress=missing_progress[measure.pk],
            )
        )
    return items


def entry_year_default(plan: Plan) -> int:
    """Clerks report on the latest year still open for entry."""
    latest_open = plan.years.filter(is_open=True).order_by("-fiscal_year").values_list("fiscal_year", flat=True).first()
    return latest_open or plan.last_fiscal_year


def entry_rows(measure: Measure, plan_year: PlanYear):
    """What an entry form is built on: the measure's indicators, this year's targets and the
    year's schedule items."""
    indicators = list(measure.indicators.select_related("subprogramme"))
    # By the indicators' and items' ids, which the unique indexes answer directly; a join on
    # the measure lets SQLite scan a whole year's rows of a large plan.
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator_id__in=[i.pk for i in indicators], plan_year=plan_year).order_by()
    }
    items = list(measure.schedule_items.filter(years=plan_year).select_related("subprogramme"))
    return indicators, targets, items


def entry_values(plan_year: PlanYear, indicators, items):
    """What is saved for an entry form: the year's actuals and schedule progress. A save reads
    them again under its locks, so a posted form needs them only to be shown again."""
    actuals = {
        a.indicator_id: a
        for a in Actual.objects.filter(indicator_id__in=[i.pk for i in indicators], plan_year=plan_year).order_by()
    }
    progress = {
        p.schedule_item_id: p
        for p in ScheduleProgress.objects.filter(schedule_item_id__in=[i.pk for i in items], plan_year=plan_year)
    }
    return actuals, progress


def entry_state(measure: Measure, plan_year: PlanYear):
    """What the entry page needs: indicators, this year's targets, saved actuals and progress."""
    indicators, targets, items = entry_rows(measure, plan_year)
    actuals, progress = entry_values(plan_year, indicators, items)
    return indicators, targets, actuals, items, progress


def previous_act_text(measure: Measure, plan_year: PlanYear) -> str:
    previous = Submission.objects.filter(
        measure=measure, plan_year__plan=plan_year.plan, plan_year__fiscal_year=plan_year.fiscal_year - 1
    ).first()
    return previous.next_steps_text if previous else ""


@dataclass
class Change:
    when: object
    who: str
    what: str
    old: str
    new: str


def measure_history(measure: Measure, limit: int = 100) -> list[Change]:
    """The latest changes of this measure's actuals, targets, reports and progress: who,
    when, old, new.

    Each kind of history is read newest first and only `limit` records deep, as plain values
    rather than model instances, so that a measure saved a thousand times costs no more than
    one saved a hundred times. A record whose predecessor lies beyond that window is left out
    rather than shown as a change from nothing.
    """
    changes: list[Change] = []
    labels = dict(chain(SubmissionStatus.choices, MilestoneStatus.choices, ProgressStatus.choices))

    def walk(history_qs, describe, fields, *related):
        names = [name for name, _label in fields]
        columns = ["id", "history_type", "history_date", "history_user__username", *names, *related]
        window = list(history_qs.order_by("-history_date", "-history_id").values(*columns)[: limit + 1])
        window.reverse()
        truncated = len(window) > limit
        previous_by_object: dict[int, dict] = {}
        for record in window:
            before = previous_by_object.get(record["id"])
            previous_by_object[record["id"]] = record
            if before is None and truncated and record["history_type"] != "+":
                continue
            for name, label in fields:
                old = before[name] if before else ""
                new = "" if record["history_type"] == "-" else record[name]
                if old != new and not (old in (None, "") and new in (None, "")):
                    changes.append(
                        Change(
                            record["history_date"],
                            record["history_user__username"] or "—",
                            f"{describe(record)}：{label}",
                            _display(old, labels),
                            _display(new, labels),
                        )
                    )

    def year(record) -> str:
        return full_label(record["plan_year__fiscal_year"])

    walk(
        Actual.history.filter(indicator__measure=measure),
        lambda r: f"{r['indicator__name']}（{year(r)}）",
        [("value", "実績値"), ("milestone_status", "達成状況"), ("description", "実施内容")],
        "indicator__name",
        "plan_year__fiscal_year",
    )
    walk(
        Target.history.filter(indicator__measure=measure),
        lambda r: f"{r['indicator__name']}（{year(r)}）",
        [("text", "目標")],
        "indicator__name",
        "plan_year__fiscal_year",
    )
    walk(
        Submission.history.filter(measure=measure),
        lambda r: f"年度報告（{year(r)}）",
        [
            ("status", "状態"),
            ("achievements_text", "取組実績"),
            ("issues_text", "課題"),
            ("next_steps_text", "今後の方向性"),
        ],
        "plan_year__fiscal_year",
    )
    walk(
        ScheduleProgress.history.filter(schedule_item__measure=measure),
        lambda r: f"取組「{r['schedule_item__name']}」（{year(r)}）",
        [("status", "進捗"), ("note", "補足")],
        "schedule_item__name",
        "plan_year__fiscal_year",
    )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]


def _display(value, labels: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(labels.get(value, value))


def transitions_for(measure: Measure) -> list[Transition]:
    return list(
        Transition.objects.filter(submission__measure=measure)
        .select_related("user", "submission__plan_year")
        .order_by("-at", "-pk")
    )


# The path from a measure to the group it counts in, per roll-up level (as in GroupResult).
MEASURE_GROUP_PATHS = {
    "pillar": "field__subpillar__pillar",
    "subpillar": "field__subpillar",
    "field": "field",
    "bureau": "measure_sections__section__bureau",
    "section": "measure_sections__section",
}


def submission_status_counts(
    *, plan: Plan, fiscal_year: int, level: str, measures: int | None = None
) -> dict[int | None, dict[str, int]]:
    """How many measures of each group are at each submission status in a year, keyed like
    `indicators.selectors.rollup` (None for the plan level). A measure without a submission
    row counts as 未入力. One query per call, whatever the number of measures; at the plan
    level a caller that knows the plan's number of measures passes it as `measures`."""
    reported = [status for status in SubmissionStatus if status != SubmissionStatus.NOT_STARTED]
    if level == "plan":
        # The dashboard's headline: counted from the year's submissions alone, so that the
        # query reads the submissions that exist, not every measure of the plan.
        by_status = dict(
            Submission.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=fiscal_year)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        counts = {status.value: by_status.get(status.value, 0) for status in reported}
        if measures is None:
            measures = Measure.objects.filter(plan=plan).count()
        counts[SubmissionStatus.NOT_STARTED.value] = measures - sum(counts.values())
        return {None: counts}
    group_by = MEASURE_GROUP_PATHS[level]
    aggregates = {"measures": Count("pk", distinct=True)}
    for status in reported:
        aggregates[status.value] = Count(
            "submissions",
            filter=Q(submissions__plan_year__fiscal_year=fiscal_year, submissions__status=status),
            distinct=True,
        )
    rows = Measure.objects.filter(plan=plan).values(group_by).annotate(**aggregates)
    counts: dict[int | None, dict[str, int]] = {}
    for row in rows:
        by_status = {status.value: row[status.value] for status in reported}
        by_status[SubmissionStatus.NOT_STARTED.value] = row["measures"] - sum(by_status.values())
        counts[row[group_by]] = by_status
    return counts
