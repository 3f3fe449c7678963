"""Keeping GroupResult (the roll-up of measure results per group and year) current.

Every measure's result in a year contributes to the plan, its pillar, sub-pillar and field,
each section that owns it and each bureau of those sections (once per bureau, even when two
of its sections own the measure). A change of one MeasureResult is applied as a difference
(old contribution out, new one in) to those few rows, under a row lock, in the writer's
transaction; a whole plan (after a plan load, a threshold change, or a change of who owns
what) is rebuilt from its MeasureResult rows. Both paths add up contributions the same way,
so a rebuild and any sequence of differences give the same rows (tests/indicators check it).

Each group and year has one row per basis (indicators.basis): on a basis, a measure whose
report has not reached it counts as 未報告, and the row counts it in `left_out` when its
graded figure was left out. A change of a report's status is a change of the measure's
result like any other (only its `basis_reached` moves), applied the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from core.cache import data_changed
from core.db import columns_update, service_atomic
from indicators.achievement import quantize_rate
from indicators.basis import Basis, counts_on
from indicators.models import GroupResult, MeasureResult
from measures.models import Bureau, Measure, Plan, Section

Level = GroupResult.Level
# A group: its level and the primary key of its pillar, sub-pillar, ... (None for the plan).
GroupKey = tuple[str, int | None]
# A measure-year's stored result, as far as roll-ups care: (outcome, rate, grade, basis reached).
ResultValues = tuple[str, Decimal | None, str, str]
# A row: (plan year id, basis, group).
RowKey = tuple[int, str, GroupKey]

UPDATED_FIELDS = [
    "measures",
    "graded",
    "rate_sum",
    "mean_rate",
    "unreported",
    "no_target",
    "left_out",
    "grade_counts",
]
# The names a row is sorted by: set when a row is created, and made current by a rebuild.
NAME_FIELDS = ["sort_bureau", "sort_section"]


@dataclass
class _Tally:
    measures: int = 0
    graded: int = 0
    rate_sum: Decimal = Decimal(0)
    unreported: int = 0
    no_target: int = 0
    left_out: int = 0
    grades: Counter = field(default_factory=Counter)

    def add(self, values: ResultValues | None, sign: int, basis: str) -> None:
        if values is None:
            return
        outcome, rate, grade, reached = values
        self.measures += sign
        if outcome == MeasureResult.Outcome.GRADED and not counts_on(reached, basis):
            self.unreported += sign
            self.left_out += sign
            return
        if outcome == MeasureResult.Outcome.GRADED:
            self.graded += sign
            self.rate_sum += sign * (rate or Decimal(0))
            if grade:
                self.grades[grade] += sign
        elif outcome == MeasureResult.Outcome.UNREPORTED:
            self.unreported += sign
        elif outcome == MeasureResult.Outcome.NO_TARGET:
            self.no_target += sign

    @property
    def is_zero(self) -> bool:
        return not (
            self.measures
            or self.graded
            or self.rate_sum
            or self.unreported
            or self.no_target
            or self.left_out
            or any(self.grades.values())
        )

    def apply_to(self, row: GroupResult) -> None:
        row.measures += self.measures
        row.graded += self.graded
        row.rate_sum = Decimal(row.rate_sum) + self.rate_sum
        row.unreported += self.unreported
        row.no_target += self.no_target
        row.left_out += self.left_out
        counts = Counter(row.grade_counts)
        counts.update(self.grades)
        row.grade_counts = {code: n for code, n in sorted(counts.items()) if n}
        row.mean_rate = mean_of(row.rate_sum, row.graded)


def mean_of(rate_sum: Decimal, graded: int) -> Decimal | None:
    """The mean rate of the graded measures: exact, then cut to four places like every rate."""
    if not graded:
        return None
    return quantize_rate(Decimal(rate_sum) / graded)


def _memberships(*, plan: Plan, measure_ids: list[int] | None) -> dict[int, list[GroupKey]]:
    """The groups each measure counts in, in one query: a row per measure and owning section
    (one row with no section for a measure nobody owns). A whole plan is selected by a join,
    not a list of ids, which would outgrow SQLite's limit on query parameters."""
    measures = Measure.objects.filter(plan=plan) if measure_ids is None else Measure.objects.filter(pk__in=measure_ids)
    rows = measures.order_by().values_list(
        "pk",
        "field_id",
        "field__subpillar_id",
        "field__subpillar__pillar_id",
        "measure_sections__section_id",
        "measure_sections__section__bureau_id",
    )
    groups: dict[int, list[GroupKey]] = {}
    bureaus_seen: set[tuple[int, int]] = set()
    for pk, field_id, subpillar_id, pillar_id, section_id, bureau_id in rows:
        if pk not in groups:
            groups[pk] = [
                (Level.PLAN, None),
                (Level.PILLAR, pillar_id),
                (Level.SUBPILLAR, subpillar_id),
                (Level.FIELD, field_id),
            ]
        if section_id is None:
            continue
        groups[pk].append((Level.SECTION, section_id))
        if (pk, bureau_id) not in bureaus_seen:
            bureaus_seen.add((pk, bureau_id))
            groups[pk].append((Level.BUREAU, bureau_id))
    return groups


