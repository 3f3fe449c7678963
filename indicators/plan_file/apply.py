"""Applying a checked plan file: the differences from the stored plan, written in bulk and
in one transaction, so that a bad file loads nothing and an edited file updates in place."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.cache import data_changed
from core.db import columns_update
from indicators.models import Indicator, Target, TargetRevision
from indicators.plan_file.bulk_rows import history_rows, rows_delete, rows_insert
from indicators.plan_file.check import PlanFileError, plan_file_check
from indicators.plan_file.compare import TableDiff, table_diff
from indicators.services import results_recompute
from measures.models import (
    Bureau,
    Field,
    GradeBand,
    Measure,
    MeasureSection,
    Pillar,
    Plan,
    PlanYear,
    ProgressJudgement,
    ScheduleItem,
    Section,
    SubPillar,
    SubProgramme,
)


@dataclass(frozen=True, slots=True)
class Card:
    """A measure of the file, once its row is written."""

    measure_id: int
    spec: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CardRow:
    """A schedule row or an indicator of a card, as the file gives it."""

    measure_id: int
    order: int  # 1, 2, … within the card
    spec: dict[str, Any]
    subprogramme_id: int | None

    @property
    def key(self) -> tuple[int, int | None, str]:
        """The natural key: (measure, sub-programme, name)."""
        return (self.measure_id, self.subprogramme_id, self.spec["name"])


@dataclass
class LoadSummary:
    plan: Plan
    measures: int
    indicators: int
    targets: int


def plan_load(data: dict, *, source: str = "(plan)") -> LoadSummary:
    """Check and load a plan document: all of it, in one transaction, or nothing."""
    plan_file_check(data, source=source)
    try:
        with transaction.atomic():
            return _PlanWriter(data).write()
    except ProtectedError as error:
        # A measure, indicator or schedule row that the file drops already carries reported
        # work (actuals, reports, progress): keep it, and say which.
        held = sorted({str(obj) for obj in error.protected_objects})[:10]
        raise PlanFileError(
            [f"{source}: 実績・報告・進捗が登録済みの施策・指標・取組はファイルから削除できません: {'; '.join(held)}"]
        ) from error


class _PlanWriter:
    """Writes a checked plan document over what the database holds for that plan.

    Row by row (an update_or_create for every measure, section, schedule row, indicator and
    target) a plan of 10,000 measures took half a million queries and five minutes to reload.
    Instead each table is read once, by joins on the plan, compared with the file in memory by
    natural key, and only the differences are written, a statement (on PostgreSQL one per
    thousand rows) for each table. So the number of queries does not grow with the plan, and
    an unchanged file writes nothing at all, not even history rows.
    """

    def __init__(self, data: dict):
        self.data = data
        # One moment for the whole load: the history rows it writes record one change.
        self.now = timezone.now()

    def write(self) -> LoadSummary:
        plan = self._write_plan(self.data["plan"])
        years = self._write_years(plan)
        self._write_bands(plan, self.data["plan"])
        pillars, subpillars, fields = self._write_tree(plan)
        sections = self._write_sections()
        measures = self._write_measures(plan, fields.ids)
        cards = [Card(measure_id=measures.ids[spec["code"]], spec=spec) for spec in self.data["measures"]]
        self._write_measure_sections(plan, cards, sections)
        subprogrammes = self._write_subprogrammes(plan, cards)
        self._write_schedule(plan, cards, subprogrammes.ids, years.ids)
        indicators, target_specs = self._write_indicators(plan, cards, subprogrammes.ids)
        self._write_targets(plan, indicators.ids, target_specs, years.ids)
        # What the file drops from the tree and the period goes last, once no measure,
        # schedule row or target of the plan points there any more.
        for dropped in (fields, subpillars, pillars, years):
            dropped_delete(dropped)
        # Targets or thresholds may have changed: stored rates and grades follow.
        results_recompute(plan=plan)
        return LoadSummary(
            plan=plan,
            measures=len(cards),
            indicators=len(target_specs),
            targets=sum(len(targets) for targets in target_specs.values()),
        )

    def _write_plan(self, spec: dict) -> Plan:
        values = {
            "name": spec["name"],
            "first_fiscal_year": spec["first_fiscal_year"],
            "last_fiscal_year": spec["last_fiscal_year"],
            "rollup_cap": Decimal(str(spec["rollup_cap"])),
            # Optional: blank is the default ratio (measures.models.Plan.plausibility_ratio).
            "plausibility_factor": _decimal_or_none(spec.get("plausibility_factor")),
            "milestone_achieved_rate": Decimal(str(spec["milestone_rates"]["achieved"])),
            "milestone_partial_rate": Decimal(str(spec["milestone_rates"]["partial"])),
            "milestone_not_achieved_rate": Decimal(str(spec["milestone_rates"]["not_achieved"])),
        }
        # Locked, as update_or_create locked it: two loads of one plan take turns on PostgreSQL.
        plan = Plan.objects.select_for_update().filter(code=spec["code"]).first()
        if plan is None:
            data_changed()
            return Plan.objects.create(code=spec["code"], **values)
        changed = [name for name, value in values.items() if getattr(plan, name) != value]
        for name in changed:
            setattr(plan, name, values[name])
        if changed:
            data_changed()
            plan.save(update_fields=changed)
        return plan

    def _write_years(self, plan: Plan) -> TableDiff:
        wanted = {year: {"plan_id": plan.pk, "fiscal_year": year} for year in plan.fiscal_years}
        years = table_diff(PlanYear, PlanYear.objects.filter(plan=plan), ("fiscal_year",), wanted)
        created_insert(years)  # years the period loses go at the end, after their targets and schedule
        return years

    def _write_bands(self, plan: Plan, spec: dict) -> None:
        """Write the grade bands and judgements."""
        wanted_bands = {
            grade["code"]: {
                "plan_id": plan.pk,
                "code": grade["code"],
                "label": grade["label"],
                "min_rate": Decimal(str(grade["min_rate"])),
                "order": order,
            }
            for order, grade in enumerate(spec["grades"], start=1)
        }
        diff_write(table_diff(GradeBand, GradeBand.objects.filter(plan=plan), ("code",), wanted_bands))
        wanted_judgements = {
            judgement["label"]: {
                "plan_id": plan.pk,
                "label": judgement["label"],
                "min_share": Decimal(str(judgement["min_share"])),
                "order": order,
            }
            for order, judgement in enumerate(spec["judgements"], start=1)
        }
        judgements = table_diff(
            ProgressJudgement, ProgressJudgement.objects.filter(plan=plan), ("label",), wanted_judgements
        )
        diff_write(judgements)

    def _write_tree(self, plan: Plan) -> tuple[TableDiff, TableDiff, TableDiff]:
        """Pillars, sub-pillars and fields are written but not yet deleted: a field the file
        drops may hold measures until they are written."""
        pillar_specs = self.data["pillars"]
        wanted = {
            spec["code"]: {"plan_id": plan.pk, "code": spec["code"], "name": spec["name"], "order": order}
            for order, spec in enumerate(pillar_specs, start=1)
        }
        pillars = table_diff(Pillar, Pillar.objects.filter(plan=plan), ("code",), wanted)
        changed_update(pillars)
        created_insert(pillars)

        wanted = {}
        for pillar_spec in pillar_specs:
            pillar_id = pillars.ids[pillar_spec["code"]]
            for order, spec in enumerate(pillar_spec["subpillars"], start=1):
                wanted[(pillar_id, spec["code"])] = {
                    "pillar_id": pillar_id,
                    "code": spec["code"],
                    "name": spec["name"],
                    "order": order,
                }
        subpillars = table_diff(SubPillar, SubPillar.objects.filter(pillar__plan=plan), ("pillar_id", "code"), wanted)
        changed_update(subpillars)
        created_insert(subpillars)

        wanted = {}
        for pillar_spec in pillar_specs:
            pillar_id = pillars.ids[pillar_spec["code"]]
            for sub_spec in pillar_spec["subpillars"]:
                subpillar_id = subpillars.ids[(pillar_id, sub_spec["code"])]
                for order, spec in enumerate(sub_spec["fields"], start=1):
                    wanted[spec["code"]] = {
                        "subpillar_id": subpillar_id,
                        "code": spec["code"],
                        "name": spec["name"],
                        "description": spec["description"],
                        "order": order,
                    }
        # A field's code is unique within the plan, so a field may move to another sub-pillar.
        # Of two fields with one code, the first in the model's ordering is kept, as before.
        stored = Field.objects.filter(subpillar__pillar__plan=plan)
        fields = table_diff(Field, stored, ("code",), wanted, order_by=(*Field._meta.ordering, "pk"))
        changed_update(fields)
        created_insert(fields)
        return pillars, subpillars, fields

    def _write_sections(self) -> dict[tuple[str, str], int]:
        """Bureaus and sections are shared by every plan: created when new, never changed here."""
        names = {(s["bureau"], s["section"]) for spec in self.data["measures"] for s in spec["sections"]}
        # All of them rather than those named: an organisation has some hundreds, and a list
        # of names could outgrow SQLite's limit on parameters.
        bureaus = dict(Bureau.objects.order_by().values_list("name", "pk"))
        new_bureaus = sorted({bureau for bureau, _name in names} - bureaus.keys())
        bureaus.update(zip(new_bureaus, rows_insert(Bureau, [{"name": name} for name in new_bureaus]), strict=True))
        bureau_names = {pk: name for name, pk in bureaus.items()}
        sections = {
            (bureau_names[bureau_id], name): pk
            for pk, bureau_id, name in Section.objects.order_by().values_list("pk", "bureau_id", "name")
        }
        missing = sorted(names - sections.keys())
        new_sections = [{"bureau_id": bureaus[bureau], "name": name} for bureau, name in missing]
        sections.update(zip(missing, rows_insert(Section, new_sections), strict=True))
        return sections

    def _write_measures(self, plan: Plan, field_ids: dict[str, int]) -> TableDiff:
        wanted = {
            spec["code"]: {
                "plan_id": plan.pk,
                "code": spec["code"],
                "field_id": field_ids[spec["field"]],
                "name": spec["name"],
                "summary": spec["summary"],
                "goal": spec["goal"],
                "target_fiscal_year": spec["target_fiscal_year"],
                "target_fiscal_year_text": spec["target_fiscal_year_text"],
                "notes": spec["notes"],
                "order": order,
            }
            for order, spec in enumerate(self.data["measures"], start=1)
        }
        # Measures the file drops go first, with everything under them (or are refused, by
        # ProtectedError, where actuals or reports hang off them): the tables read after this
        # hold only the kept measures' rows.
        measures = table_diff(Measure, Measure.objects.filter(plan=plan), ("code",), wanted)
        diff_write(measures)
        return measures

    def _write_measure_sections(self, plan: Plan, cards: list[Card], sections: dict[tuple[str, str], int]) -> None:
        wanted = {}
        for card in cards:
            measure_id = card.measure_id
            primary = next(s for s in card.spec["sections"] if s["primary"])
            primary_id = sections[(primary["bureau"], primary["section"])]
            for order, section_spec in enumerate(card.spec["sections"], start=1):
                section_id = sections[(section_spec["bureau"], section_spec["section"])]
                wanted[(measure_id, section_id)] = {
                    "measure_id": measure_id,
                    "section_id": section_id,
                    "is_primary": section_id == primary_id,
                    "order": order,
                }
        stored = MeasureSection.objects.filter(measure__plan=plan)
        links = table_diff(MeasureSection, stored, ("measure_id", "section_id"), wanted)
        # The database allows one primary section per measure at every moment (a partial unique
        # index, checked row by row), so flags are cleared before others are set.
        dropped_delete(links)
        changed_update(links, [link for link in links.changed if not link.is_primary])
        created_insert(links)
        changed_update(links, [link for link in links.changed if link.is_primary])

    def _write_subprogrammes(self, plan: Plan, cards: list[Card]) -> TableDiff:
        wanted = {
            (card.measure_id, sub["number"]): {
                "measure_id": card.measure_id,
                "number": sub["number"],
                "name": sub["name"],
            }
            for card in cards
            for sub in card.spec["subprogrammes"]
        }
        stored = SubProgramme.objects.filter(measure__plan=plan)
        # A (1)/(2) part the file drops takes its schedule rows and indicators with it.
        subprogrammes = table_diff(SubProgramme, stored, ("measure_id", "number"), wanted)
        diff_write(subprogrammes)
        return subprogrammes

    def _write_schedule(
        self,
        plan: Plan,
        cards: list[Card],
        subprogramme_ids: dict[tuple[int, int], int],
        year_ids: dict[int, int],
    ) -> None:
        wanted, spans = {}, {}
        for row in _card_rows(cards, "schedule", subprogramme_ids):
            wanted[row.key] = {
                "measure_id": row.measure_id,
                "subprogramme_id": row.subprogramme_id,
                "name": row.spec["name"],
                "order": row.order,
                "reading": row.spec.get("reading") or "",
            }
            spans[row.key] = {year_ids[year] for year in row.spec["fiscal_years"]}
        stored = ScheduleItem.objects.filter(measure__plan=plan)
        items = table_diff(ScheduleItem, stored, ("measure_id", "subprogramme_id", "name"), wanted)
        diff_write(items)

        through = ScheduleItem.years.through
        wanted_years = {(items.ids[key], year_id) for key, span in spans.items() for year_id in span}
        stored_years = {
            (item_id, year_id): pk
            for pk, item_id, year_id in through.objects.filter(scheduleitem__measure__plan=plan).values_list(
                "pk", "scheduleitem_id", "planyear_id"
            )
        }
        rows_delete(through, [pk for pair, pk in stored_years.items() if pair not in wanted_years])
        rows_insert(
            through,
            [
                {"scheduleitem_id": item_id, "planyear_id": year_id}
                for item_id, year_id in sorted(wanted_years - stored_years.keys())
            ],
        )

    def _write_indicators(
        self, plan: Plan, cards: list[Card], subprogramme_ids: dict[tuple[int, int], int]
    ) -> tuple[TableDiff, dict[tuple, dict]]:
        """The indicators, and each one's targets as the file gives them, by indicator key."""
        wanted, targets = {}, {}
        for row in _card_rows(cards, "indicators", subprogramme_ids):
            wanted[row.key] = {
                "measure_id": row.measure_id,
                "subprogramme_id": row.subprogramme_id,
                "name": row.spec["name"],
                "order": row.order,
                "kind": row.spec["kind"],
                "direction": row.spec["direction"],
                "cumulative": row.spec["cumulative"],
                "unit": row.spec["unit"],
                "baseline": _decimal_or_none(row.spec["baseline"]),
                "notes": row.spec["notes"],
            }
            targets[row.key] = row.spec["targets"]
        stored = Indicator.objects.filter(measure__plan=plan)
        # An indicator the file drops goes with its targets, or is refused where actuals exist.
        indicators = table_diff(Indicator, stored, ("measure_id", "subprogramme_id", "name"), wanted)
        diff_write(indicators)
        return indicators, targets

    def _write_targets(
        self,
        plan: Plan,
        indicator_ids: dict[tuple, int],
        target_specs: dict[tuple, dict],
        year_ids: dict[int, int],
    ) -> None:
        wanted = {}
        revisions: list[tuple[tuple[int, int], dict]] = []
        for key, specs in target_specs.items():
            indicator_id = indicator_ids[key]
            for year_key, spec in specs.items():
                year_id = year_ids[int(year_key)]
                original = spec.get("original")
                wanted[(indicator_id, year_id)] = {
                    "indicator_id": indicator_id,
                    "plan_year_id": year_id,
                    "text": spec["text"],
                    "value": _decimal_or_none(spec["value"]),
                    "is_revised": original is not None,
                    "original_text": original["text"] if original else "",
                    "original_value": _decimal_or_none(original["value"]) if original else None,
                }
                for revision in spec.get("revisions") or []:
                    revisions.append(((indicator_id, year_id), revision))
        stored = Target.objects.filter(indicator__measure__plan=plan)
        targets = table_diff(Target, stored, ("indicator_id", "plan_year_id"), wanted)
        # Deleted through the ORM, whose signals record each deletion in the history.
        dropped_delete(targets)
        changed_update(targets)
        created_insert(targets)
        # A target's history is its audit trail: the rows save() and create() would have added,
        # for the targets that really changed.
        changed = [{f.attname: getattr(t, f.attname) for f in Target._meta.concrete_fields} for t in targets.changed]
        created = [{**values, "id": pk} for values, pk in zip(targets.created, targets.created_ids, strict=True)]
        history = Target.history.model
        rows_insert(history, history_rows(changed, "~", self.now) + history_rows(created, "+", self.now))
        _revisions_write(plan, revisions)


