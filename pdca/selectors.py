"""Reads for the yearly cycle: a clerk's worklist, a measure-year's entry state, history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.db import HistoryWindow, history_windows
from core.fiscal_year import full_label
from core.numbers import format_decimal
from indicators.basis import DEFAULT_BASIS, Basis, basis_or_default
from indicators.models import Actual, Indicator, MilestoneStatus, Target
from indicators.plausibility import LABELS as PLAUSIBILITY_LABELS
from measures.models import Measure, MeasureSection, Plan, PlanYear, ScheduleItem
from measures.selectors import bureaus_in_plan_order, plan_years, sections_in_plan_order
from pdca import rights
from pdca.desk import is_overdue, with_report_status
from pdca.models import (
    REQUEST_KINDS,
    Message,
    ProgressStatus,
    ScheduleProgress,
    Submission,
    SubmissionStatus,
    Transition,
)
from pdca.people import display_name


@dataclass
class WorkItem:
    measure: Measure
    status: str
    status_label: str
    missing_actuals: int
    missing_progress: int
    open_request: Message | None = None
    overdue: bool = False


# A clerk's sections own a few measures; headquarters sees every measure of the plan, which
# for a large plan would be a page of megabytes.
WORKLIST_PER_PAGE = 100


def worklist(
    user,
    plan: Plan,
    plan_year: PlanYear,
    page_number: str | int | None = None,
    *,
    status: str = "",
    deadline: date | None = None,
) -> tuple[list[WorkItem], Page]:
    """One page of the measures a user reports on in a year, in plan order, with status and
    what is still missing; and the page, for its pager. A fixed number of queries, and rows
    for the page's measures only, whatever the number of measures. `status` narrows to the
    reports at that status (pdca.desk.with_report_status); `deadline` marks the overdue."""
    owned = rights.measures_owned_by(user, plan).select_related("field").order_by("order")
    owned = with_report_status(owned, plan_year, status)
    page = Paginator(owned, WORKLIST_PER_PAGE).get_page(page_number)
    measures = list(page.object_list)
    ids = [m.pk for m in measures]
    submissions = {s.measure_id: s for s in Submission.objects.filter(measure_id__in=ids, plan_year=plan_year)}
    # By the indicators' and items' ids, which the unique indexes answer directly: a join on
    # the measures let SQLite walk the whole year's rows of a large plan (12 ms a query at
    # 10,000 measures).
    indicator_measure = dict(Indicator.objects.filter(measure_id__in=ids).order_by().values_list("pk", "measure_id"))
    indicator_ids = list(indicator_measure)
    reported = set(
        Actual.objects.filter(indicator_id__in=indicator_ids, plan_year=plan_year).values_list(
            "indicator_id", flat=True
        )
    )
    missing_actuals: Counter[int] = Counter()
    for target in Target.objects.filter(indicator_id__in=indicator_ids, plan_year=plan_year).order_by():
        if target.is_set and target.indicator_id not in reported:
            missing_actuals[indicator_measure[target.indicator_id]] += 1
    item_measure = dict(ScheduleItem.objects.filter(measure_id__in=ids).order_by().values_list("pk", "measure_id"))
    item_ids = list(item_measure)
    this_year = ScheduleItem.years.through.objects.filter(scheduleitem_id__in=item_ids, planyear_id=plan_year.pk)
    with_progress = set(
        ScheduleProgress.objects.filter(schedule_item_id__in=item_ids, plan_year=plan_year).values_list(
            "schedule_item_id", flat=True
        )
    )
    missing_progress: Counter[int] = Counter()
    for item_id in this_year.values_list("scheduleitem_id", flat=True):
        if item_id not in with_progress:
            missing_progress[item_measure[item_id]] += 1
    requests = open_requests(submissions.values())
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
                open_request=requests.get(submission.pk) if submission else None,
                overdue=is_overdue(status, deadline),
            )
        )
    return items, page


def entry_year_default(plan: Plan) -> int:
    """Clerks report on the latest year still open for entry."""
    latest_open = max((year.fiscal_year for year in plan_years(plan) if year.is_open), default=None)
    return latest_open or plan.last_fiscal_year


def entry_rows(measure: Measure, plan_year: PlanYear, *, with_targets: bool = True, indicators=None):
    """What an entry form is built on: the measure's indicators, this year's targets and the
    year's schedule items. Without `with_targets` the targets are None, for a posted form,
    which shows them only when it is rejected (`entry_targets`). `indicators` are the
    measure's, with their parts, when the caller has them (its card)."""
    if indicators is None:
        indicators = list(measure.indicators.select_related("subprogramme"))
    targets = entry_targets(plan_year, indicators) if with_targets else None
    items = list(measure.schedule_items.filter(years=plan_year).select_related("subprogramme"))
    return indicators, targets, items


