"""Tables (django-tables2): sortable and paginated by links, so they work without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import django_tables2 as tables
from django.db.models import F, OuterRef, Subquery
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from core.links import link_maker, path_maker
from core.numbers import format_rate
from indicators.basis import Basis, counts_on
from indicators.models import MeasureResult
from indicators.selectors import ROLLUP_COLUMNS, Rollup, StoredRollup, plan_bands, rollup_of
from measures.models import Measure
from measures.selectors import section_names
from pdca import desk
from pdca.models import Submission, SubmissionStatus
from pdca.selectors import plausibility_flags


def _nulls_last(name: str, descending: bool) -> OrderBy:
    """Rows without a figure (nothing graded yet) last in either direction, on both
    databases: PostgreSQL otherwise puts NULL first when sorting from the highest."""
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


@dataclass
class HeaderCell:
    label: str
    url: str | None
    sort: str | None  # "ascending" / "descending" for the column the rows are sorted by


class FastTable(tables.Table):
    """A django-tables2 table (sorting and paging by links, in the database) rendered by its
    own template, which extends `pdca/tables/table.html`: the header from `header_cells`, one
    row per item of `page_rows` through the template's `row` block.

    `page_rows` reads the page as plain values (a model instance or a bound row costs more
    than its query), so the template shows what was read and computes nothing."""

    max_per_page = 100

    def page_rows(self) -> Sequence[Any]:
        raise NotImplementedError

    def paginate(self, *args, per_page: int | None = None, **kwargs):
        """At most `max_per_page` rows a page, whatever `?per_page=` asks (django-tables2
        takes it from the request), so that no request renders a whole large plan."""
        if per_page is not None and per_page <= 0:
            per_page = None  # the table's own Meta.per_page
        elif per_page is not None:
            per_page = min(per_page, self.max_per_page)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def header_cells(self) -> list[HeaderCell]:
        """The header's cells: sortable ones link to the next order, and the column the rows
        are sorted by says so (aria-sort)."""
        query = self.request.GET.copy()
        query.pop(self.prefixed_page_field, None)  # a new order starts on the first page
        url = link_maker(query, self.prefixed_order_by_field)
        current = {ob.bare: ("descending" if ob.is_descending else "ascending") for ob in (self.order_by or ())}
        return [
            HeaderCell(
                str(column.header),
                url(column.order_by_alias.next) if column.orderable else None,
                current.get(column.name),
            )
            for column in self.columns
        ]


class MeasureTable(FastTable):
    """The measure list, sorted and paged by the database."""

    code = tables.Column(verbose_name=_("施策No"), order_by=("order",))
    # Every sort ends on the plan order, so that a page boundary is the same on every request.
    name = tables.Column(verbose_name=_("施策名"), order_by=("name", "order"))
    field = tables.Column(
        verbose_name=_("分野"),
        accessor="field__name",
        order_by=("field__code", "order"),
    )
    primary_bureau = tables.Column(verbose_name=_("所管局"), order_by=("owner__section__bureau__name", "order"))
    primary_section = tables.Column(verbose_name=_("所属"), order_by=("owner__section__name", "order"))
    target_fiscal_year = tables.Column(verbose_name=_("達成年度"), order_by=("target_fiscal_year", "order"))
    result = tables.Column(verbose_name=_("評価"), empty_values=(), orderable=False)
    report_status = tables.Column(verbose_name=_("報告の状態"), empty_values=(), orderable=False)

    class Meta:
        model = Measure
        fields = ["code", "name", "field", "primary_bureau", "primary_section", "target_fiscal_year"]
        per_page = 100
        template_name = "pdca/tables/measure_table.html"
        empty_text = _("条件に合う施策はありません。")

    def __init__(self, *args, fiscal_year: int, plan_year=None, basis: str = Basis.ENTERED, **kwargs):
        self.fiscal_year = fiscal_year
        self.plan_year = plan_year
        self.basis = basis
        super().__init__(*args, **kwargs)

    def page_rows(self) -> list[Measure]:
        """The current page's measures, with their field, primary bureau and section, the
        year's result (`result_grade`, and `result_text`: the rate when graded, else the
        outcome, else "—"), and `url` and `target_label` made here, cheaper than by template.

        Sorting and paging read only the measures' ids from the bare `measure_list` queryset;
        the columns are then joined for these hundred ids alone. Selected with the page, they
        would be computed for every row that OFFSET skips (PostgreSQL does), so the last page
        of 10,000 measures would cost a hundred times the first. The table's own queryset is
        narrowed to the ids, so the rows are the filtered ones and keep its `owner` relation.
        """
        ids = list(self.page.object_list.data.values_list("pk", flat=True))
        result = MeasureResult.objects.filter(measure=OuterRef("pk"), plan_year__fiscal_year=self.fiscal_year)
        result = result.order_by()
        rows = (
            self.data.data.filter(pk__in=ids)
            .order_by()
            .select_related("field")
            .only("plan", "code", "name", "target_fiscal_year", "field__name")
            .annotate(
                primary_bureau=F("owner__section__bureau__name"),
                primary_section=F("owner__section__name"),
                result_rate=Subquery(result.values("rate")[:1]),
                result_grade=Subquery(result.values("grade")[:1]),
                result_outcome=Subquery(result.values("outcome")[:1]),
                result_reached=Subquery(result.values("basis_reached")[:1]),
            )
        )
        by_id = {measure.pk: measure for measure in rows}
        outcomes = dict(MeasureResult.Outcome.choices)
        detail = path_maker("measure_detail", "code")
        page = [by_id[pk] for pk in ids if pk in by_id]
        statuses = dict(
            Submission.objects.filter(measure_id__in=ids, plan_year=self.plan_year).values_list("measure_id", "status")
            if self.plan_year is not None
            else ()
        )
        labels = dict(SubmissionStatus.choices)
        deadline = desk.deadline_of(self.plan_year) if self.plan_year is not None else None
        for measure in page:
            measure.report_status = statuses.get(measure.pk, SubmissionStatus.NOT_STARTED.value)
            measure.report_status_label = labels[measure.report_status]
            measure.report_overdue = desk.is_overdue(measure.report_status, deadline)
            measure.url = f"{detail(measure.code)}?year={self.fiscal_year}"
            measure.target_label = full_label(measure.target_fiscal_year)
            if measure.result_grade and not counts_on(measure.result_reached, self.basis):
                # Below the page's basis (indicators.basis): 未報告 there.
                measure.result_grade, measure.result_text = "", outcomes[MeasureResult.Outcome.UNREPORTED]
            elif measure.result_grade:
                measure.result_text = format_rate(measure.result_rate)
            else:
                measure.result_text = outcomes.get(measure.result_outcome, "—")
        return page


class GroupResultTable(FastTable):
    """A level's stored roll-ups (GroupResult rows): sorted and paged by the database, so a
    plan with thousands of sections pays for one page."""

    measures = tables.Column(verbose_name=_("施策数"))
    mean_rate = tables.Column(verbose_name=_("平均達成率"))
    grade = tables.Column(verbose_name=_("評価"), order_by=("mean_rate",), empty_values=())
    grades = tables.Column(verbose_name=_("評価の内訳"), orderable=False, empty_values=())
    unreported = tables.Column(verbose_name=_("未報告"))
    no_target = tables.Column(verbose_name=_("対象外"))
    judgement = tables.Column(verbose_name=_("進捗判定"), orderable=False, empty_values=())

    def __init__(self, *args, plan, **kwargs):
        self.plan = plan
        self.bands = plan_bands(plan)
        super().__init__(*args, **kwargs)

    def order_mean_rate(self, queryset, is_descending: bool):
        return queryset.order_by(_nulls_last("mean_rate", is_descending), "pk"), True

    def order_grade(self, queryset, is_descending: bool):
        return self.order_mean_rate(queryset, is_descending)

    # The columns that name a row's group, read with its figures: the names stored on the
    # row itself (kept current by every rebuild), so that a page needs no join.
    name_columns: tuple[str, ...] = ()

    def page_rows(self) -> list[GroupRow]:
        """The page's rows, with their figures graded and judged by the plan's rules; read as
        plain values (indicators.selectors.StoredRollup)."""
        width = len(self.name_columns)
        rows = self.page.object_list.data.values_list(*self.name_columns, *ROLLUP_COLUMNS)
        return [
            GroupRow(
                dict(zip(self.name_columns, row[:width], strict=True)), rollup_of(self.plan, StoredRollup(*row[width:]))
            )
            for row in rows
        ]


@dataclass(frozen=True)
class GroupRow:
    """A row of a roll-up table: its group's names (`name_columns`) and its figures."""

    names: dict[str, Any]
    rollup: Rollup