def _revisions_write(plan: Plan, revisions: list[tuple[tuple[int, int], dict]]) -> None:
    """The plan's target revisions (目標値の見直し) as the file gives them: rewritten only when
    they differ from the stored ones, so a reload of an unchanged plan writes nothing."""
    stored = TargetRevision.objects.filter(target__indicator__measure__plan=plan)
    fields = ("previous_text", "previous_value", "text", "value", "reason", "effective_date")
    key_of = {
        (indicator_id, year_id): pk
        for pk, indicator_id, year_id in Target.objects.filter(indicator__measure__plan=plan).values_list(
            "pk", "indicator_id", "plan_year_id"
        )
    }
    wanted = []
    for key, spec in revisions:
        wanted.append(
            (
                key_of[key],
                spec["previous_text"],
                _decimal_or_none(spec["previous_value"]),
                spec["text"],
                _decimal_or_none(spec["value"]),
                spec["reason"],
                datetime.date.fromisoformat(spec["effective_date"]),
                spec.get("revised_by"),
                spec.get("revised_at"),
            )
        )
    current = sorted((target_id, *values) for target_id, *values in stored.values_list("target_id", *fields))
    if current == sorted(row[:7] for row in wanted):
        return
    stored.delete()
    users = dict(
        get_user_model().objects.filter(username__in={row[7] for row in wanted if row[7]}).values_list("username", "pk")
    )
    TargetRevision.objects.bulk_create(
        [
            TargetRevision(
                target_id=target_id,
                previous_text=previous_text,
                previous_value=previous_value,
                text=text,
                value=value,
                reason=reason,
                effective_date=effective,
                revised_by_id=users.get(by),
                **({"revised_at": datetime.datetime.fromisoformat(at)} if at else {}),
            )
            for target_id, previous_text, previous_value, text, value, reason, effective, by, at in wanted
        ]
    )