def entry_targets(plan_year: PlanYear, indicators) -> dict[int, Target]:
    """The indicators' targets for the year, keyed by indicator id."""
    # By the indicators' ids, which the unique index answers directly; a join on the measure
    # lets SQLite scan a whole year's rows of a large plan.
    return {
        t.indicator_id: t
        for t in Target.objects.filter(indicator_id__in=[i.pk for i in indicators], plan_year=plan_year).order_by()
    }


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


# How many changes the measure page lists, and how deep each kind of history is read.
HISTORY_LIMIT = 100


@dataclass
class Change:
    when: datetime
    who: str
    what: str
    old: str
    new: str


def measure_history(
    measure: Measure,
    *,
    indicator_names: dict[int, str] | None = None,
    item_names: dict[int, str] | None = None,
    limit: int = HISTORY_LIMIT,
) -> list[Change]:
    """The latest changes of this measure's actuals, targets, reports and progress: who,
    when, old, new.

    Each kind of history is read newest first and only `limit` records deep, all four kinds
    in one statement (`core.db.history_windows`), as plain values rather than model
    instances, so that a measure saved a thousand times costs no more than one saved a
    hundred times. A record whose predecessor lies beyond that window is left out rather
    than shown as a change from nothing.

    The records are picked by the ids of the measure's indicators and schedule items and
    named from `indicator_names` and `item_names` (id → name), which a caller that has read
    them passes in; joins to name them would cost more than the reads themselves.
    """
    if indicator_names is None:
        indicator_names = dict(measure.indicators.values_list("pk", "name"))
    if item_names is None:
        item_names = dict(measure.schedule_items.values_list("pk", "name"))
    year_labels = {year.pk: full_label(year.fiscal_year) for year in plan_years(measure.plan)}
    # A status is shown by its own field's label: "not_started" is 未入力 for a report but
    # 未着手 for progress, and free text is shown as typed.
    submission, progress, milestone = (
        {value: str(label) for value, label in choices}
        for choices in (SubmissionStatus.choices, ProgressStatus.choices, MilestoneStatus.choices)
    )
    # Raw values until the newest `limit` are picked: only those are put into words. A change
    # is (when, who, describe, owner, plan year id, label, old, new, choices).
    changes: list[tuple] = []

    actual_fields = [
        ("value", _("実績値"), None),
        ("milestone_status", _("達成状況"), milestone),
        ("description", _("実施内容"), None),
    ]
    target_fields = [("text", _("目標"), None)]
    submission_fields = [
        ("status", _("状態"), submission),
        ("achievements_text", _("取組実績"), None),
        ("issues_text", _("課題"), None),
        ("next_steps_text", _("今後の方向性"), None),
    ]
    progress_fields = [("status", _("進捗"), progress), ("note", _("補足"), None)]

    def kind(model, owner, owner_ids, describe, fields):
        """A kind of history: what to read of it, how to name a record's owner, its fields."""
        columns = ["plan_year_id", *(name for name, _label, _choices in fields)]
        return HistoryWindow(model, owner, owner_ids, columns), describe, fields

    indicator_ids, item_ids = list(indicator_names), list(item_names)
    kinds = [
        kind(Actual, "indicator_id", indicator_ids, indicator_names.__getitem__, actual_fields),
        kind(Target, "indicator_id", indicator_ids, indicator_names.__getitem__, target_fields),
        kind(Submission, "measure_id", [measure.pk], lambda _measure_id: _("年度報告"), submission_fields),
        kind(
            ScheduleProgress,
            "schedule_item_id",
            item_ids,
            lambda pk: _("取組「%(name)s」") % {"name": item_names[pk]},
            progress_fields,
        ),
    ]
    windows = history_windows([window for window, _describe, _fields in kinds], limit + 1)
    for (_window, describe, fields), records in zip(kinds, windows, strict=True):
        records.reverse()  # oldest first, so that each record is compared with the one before
        truncated = len(records) > limit
        previous_by_object: dict[int, list] = {}
        for object_id, history_type, when, _history_id, username, owner_id, plan_year_id, *values in records:
            before = previous_by_object.get(object_id)
            previous_by_object[object_id] = values
            if before is None and truncated and history_type != "+":
                continue
            for index, (_name, label, choices) in enumerate(fields):
                old = before[index] if before else ""
                new = "" if history_type == "-" else values[index]
                if old != new and not (old in (None, "") and new in (None, "")):
                    changes.append((when, username or "—", describe, owner_id, plan_year_id, label, old, new, choices))
    changes.sort(key=lambda c: c[0], reverse=True)
    return [
        Change(
            when,
            who,
            _("%(what)s（%(year)s）：%(label)s")
            % {"what": describe(owner_id), "year": year_labels[plan_year_id], "label": label},
            _display(old, choices),
            _display(new, choices),
        )
        for when, who, describe, owner_id, plan_year_id, label, old, new, choices in changes[:limit]
    ]


