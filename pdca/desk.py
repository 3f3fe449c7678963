"""Reads for headquarters' review desk: the review queue, the submission board, deadlines and
what is overdue. Each list reads its page in a fixed number of queries, whatever the size of
the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from measures.models import Measure, MeasureSection, Plan, PlanYear, Section
from measures.selectors import measure_list
from pdca.models import Submission, SubmissionDeadline, SubmissionStatus, Transition

# Reports the section still owes: not started, being written, or sent back.
OWED = (SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)

# The queue's filter for everything still owed (what the board counts as overdue once the
# deadline has passed).
OWED_FILTER = "owed"

# The board's columns, in the order of the cycle.
BOARD_STATUSES = [
    SubmissionStatus.NOT_STARTED,
    SubmissionStatus.DRAFT,
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.RETURNED,
    SubmissionStatus.APPROVED,
]


def deadline_of(plan_year: PlanYear) -> date | None:
    """The year's submission deadline, if headquarters has set one."""
    return SubmissionDeadline.objects.filter(plan_year=plan_year).values_list("due_on", flat=True).first()


def today() -> date:
    return timezone.localdate()


def is_overdue(status: str, deadline: date | None, on: date | None = None) -> bool:
    """A report is overdue once its year's deadline has passed while the section still owes it."""
    return deadline is not None and (on or today()) > deadline and status in OWED


def with_report_status(measures: QuerySet[Measure], plan_year: PlanYear, status: str) -> QuerySet[Measure]:
    """The measures whose report for the year is at `status` (a SubmissionStatus, or
    OWED_FILTER for everything not yet submitted); all of them for an empty status. A measure
    without a report row counts as 未入力."""
    reports = Submission.objects.filter(measure=OuterRef("pk"), plan_year=plan_year)
    if status == OWED_FILTER:
        done = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
        return measures.exclude(Exists(reports.filter(status__in=done)))
    if status == SubmissionStatus.NOT_STARTED:
        return measures.exclude(Exists(reports.exclude(status=SubmissionStatus.NOT_STARTED)))
    if status in SubmissionStatus.values:
        return measures.filter(Exists(reports.filter(status=status)))
    return measures


def queue_measures(
    plan: Plan,
    plan_year: PlanYear,
    *,
    status: str = "",
    bureau: int | None = None,
    section: int | None = None,
) -> QuerySet[Measure]:
    """The plan's measures for the review queue: those whose report for the year is at
    `status` (all when empty), in the bureau or section, each with `submitted_at`, the time
    of its latest submission. Bare otherwise, so that counting and paging read little."""
    measures = with_report_status(measure_list(plan), plan_year, status)
    if section:
        measures = measures.filter(pk__in=MeasureSection.objects.filter(section_id=section).values("measure_id"))
    elif bureau:
        measures = measures.filter(pk__in=MeasureSection.objects.filter(section__bureau_id=bureau).values("measure_id"))
    submitted = (
        Transition.objects.filter(
            submission__measure=OuterRef("pk"),
            submission__plan_year=plan_year,
            to_status=SubmissionStatus.SUBMITTED,
        )
        .order_by("-at")
        .values("at")[:1]
    )
    return measures.annotate(submitted_at=Subquery(submitted))


def waiting_days(submitted_at: datetime | None, now: datetime | None = None) -> int | None:
    if submitted_at is None:
        return None
    return max(0, ((now or timezone.now()) - submitted_at).days)


@dataclass
class BoardRow:
    """One section's reports for a year: how many at each status, and how many overdue."""

    bureau_id: int
    bureau: str
    section_id: int
    section: str
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def measures(self) -> int:
        return sum(self.counts.values())

    @property
    def owed(self) -> int:
        return sum(self.counts.get(status, 0) for status in OWED)

    def cells(self) -> list[tuple[str, int]]:
        return [(status.value, self.counts.get(status.value, 0)) for status in BOARD_STATUSES]


# How the board sorts: worst first (most overdue, then most still owed), or by name.
BOARD_SORTS = {
    "worst": lambda row: (-row.overdue, -row.owed, row.bureau, row.section),
    "name": lambda row: (row.bureau, row.section),
    "owed": lambda row: (-row.owed, -row.overdue, row.bureau, row.section),
}


def board_rows(
    plan: Plan, plan_year: PlanYear, *, sections: QuerySet[Section] | None = None, on: date | None = None
) -> list[BoardRow]:
    """Per section owning measures of the plan (or only `sections`), the count of its measures'
    reports at each status for the year, and how many are overdue. A measure shared by two
    sections counts in both. Two queries, whatever the number of measures."""
    owners = MeasureSection.objects.filter(measure__plan=plan)
    if sections is not None:
        owners = owners.filter(section__in=sections)
    reported = [status for status in BOARD_STATUSES if status != SubmissionStatus.NOT_STARTED]
    in_year = Q(measure__submissions__plan_year=plan_year)
    aggregates = {
        status.value: Count("measure", filter=in_year & Q(measure__submissions__status=status), distinct=True)
        for status in reported
    }
    rows = (
        owners.order_by()
        .values("section_id", "section__name", "section__bureau_id", "section__bureau__name")
        .annotate(total=Count("measure", distinct=True), **aggregates)
    )
    deadline = deadline_of(plan_year)
    overdue_now = deadline is not None and (on or today()) > deadline
    board = []
    for row in rows:
        counts = {status.value: row[status.value] for status in reported}
        counts[SubmissionStatus.NOT_STARTED.value] = row["total"] - sum(counts.values())
        board.append(
            BoardRow(
                bureau_id=row["section__bureau_id"],
                bureau=row["section__bureau__name"],
                section_id=row["section_id"],
                section=row["section__name"],
                counts=counts,
            )
        )
    for board_row in board:
        board_row.overdue = board_row.owed if overdue_now else 0
    return board


def board_totals(rows: list[BoardRow]) -> BoardRow:
    """The board's sum over its rows (a measure shared by two sections counts twice, as in
    the rows)."""
    total = BoardRow(bureau_id=0, bureau="", section_id=0, section="")
    for row in rows:
        for status, count in row.counts.items():
            total.counts[status] = total.counts.get(status, 0) + count
        total.overdue += row.overdue
    return total
