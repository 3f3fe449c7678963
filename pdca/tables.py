"""Tables (django-tables2): sortable and paginated by links, so they work without JavaScript."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from html import escape
from typing import Any, NamedTuple

import django_tables2 as tables
from django.db.models import F, OuterRef, Subquery
from django.db.models.expressions import OrderBy
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.fiscal_year import full_label
from core.links import link_maker, path_maker
from core.numbers import format_rate
from indicators.achievement import Band
from indicators.models import MeasureResult
from indicators.selectors import ROLLUP_COLUMNS, Rollup, StoredRollup, plan_bands, rollup_of
from measures.models import Measure
from measures.selectors import section_names
from pdca.models import SubmissionStatus


def _nulls_last(name: str, descending: bool) -> OrderBy:
    """Rows without a figure (nothing graded yet) last in either direction, on both
    databases: PostgreSQL otherwise puts NULL first when sorting from the highest."""
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


# Marks the rows of the signed-in clerk's own sections and measures.
MINE = _("（担当）")


def _row_opening(mine: bool) -> tuple[str, str]:
    """A row's opening tag and the mark after its name: highlighted for the clerk's own."""
    if mine:
        return '<tr class="highlight">', f'<span class="mine">{escape(str(MINE))}</span>'
    return "<tr>", ""


def rollup_cells(r: Rollup | None, bands: Sequence[Band]) -> str:
    """A roll-up's cells: mean rate, grade, grades by band, unreported, no target, judgement.
    Counts are ints (stored and summed as such); the plan's codes and labels are escaped."""
    r = r or Rollup()
    if r.grade:
        grade = escape(r.grade)
        grade_cell = f'<span class="grade grade-{grade}">{grade}</span>'
    else:
        grade_cell = "—"
    breakdown = " / ".join(f"{escape(b.code)}&nbsp;{int(r.grade_counts.get(b.code, 0))}" for b in bands)
    return (
        f'<td class="num">{format_rate(r.mean_rate)}</td><td>{grade_cell}</td><td>{breakdown}</td>'
        f'<td class="num">{int(r.unreported or 0)}</td><td class="num">{int(r.no_target or 0)}</td>'
        f"<td>{escape(r.judgement) if r.judgement else '—'}</td>"
    )


def tree_rows(rows: Sequence[Any], bands: Sequence[Band], fiscal_year: int) -> str:
    """The dashboard's pillar and sub-pillar rows (pdca.dashboard.TreeRow): a pillar's name,
    a sub-pillar's as a link to its measures, then the roll-up's cells."""
    measure_list = reverse("measure_list")
    pillar_label = escape(str(_("柱")))
    html = []
    for row in rows:
        name = f"{escape(row.code)} {escape(row.name)}"
        if row.level == "pillar":
            label = f"{pillar_label} {name}"
        else:
            label = f'<a href="{measure_list}?subpillar={int(row.pk)}&amp;year={int(fiscal_year)}">{name}</a>'
        html.append(
            f'<tr class="level-{escape(row.level)}"><th scope="row">{label}</th>'
            f'<td class="num">{int(row.rollup.measures)}</td>{rollup_cells(row.rollup, bands)}</tr>'
        )
    return "\n".join(html)


def _when(moment) -> str:
    """A history time as the measure page shows it: local time to the minute."""
    return escape(localtime(moment).strftime("%Y-%m-%d %H:%M"))


def history_rows(changes: Sequence[Any]) -> str:
    """The measure page's change history (pdca.selectors.Change): when, who, what, old, new.
    Up to a hundred rows, hence written here rather than through the template."""
    return "\n".join(
        f"<tr><td>{_when(c.when)}</td><td>{escape(c.who)}</td><td>{escape(c.what)}</td>"
        f"<td>{escape(c.old)}</td><td>{escape(c.new)}</td></tr>"
        for c in changes
    )