class BureauTable(GroupResultTable):
    """Bureaus: what their sections own, counted once per bureau, and how it stands."""

    # Sorted by the names stored on the row (GroupResult.sort_bureau), along its index.
    bureau = tables.Column(verbose_name=_("局"), accessor="bureau__name", order_by=("sort_bureau",))

    class Meta:
        template_name = "pdca/tables/bureau_table.html"
        sequence = ("bureau", "measures", "mean_rate", "grade", "grades", "unreported", "no_target", "judgement")
        order_by = ("bureau",)

    name_columns = ("sort_bureau",)


class DepartmentTable(GroupResultTable):
    """Sections with what they own and how it stands; the user's own sections highlighted."""

    # Sorted by the names stored on the row (GroupResult.sort_bureau, sort_section), the
    # default along their index; a section name shared by two bureaus is ordered by bureau.
    bureau = tables.Column(
        verbose_name=_("局"),
        accessor="section__bureau__name",
        order_by=("sort_bureau", "sort_section"),
    )
    section = tables.Column(verbose_name=_("所属"), accessor="section__name", order_by=("sort_section", "sort_bureau"))

    class Meta:
        template_name = "pdca/tables/department_table.html"
        sequence = (
            "bureau",
            "section",
            "measures",
            "mean_rate",
            "grade",
            "grades",
            "unreported",
            "no_target",
            "judgement",
        )
        order_by = ("bureau", "section")

    def __init__(self, *args, mine: set[int], **kwargs):
        self.mine = mine
        super().__init__(*args, **kwargs)

    name_columns = ("section_id", "sort_bureau", "sort_section")