def _card_rows(cards: list[Card], name: str, subprogramme_ids: dict[tuple[int, int], int]) -> Iterator[CardRow]:
    """Each card's schedule rows or indicators (`name`), in file order."""
    for card in cards:
        for order, spec in enumerate(card.spec[name], start=1):
            number = spec["subprogramme"]
            subprogramme_id = None if number is None else subprogramme_ids[(card.measure_id, number)]
            yield CardRow(measure_id=card.measure_id, order=order, spec=spec, subprogramme_id=subprogramme_id)


def _decimal_or_none(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


def diff_write(diff: TableDiff) -> None:
    """Write one table's differences: dropped rows first, then changed, then new."""
    dropped_delete(diff)
    changed_update(diff)
    created_insert(diff)


def dropped_delete(diff: TableDiff) -> None:
    rows_delete(diff.model, diff.dropped)
    diff.dropped = []


def changed_update(diff: TableDiff, rows: list[models.Model] | None = None) -> None:
    rows = diff.changed if rows is None else rows
    if rows:
        data_changed()
        columns_update(diff.model, rows, diff.changed_fields)


def created_insert(diff: TableDiff) -> None:
    diff.created_ids = rows_insert(diff.model, diff.created)
    diff.ids.update(zip(diff.created_keys, diff.created_ids, strict=True))