def _display(value, choices: dict[str, str] | None) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return choices.get(value, value) if choices else str(value)


@dataclass(frozen=True)
class TransitionRow:
    at: datetime
    fiscal_year: int
    user: str
    from_label: str
    to_label: str
    comment: str


def transitions_for(measure: Measure, *, with_comments: bool = True) -> list[TransitionRow]:
    """The measure's workflow moves, newest first, as values. The comments are the report's
    conversation (pdca.rights.may_read_conversation): without `with_comments` they are left out."""
    labels = dict(SubmissionStatus.choices)
    rows = (
        Transition.objects.filter(submission__measure_id=measure.pk)
        .order_by("-at", "-pk")
        .values_list(
            "at",
            "submission__plan_year__fiscal_year",
            "user__first_name",
            "user__last_name",
            "user__username",
            "from_status",
            "to_status",
            "comment",
        )
    )
    return [
        TransitionRow(
            at,
            fiscal_year,
            f"{first or ''} {last or ''}".strip() or username or "—",
            str(labels.get(old, old)),
            str(labels.get(new, new)),
            comment if with_comments else "",
        )
        for at, fiscal_year, first, last, username, old, new, comment in rows
    ]


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


@dataclass(frozen=True)
class MessageRow:
    at: datetime
    kind: str
    kind_label: str
    author: str
    text: str
    from_headquarters: bool


def conversation(submission: Submission | None) -> list[MessageRow]:
    """A report's conversation, newest first, with who and when (one query)."""
    if submission is None or submission.pk is None:
        return []
    return [
        MessageRow(
            message.at,
            message.kind,
            message.get_kind_display(),
            display_name(message.author),
            message.text,
            from_headquarters=message.kind != "reply",
        )
        for message in submission.messages.select_related("author").order_by("-at", "-pk")
    ]


# Statuses in which a return or a reopen still waits for the section: the report goes back to
# 提出済 only through a new submission, so in these the latest request is unanswered.
AWAITING_SECTION = (SubmissionStatus.RETURNED, SubmissionStatus.DRAFT)