class RiskTable(FastTable):
    """The dashboard's measures at risk (see pdca.dashboard.measures_at_risk), paged and
    sortable by links; its page is read as values (RiskRecord)."""

    code = tables.Column(verbose_name=_("施策No"), order_by=("order",))
    name = tables.Column(verbose_name=_("施策名"))
    sections = tables.Column(verbose_name=_("所管"), empty_values=(), orderable=False)
    risk_rate = tables.Column(verbose_name=_("達成率"))
    reasons = tables.Column(verbose_name=_("理由"), empty_values=(), orderable=False)
    risk_status = tables.Column(verbose_name=_("報告の状態"))

    class Meta:
        template_name = "pdca/tables/risk_table.html"
        empty_text = _("該当する施策はありません。")

    def __init__(self, *args, fiscal_year: int, low_bands: list[str], my_measures: set[int], **kwargs):
        self.fiscal_year = fiscal_year
        self.low_bands = low_bands
        self.my_measures = my_measures
        super().__init__(*args, **kwargs)

    def page_rows(self) -> list[RiskRow]:
        """The page's measures as plain values (a Measure instance costs more than its row),
        each with its sections' names (measures.selectors.section_names), its address, why it
        is listed and its report's state."""
        rows = list(self.page.object_list.data.values_list(*RiskRecord._fields[:-1]))
        names = section_names(measure_ids=[row[0] for row in rows])
        detail = path_maker("measure_detail", "code")
        status_labels = dict(SubmissionStatus.choices)
        page = []
        for row in rows:
            record = RiskRecord(*row, section_names=names[row[0]])
            page.append(
                RiskRow(
                    record=record,
                    url=f"{detail(record.code)}?year={self.fiscal_year}",
                    mine=record.pk in self.my_measures,
                    sections="、".join(record.section_names),
                    reasons="、".join(str(reason) for reason in self.reasons_of(record)),
                    status=status_labels[record.risk_status],
                )
            )
        return page

    def order_risk_rate(self, queryset, is_descending: bool):
        return queryset.order_by(_nulls_last("risk_rate", is_descending), "order"), True

    def reasons_of(self, record) -> list[str]:
        reasons = []
        if record.risk_grade in self.low_bands:
            reasons.append(_("評価%(grade)s") % {"grade": record.risk_grade})
        if record.risk_outcome == "unreported":
            reasons.append(_("未報告"))
        if record.risk_delayed:
            reasons.append(_("取組の遅延"))
        return reasons


class RiskRecord(NamedTuple):
    """A measure at risk as its list shows it (pdca.dashboard.measures_at_risk's columns)."""

    pk: int
    code: str
    name: str
    risk_rate: Decimal | None
    risk_grade: str | None
    risk_outcome: str | None
    risk_delayed: bool
    risk_status: str
    section_names: list[str]