def transition_rows(transitions: Sequence[Any]) -> str:
    """The measure page's workflow moves (pdca.selectors.TransitionRow)."""
    return "\n".join(
        f"<tr><td>{_when(t.at)}</td><td>{escape(full_label(t.fiscal_year))}</td><td>{escape(t.user)}</td>"
        f"<td>{escape(t.from_label)} → {escape(t.to_label)}</td><td>{escape(t.comment)}</td></tr>"
        for t in transitions
    )


class _SharedColumns(OrderedDict):
    """A table class's columns, which each table deep-copies so that it may change its own
    (0.1–0.2 ms a table). Ours change none (no `extra_columns`, no hiding), so each table
    gets a plain copy of the dict and shares the column objects."""

    def __deepcopy__(self, memo) -> OrderedDict:
        return OrderedDict(self)


@dataclass
class HeaderCell:
    label: str
    url: str | None
    sort: str | None  # "ascending" / "descending" for the column the rows are sorted by


class FastTable(tables.Table):
    """A django-tables2 table (sorting and paging by links, in the database) whose HTML comes
    from a plain template (`pdca/tables/table.html`): the header from `header_cells`, the body
    from `body`.

    The body is written in Python, a row at a time by `row_html`, with the plan's text
    escaped. django-tables2's own template renders cell by cell at about 50 µs a cell, and a
    row of a plain template still costs about 0.1 ms; a dashboard shows eighty rows, and paid
    more for rendering them than for its queries."""

    max_per_page = 100

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.base_columns = _SharedColumns(cls.base_columns)

    def page_rows(self) -> Sequence[Any]:
        raise NotImplementedError

    def row_html(self, row: Any) -> str:
        """One row of the page, as HTML with every piece of data escaped."""
        raise NotImplementedError

    def body(self) -> SafeString:
        rows = [self.row_html(row) for row in self.page_rows()]
        if not rows:
            # The single row shown when the page has none: Meta.empty_text, else a dash.
            rows = [f'<tr><td colspan="{len(self.columns)}">{escape(str(self.empty_text or "—"))}</td></tr>']
        return mark_safe("\n".join(rows))

    def paginate(self, *args, per_page: int | None = None, **kwargs):
        """At most `max_per_page` rows a page, whatever `?per_page=` asks (django-tables2
        takes it from the request), so that no request renders a whole large plan."""
        if not per_page or not 0 < per_page <= self.max_per_page:
            per_page = min(self._meta.per_page or self.max_per_page, self.max_per_page)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def header_row(self) -> SafeString:
        """The header cells as HTML: sortable ones link to the next order, and the column the
        rows are sorted by says so (aria-sort)."""
        cells = []
        for cell in self.header_cells():
            sort = f' aria-sort="{cell.sort}"' if cell.sort else ""
            label = escape(cell.label)
            content = f'<a href="{escape(cell.url)}">{label}</a>' if cell.url else label
            cells.append(f'<th scope="col"{sort}>{content}</th>')
        return mark_safe("".join(cells))

    def header_cells(self) -> list[HeaderCell]:
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

    class Meta:
        model = Measure
        fields = ["code", "name", "field", "primary_bureau", "primary_section", "target_fiscal_year"]
        per_page = 100
        template_name = "pdca/tables/measure_table.html"
        empty_text = _("条件に合う施策はありません。")

    def __init__(self, *args, fiscal_year: int, **kwargs):
        self.fiscal_year = fiscal_year
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
            )
        )
        by_id = {measure.pk: measure for measure in rows}
        outcomes = dict(MeasureResult.Outcome.choices)
        detail = path_maker("measure_detail", "code")
        page = [by_id[pk] for pk in ids if pk in by_id]
        for measure in page:
            measure.url = f"{detail(measure.code)}?year={self.fiscal_year}"
            measure.target_label = full_label(measure.target_fiscal_year)
            if measure.result_grade:
                measure.result_text = format_rate(measure.result_rate)
            else:
                measure.result_text = outcomes.get(measure.result_outcome, "—")
        return page

    def row_html(self, m: Measure) -> str:
        grade = escape(m.result_grade) if m.result_grade else ""
        result = f'<span class="grade grade-{grade}">{grade}</span> ' if grade else ""
        return (
            f'<tr><th scope="row"><a href="{escape(m.url)}">{escape(m.code)}</a></th><td>{escape(m.name)}</td>'
            f"<td>{escape(m.field.name)}</td><td>{escape(m.primary_bureau or '—')}</td>"
            f"<td>{escape(m.primary_section or '—')}</td><td>{escape(m.target_label)}</td>"
            f"<td>{result}{escape(str(m.result_text))}</td></tr>"
        )


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

    def page_rows(self) -> list[tuple]:
        """The page's rows, (names, roll-up), with their figures graded and judged by the
        plan's rules; read as plain values (indicators.selectors.StoredRollup)."""
        width = len(self.name_columns)
        rows = self.page.object_list.data.values_list(*self.name_columns, *ROLLUP_COLUMNS)
        return [(row[:width], rollup_of(self.plan, StoredRollup(*row[width:]))) for row in rows]

    def row_html(self, row: tuple) -> str:
        names, r = row
        return f'{self.row_start(*names)}<td class="num">{int(r.measures)}</td>{rollup_cells(r, self.bands)}</tr>'

    def row_start(self, *names) -> str:
        """The row's opening tag and its group's name cells, from `name_columns`."""
        raise NotImplementedError