def _sort_names(*, plan: Plan, keys: Iterable[GroupKey] | None = None) -> dict[GroupKey, tuple[str, str]]:
    """(bureau name, section name) of each bureau and section among `keys`, or of all those
    owning the plan's measures: two queries, selected by a join on the plan rather than a
    list of ids, so that their number does not grow with the plan."""
    sections = Section.objects.filter(measure_sections__measure__plan=plan)
    bureaus = Bureau.objects.filter(sections__measure_sections__measure__plan=plan)
    if keys is not None:
        wanted: dict[str, list[int]] = defaultdict(list)
        for level, group_id in set(keys):
            wanted[level].append(group_id)
        sections = sections.filter(pk__in=wanted[Level.SECTION])
        bureaus = bureaus.filter(pk__in=wanted[Level.BUREAU])
    names: dict[GroupKey, tuple[str, str]] = {}
    for pk, name in bureaus.order_by().distinct().values_list("pk", "name"):
        names[(Level.BUREAU, pk)] = (name, "")
    for pk, name, bureau in sections.order_by().distinct().values_list("pk", "name", "bureau__name"):
        names[(Level.SECTION, pk)] = (bureau, name)
    return names


# Ids per statement where rows are picked by id: under SQLite's limit on query parameters.
ID_CHUNK = 500


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _row_for(plan_year_id: int, basis: str, key: GroupKey, names: dict[GroupKey, tuple[str, str]]) -> GroupResult:
    level, group_id = key
    row = GroupResult(plan_year_id=plan_year_id, basis=basis, level=level, rate_sum=Decimal(0), grade_counts={})
    name = GroupResult.GROUP_FIELDS[level]
    if name:
        setattr(row, f"{name}_id", group_id)
    row.sort_bureau, row.sort_section = names.get(key, ("", ""))
    return row


def group_results_rebuild(plan: Plan) -> None:
    """Recompute every GroupResult row of a plan from its measure results, writing only the
    rows that differ (a reload of an unchanged plan writes nothing)."""
    with service_atomic():
        groups = _memberships(plan=plan, measure_ids=None)
        tallies: dict[RowKey, _Tally] = defaultdict(_Tally)
        results = MeasureResult.objects.filter(plan_year__plan=plan).order_by()
        for measure_id, plan_year_id, *values in results.values_list(
            "measure_id", "plan_year_id", "outcome", "rate", "grade", "basis_reached"
        ).iterator(chunk_size=5000):
            for key in groups.get(measure_id, ()):
                for basis in Basis.values:
                    tallies[(plan_year_id, basis, key)].add(tuple(values), +1, basis)
        existing = {
            (row.plan_year_id, row.basis, (row.level, row.group_id)): row
            for row in GroupResult.objects.filter(plan_year__plan=plan).order_by()
        }
        names = _sort_names(plan=plan)
        written = UPDATED_FIELDS + NAME_FIELDS
        to_create, to_update = [], []
        for (plan_year_id, basis, key), tally in tallies.items():
            fresh = _row_for(plan_year_id, basis, key, names)
            tally.apply_to(fresh)
            row = existing.pop((plan_year_id, basis, key), None)
            if row is None:
                to_create.append(fresh)
            elif any(_differs(getattr(row, name), getattr(fresh, name)) for name in written):
                for name in written:
                    setattr(row, name, getattr(fresh, name))
                to_update.append(row)
        gone = [row.pk for row in existing.values()]
        if gone or to_update or to_create:
            data_changed()  # the roll-ups change (core.cache)
        for chunk in _chunks(gone):
            GroupResult.objects.filter(pk__in=chunk).delete()
        columns_update(GroupResult, to_update, written)
        GroupResult.objects.bulk_create(to_create, batch_size=1000)