def open_requests(submissions) -> dict[int, Message]:
    """For each report that headquarters returned or reopened and the section has not
    submitted again, the latest such message, keyed by submission id (one query)."""
    waiting = [s.pk for s in submissions if s.pk is not None and s.status in AWAITING_SECTION]
    if not waiting:
        return {}
    latest: dict[int, Message] = {}
    for message in (
        Message.objects.filter(submission_id__in=waiting, kind__in=REQUEST_KINDS)
        .select_related("author")
        .order_by("submission_id", "-at", "-pk")
    ):
        latest.setdefault(message.submission_id, message)
    return latest


def chosen_basis(user, raw: str | None) -> Basis:
    """The basis a page's figures are shown on (indicators.basis): `?basis=` for those who
    may choose it (`pdca.rights.may_choose_basis`), else the default 提出済以上."""
    if rights.may_choose_basis(user):
        return basis_or_default(raw)
    return DEFAULT_BASIS


UNSUBMITTED = (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


@dataclass
class BoardRow:
    """One bureau or section of the submission status board: how many of its measures are at
    each status in the year, and the codes of those not yet submitted."""

    bureau: str
    section: str  # empty on a bureau's own row
    counts: dict[str, int]
    unsubmitted: list[str]

    @property
    def measures(self) -> int:
        return sum(self.counts.values())


def submission_board(*, plan: Plan, fiscal_year: int) -> list[BoardRow]:
    """Each bureau (in plan order) followed by its sections (in plan order), with counts per
    submission status and the measures not yet submitted (未入力, 入力中, 差戻し). A measure
    owned by two sections counts in each, and once in its bureau. A fixed number of queries."""
    statuses = dict(
        Submission.objects.filter(measure__plan=plan, plan_year__fiscal_year=fiscal_year).values_list(
            "measure_id", "status"
        )
    )
    by_section: dict[int, list[tuple[str, str]]] = {}
    by_bureau: dict[int, dict[int, tuple[str, str]]] = {}
    for section_id, bureau_id, measure_id, code in (
        MeasureSection.objects.filter(measure__plan=plan)
        .order_by("measure__order")
        .values_list("section_id", "section__bureau_id", "measure_id", "measure__code")
    ):
        status = statuses.get(measure_id, SubmissionStatus.NOT_STARTED.value)
        by_section.setdefault(section_id, []).append((code, status))
        by_bureau.setdefault(bureau_id, {})[measure_id] = (code, status)

    def row(bureau: str, section: str, measures) -> BoardRow:
        counts = {status.value: 0 for status in SubmissionStatus}
        unsubmitted = []
        for code, status in measures:
            counts[status] += 1
            if status in UNSUBMITTED:
                unsubmitted.append(code)
        return BoardRow(bureau, section, counts, unsubmitted)

    sections_of: dict[int, list] = {}
    for section in sections_in_plan_order(plan):
        sections_of.setdefault(section.bureau_id, []).append(section)
    rows = []
    for bureau in bureaus_in_plan_order(plan):
        rows.append(row(bureau.name, "", by_bureau.get(bureau.pk, {}).values()))
        rows.extend(row(bureau.name, s.name, by_section.get(s.pk, [])) for s in sections_of.get(bureau.pk, []))
    return rows


def plausibility_flags(plan_year: PlanYear, measure_ids: Iterable[int]) -> dict[int, list[str]]:
    """For headquarters' queue: the plausibility warnings (indicators.plausibility) the clerk
    confirmed on each measure's actuals in the year, keyed by measure id, as Japanese labels
    ("目標値から大きく離れた値" …), each once. Measures without any are absent. One query."""
    rows = (
        Actual.objects.filter(plan_year=plan_year, indicator__measure_id__in=list(measure_ids))
        .exclude(confirmed_warnings=[])
        .order_by()
        .values_list("indicator__measure_id", "confirmed_warnings")
    )
    flags: dict[int, list[str]] = {}
    for measure_id, codes in rows:
        labels = flags.setdefault(measure_id, [])
        for code in codes:
            label = str(PLAUSIBILITY_LABELS.get(code, code))
            if label not in labels:
                labels.append(label)
    return flags