@dataclass(frozen=True)
class RiskRow:
    """A row of the at-risk list as its template shows it."""

    record: RiskRecord
    url: str
    mine: bool  # one of the signed-in clerk's measures
    sections: str
    reasons: str
    status: str


@dataclass(frozen=True)
class QueueRow:
    """A row of the review queue as its template shows it."""

    measure_id: int
    code: str
    name: str
    url: str
    sections: str
    status: str
    status_label: str
    submission_id: int | None
    submitted_at: Any
    waiting_days: int | None
    grade: str | None
    result_text: str
    flags: list[str]
    overdue: bool
    actionable: bool  # headquarters may approve or return it now
    typed_comment: str


class ReviewQueueTable(FastTable):
    """Headquarters' review queue (pdca.desk.queue_measures): oldest submission first by
    default; its page read as values with the report, the entry's grade and any flags."""

    select = tables.Column(verbose_name=_("選択"), empty_values=(), orderable=False)
    code = tables.Column(verbose_name=_("施策No"), order_by=("order",))
    name = tables.Column(verbose_name=_("施策名"), order_by=("name", "order"))
    sections = tables.Column(verbose_name=_("所管"), empty_values=(), orderable=False)
    status = tables.Column(verbose_name=_("状態"), empty_values=(), orderable=False)
    submitted_at = tables.Column(verbose_name=_("提出日時（待ち日数）"))
    grade = tables.Column(verbose_name=_("入力内容による評価"), empty_values=(), orderable=False)
    flags = tables.Column(verbose_name=_("確認事項"), empty_values=(), orderable=False)
    actions = tables.Column(verbose_name=_("操作"), empty_values=(), orderable=False)

    class Meta:
        per_page = 50
        template_name = "pdca/tables/review_queue_table.html"
        empty_text = _("条件に合う報告はありません。")

    def __init__(self, *args, plan_year, deadline, may_act: bool, typed: dict[int, str] | None = None, **kwargs):
        self.plan_year = plan_year
        self.deadline = deadline
        self.may_act = may_act
        self.typed = typed or {}
        super().__init__(*args, **kwargs)

    def order_submitted_at(self, queryset, is_descending: bool):
        return queryset.order_by(_nulls_last("submitted_at", is_descending), "order"), True

    def page_rows(self) -> list[QueueRow]:
        rows = list(self.page.object_list.data.values_list("pk", "code", "name", "submitted_at"))
        ids = [row[0] for row in rows]
        reports = {
            measure_id: (pk, status)
            for pk, measure_id, status in Submission.objects.filter(
                measure_id__in=ids, plan_year=self.plan_year
            ).values_list("pk", "measure_id", "status")
        }
        results = {
            measure_id: (grade, rate, outcome)
            for measure_id, grade, rate, outcome in MeasureResult.objects.filter(
                measure_id__in=ids, plan_year=self.plan_year
            ).values_list("measure_id", "grade", "rate", "outcome")
        }
        names = section_names(measure_ids=ids)
        flags = plausibility_flags(self.plan_year, ids)
        detail = path_maker("measure_detail", "code")
        labels = dict(SubmissionStatus.choices)
        outcomes = dict(MeasureResult.Outcome.choices)
        now = timezone.now()
        page = []
        for pk, code, name, submitted_at in rows:
            submission_id, status = reports.get(pk, (None, SubmissionStatus.NOT_STARTED.value))
            grade, rate, outcome = results.get(pk, (None, None, None))
            waiting = status == SubmissionStatus.SUBMITTED
            page.append(
                QueueRow(
                    measure_id=pk,
                    code=code,
                    name=name,
                    url=f"{detail(code)}?year={self.plan_year.fiscal_year}",
                    sections="、".join(names[pk]),
                    status=status,
                    status_label=str(labels[status]),
                    submission_id=submission_id,
                    submitted_at=submitted_at
                    if status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
                    else None,
                    waiting_days=desk.waiting_days(submitted_at, now) if waiting else None,
                    grade=grade or None,
                    result_text=format_rate(rate) if grade else str(outcomes.get(outcome, "—")),
                    flags=flags.get(pk, []),
                    overdue=desk.is_overdue(status, self.deadline),
                    actionable=self.may_act and waiting,
                    typed_comment=self.typed.get(pk, ""),
                )
            )
        return page