def _differs(stored, fresh) -> bool:
    if isinstance(fresh, Decimal) or isinstance(stored, Decimal):
        return stored is None or fresh is None or Decimal(stored) != Decimal(fresh)
    return stored != fresh


def group_results_apply(
    *, plan: Plan, changes: Iterable[tuple[int, int, ResultValues | None, ResultValues | None]]
) -> None:
    """Apply changed measure results (measure id, plan year id, old values, new values) to
    the rows of the groups they count in. Call inside the transaction that wrote them.

    The rows are locked in primary-key order, so concurrent savers queue on them (and never
    deadlock) rather than overwrite each other's sums.
    """
    changes = [c for c in changes if c[2] != c[3]]
    if not changes:
        return
    data_changed()  # the measures' results changed (core.cache)
    groups = _memberships(plan=plan, measure_ids=sorted({measure_id for measure_id, *_ in changes}))
    tallies: dict[RowKey, _Tally] = defaultdict(_Tally)
    for measure_id, plan_year_id, old, new in changes:
        for key in groups.get(measure_id, ()):
            for basis in Basis.values:
                tally = tallies[(plan_year_id, basis, key)]
                tally.add(old, -1, basis)
                tally.add(new, +1, basis)
    tallies = {key: tally for key, tally in tallies.items() if not tally.is_zero}
    if not tallies:
        return
    rows = _locked_rows(tallies)
    missing = [key for key in tallies if key not in rows]
    if missing:
        # A group's first result (normally the rebuild after a plan load creates them all).
        names = _sort_names(plan=plan, keys=[key for _plan_year_id, _basis, key in missing])
        GroupResult.objects.bulk_create(
            [_row_for(plan_year_id, basis, key, names) for plan_year_id, basis, key in missing],
            ignore_conflicts=True,
        )
        rows = _locked_rows(tallies)
    for key, tally in tallies.items():
        tally.apply_to(rows[key])
    columns_update(GroupResult, list(rows.values()), UPDATED_FIELDS)


def _locked_rows(tallies: dict[RowKey, _Tally]) -> dict[RowKey, GroupResult]:
    wanted: dict[str, set[int | None]] = defaultdict(set)
    for _plan_year_id, _basis, (level, group_id) in tallies:
        wanted[level].add(group_id)
    # A row sets its own level's key and no other (a check constraint), so a group's key
    # alone picks its rows: half the conditions, about 0.5 ms less to build and run a save.
    condition = Q()
    for level, ids in wanted.items():
        name = GroupResult.GROUP_FIELDS[level]
        condition |= Q(**{f"{name}_id__in": sorted(ids)}) if name else Q(level=level)
    plan_year_ids = sorted({plan_year_id for plan_year_id, _basis, _key in tallies})
    bases = sorted({basis for _plan_year_id, basis, _key in tallies})
    rows = (
        GroupResult.objects.select_for_update()
        .filter(condition, plan_year_id__in=plan_year_ids, basis__in=bases)
        .order_by("pk")
    )
    found = {(row.plan_year_id, row.basis, (row.level, row.group_id)): row for row in rows}
    return {key: row for key, row in found.items() if key in tallies}