class BureauTable(GroupResultTable):
    """Bureaus: what their sections own, counted once per bureau, and how it stands."""

    # Sorted by the names stored on the row (GroupResult.sort_bureau), along its index.
    bureau = tables.Column(verbose_name=_("局"), accessor="bureau__name", order_by=("sort_bureau",))

    class Meta:
        template_name = "pdca/tables/table.html"
        sequence = ("bureau", "measures", "mean_rate", "grade", "grades", "unreported", "no_target", "judgement")
        order_by = ("bureau",)

    name_columns = ("sort_bureau",)

    def row_start(self, bureau: str) -> str:
        return f'<tr><th scope="row">{escape(bureau)}</th>'


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
        template_name = "pdca/tables/table.html"
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

    def row_start(self, section_id: int, bureau: str, section: str) -> str:
        opening, mark = _row_opening(section_id in self.mine)
        return f'{opening}<td>{escape(bureau)}</td><th scope="row">{escape(section)}{" " if mark else ""}{mark}</th>'


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
        template_name = "pdca/tables/table.html"
        empty_text = _("該当する施策はありません。")

    def __init__(self, *args, fiscal_year: int, low_bands: list[str], my_measures: set[int], **kwargs):
        self.fiscal_year = fiscal_year
        self.low_bands = low_bands
        self.my_measures = my_measures
        super().__init__(*args, **kwargs)

    def page_rows(self) -> list[RiskRecord]:
        """The page's measures as plain values (a Measure instance costs more than its row),
        each with its sections' names (measures.selectors.section_names)."""
        rows = list(self.page.object_list.data.values_list(*RiskRecord._fields[:-1]))
        names = section_names(measure_ids=[row[0] for row in rows])
        return [RiskRecord(*row, section_names=names[row[0]]) for row in rows]

    # What every row shares, made once for the page rather than once a row.
    @cached_property
    def _detail(self) -> Callable[[str], str]:
        return path_maker("measure_detail", "code")

    @cached_property
    def _status_labels(self) -> dict[str, str]:
        return {status.value: str(status.label) for status in SubmissionStatus}

    def row_html(self, record: RiskRecord) -> str:
        url = f"{self._detail(record.code)}?year={self.fiscal_year}"
        opening, mark = _row_opening(record.pk in self.my_measures)
        sections = "、".join(record.section_names)
        reasons = "、".join(str(reason) for reason in self.reasons_of(record))
        status = self._status_labels[record.risk_status]
        return (
            f'{opening}<td><a href="{escape(url)}">{escape(record.code)}</a>{mark}</td><td>{escape(record.name)}</td>'
            f'<td>{escape(sections)}</td><td class="num">{format_rate(record.risk_rate)}</td>'
            f"<td>{escape(reasons)}</td><td>{escape(status)}</td></tr>"
        )

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
