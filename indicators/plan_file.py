"""Reading and writing the plan file (docs/plan-format.md).

The plan file holds measures *and* their indicators, so it lives here, above `measures`
in the dependency order (`indicators` → `measures`), not in `measures` itself.

Loading is two steps: `plan_file_check` checks the whole document and collects every
problem (naming the file, the measure code and the key) before anything is written;
`plan_load` then compares the file with the stored plan by natural keys and writes only the
differences, in bulk and in one transaction, so a bad file loads nothing and an edited file
updates in place, keeping whatever hangs off measures and indicators (actuals, progress) as
long as their natural keys stay.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import ProtectedError, QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from core.db import columns_update
from indicators.models import Direction, Indicator, IndicatorKind, Target
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
    plan_settings_changed,
)

FORMAT = "kanagawa-ict-plan/1"
MAX_ABS_VALUE = Decimal("1e15")


class PlanFileError(Exception):
    """A plan file that cannot be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class _Checker:
    source: str
    problems: list[str] = field(default_factory=list)

    def fail(self, where: str, key: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {key}: {message}")

    def require(self, obj: Any, key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
        if not isinstance(obj, dict):
            self.fail(where, key, "オブジェクトではありません")
            return None
        if key not in obj:
            self.fail(where, key, "必須の項目がありません")
            return None
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(where, key, f"型が正しくありません（{type(value).__name__}）")
            return None
        if isinstance(value, str) and kind is str and not value.strip() and key not in _MAY_BE_BLANK:
            self.fail(where, key, "空です")
            return None
        return value

    def decimal(self, raw: Any, where: str, key: str, *, nullable: bool) -> Decimal | None:
        if raw is None:
            if not nullable:
                self.fail(where, key, "必須の数値がありません")
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
            self.fail(where, key, f"数値（文字列）ではありません: {raw!r}")
            return None
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            self.fail(where, key, f"数値として読めません: {raw!r}")
            return None
        if not value.is_finite() or abs(value) >= MAX_ABS_VALUE:
            self.fail(where, key, f"数値として扱えません: {raw!r}")
            return None
        return value


_MAY_BE_BLANK = {"text", "unit", "reading", "description"}


def plan_file_read(path: str | Path) -> dict:
    """Read and check a plan file from disk; raises PlanFileError naming the file."""
    source = str(path)
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError([f"{source}: ファイルを読み込めません: {exc}"]) from exc
    try:
        data = json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PlanFileError([f"{source}: JSONとして読めません（{exc.lineno}行目）: {exc.msg}"]) from exc
    plan_file_check(data, source=source)
    return data


def plan_file_check(data: Any, *, source: str) -> None:
    """Check a parsed plan document completely; raise PlanFileError listing every problem."""
    check = _Checker(source)
    if not isinstance(data, dict):
        raise PlanFileError([f"{source}: 最上位がオブジェクトではありません"])
    if data.get("format") != FORMAT:
        check.fail("(file)", "format", f"{FORMAT!r} ではありません")
    plan = check.require(data, "plan", "(file)", dict) or {}
    first = check.require(plan, "first_fiscal_year", "plan", int)
    last = check.require(plan, "last_fiscal_year", "plan", int)
    check.require(plan, "code", "plan")
    check.require(plan, "name", "plan")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        check.fail("plan", "last_fiscal_year", "開始年度より前です")
    period = set(range(first, last + 1)) if isinstance(first, int) and isinstance(last, int) else set()
    _check_plan_rules(check, plan)

    field_codes = _check_tree(check, data)
    measures = check.require(data, "measures", "(file)", list) or []
    seen: set[str] = set()
    for index, measure in enumerate(measures):
        where = f"measures[{index}]"
        code = check.require(measure, "code", where)
        if isinstance(code, str):
            where = code
            if code in seen:
                check.fail(where, "code", "施策コードが重複しています")
            seen.add(code)
        _check_measure(check, measure, where, field_codes, period)
    if check.problems:
        raise PlanFileError(check.problems)


def _check_plan_rules(check: _Checker, plan: dict) -> None:
    grades = check.require(plan, "grades", "plan", list) or []
    if not grades:
        check.fail("plan", "grades", "評価区分が1つもありません")
    previous = None
    for index, grade in enumerate(grades):
        where = f"plan.grades[{index}]"
        check.require(grade, "code", where)
        check.require(grade, "label", where)
        rate = check.decimal(
            grade.get("min_rate") if isinstance(grade, dict) else None, where, "min_rate", nullable=False
        )
        if rate is not None and previous is not None and rate >= previous:
            check.fail(where, "min_rate", "評価区分は下限の高い順に並べてください")
        previous = rate if rate is not None else previous
    if previous is not None and previous != 0:
        check.fail("plan", "grades", "最後の評価区分の下限は 0 にしてください")
    for index, judgement in enumerate(check.require(plan, "judgements", "plan", list) or []):
        where = f"plan.judgements[{index}]"
        check.require(judgement, "label", where)
        share = check.decimal(
            judgement.get("min_share") if isinstance(judgement, dict) else None, where, "min_share", nullable=False
        )
        if share is not None and not 0 <= share <= 1:
            check.fail(where, "min_share", "0〜1 の範囲で指定してください")
    cap = check.decimal(plan.get("rollup_cap"), "plan", "rollup_cap", nullable=False)
    if cap is not None and cap <= 0:
        check.fail("plan", "rollup_cap", "正の数を指定してください")
    rates = check.require(plan, "milestone_rates", "plan", dict) or {}
    for key in ("achieved", "partial", "not_achieved"):
        check.decimal(rates.get(key), "plan.milestone_rates", key, nullable=False)


def _check_tree(check: _Checker, data: dict) -> set[str]:
    field_codes: set[str] = set()
    codes: set[str] = set()
    for pillar in check.require(data, "pillars", "(file)", list) or []:
        pillar_code = check.require(pillar, "code", "pillars")
        check.require(pillar, "name", f"pillar {pillar_code}")
        for subpillar in check.require(pillar, "subpillars", f"pillar {pillar_code}", list) or []:
            sub_code = check.require(subpillar, "code", f"pillar {pillar_code}")
            check.require(subpillar, "name", f"subpillar {sub_code}")
            for fld in check.require(subpillar, "fields", f"subpillar {sub_code}", list) or []:
                code = check.require(fld, "code", f"subpillar {sub_code}")
                check.require(fld, "name", f"field {code}")
                check.require(fld, "description", f"field {code}")
                if code in field_codes:
                    check.fail(f"field {code}", "code", "分野コードが重複しています")
                field_codes.add(code)
            codes.add(sub_code)
    return field_codes


def _check_measure(check: _Checker, measure: Any, where: str, field_codes: set[str], period: set[int]) -> None:
    if not isinstance(measure, dict):
        check.fail(where, "(measure)", "オブジェクトではありません")
        return
    for key in ("name", "summary", "goal", "target_fiscal_year_text"):
        check.require(measure, key, where)
    field_code = check.require(measure, "field", where)
    if isinstance(field_code, str) and field_code not in field_codes:
        check.fail(where, "field", f"分野コード {field_code!r} は計画にありません")
    check.require(measure, "target_fiscal_year", where, int)
    for note in check.require(measure, "notes", where, list) or []:
        if not isinstance(note, str):
            check.fail(where, "notes", "注記は文字列にしてください")

    sections = check.require(measure, "sections", where, list) or []
    if not sections:
        check.fail(where, "sections", "所管所属が1つもありません")
    if sum(1 for s in sections if isinstance(s, dict) and s.get("primary") is True) != 1:
        check.fail(where, "sections", "主所管（primary: true）はちょうど1つにしてください")
    for section in sections:
        check.require(section, "bureau", where)
        check.require(section, "section", where)
        check.require(section, "primary", where, bool)

    numbers = set()
    for sub in check.require(measure, "subprogrammes", where, list) or []:
        number = check.require(sub, "number", f"{where} subprogrammes", int)
        check.require(sub, "name", f"{where} subprogrammes")
        if number in numbers:
            check.fail(where, "subprogrammes", f"({number}) が重複しています")
        numbers.add(number)

    schedule = check.require(measure, "schedule", where, list) or []
    if not schedule:
        check.fail(where, "schedule", "取組スケジュールが1つもありません")
    keys: set[tuple] = set()
    for index, item in enumerate(schedule):
        item_where = f"{where} schedule[{index}]"
        name = check.require(item, "name", item_where)
        sub = _check_subprogramme_ref(check, item, item_where, numbers)
        if (sub, name) in keys:
            check.fail(item_where, "name", "同じ取組名が重複しています")
        keys.add((sub, name))
        for year in check.require(item, "fiscal_years", item_where, list) or []:
            if year not in period:
                check.fail(item_where, "fiscal_years", f"{year!r} は計画期間外です")
        if isinstance(item, dict) and item.get("reading") is not None and not isinstance(item["reading"], str):
            check.fail(item_where, "reading", "文字列か null にしてください")

    indicators = check.require(measure, "indicators", where, list) or []
    if not indicators:
        check.fail(where, "indicators", "成果指標が1つもありません")
    keys = set()
    for index, indicator in enumerate(indicators):
        _check_indicator(check, indicator, f"{where} indicators[{index}]", numbers, period, keys)


def _check_subprogramme_ref(check: _Checker, obj: Any, where: str, numbers: set[int]) -> int | None:
    if not isinstance(obj, dict) or "subprogramme" not in obj:
        check.fail(where, "subprogramme", "必須の項目がありません（なければ null）")
        return None
    sub = obj["subprogramme"]
    if sub is not None and sub not in numbers:
        check.fail(where, "subprogramme", f"({sub}) は subprogrammes にありません")
    return sub


def _check_indicator(
    check: _Checker, indicator: Any, where: str, numbers: set[int], period: set[int], keys: set
) -> None:
    name = check.require(indicator, "name", where)
    sub = _check_subprogramme_ref(check, indicator, where, numbers)
    if (sub, name) in keys:
        check.fail(where, "name", "同じ成果指標名が重複しています")
    keys.add((sub, name))
    kind = check.require(indicator, "kind", where)
    if kind is not None and kind not in IndicatorKind.values:
        check.fail(where, "kind", f"{kind!r} は種類として使えません（{', '.join(IndicatorKind.values)}）")
    direction = check.require(indicator, "direction", where)
    if direction is not None and direction not in Direction.values:
        check.fail(where, "direction", f"{direction!r} は higher / lower ではありません")
    if kind == IndicatorKind.UPPER_LIMIT and direction != Direction.LOWER:
        check.fail(where, "direction", "upper_limit の指標は lower にしてください")
    check.require(indicator, "cumulative", where, bool)
    check.require(indicator, "unit", where)
    check.decimal(indicator.get("baseline") if isinstance(indicator, dict) else None, where, "baseline", nullable=True)
    check.require(indicator, "notes", where, list)
    targets = check.require(indicator, "targets", where, dict) or {}
    for year_key, target in targets.items():
        target_where = f"{where} targets[{year_key}]"
        if not year_key.isdigit() or int(year_key) not in period:
            check.fail(target_where, "year", f"{year_key!r} は計画期間外の年度です")
        check.require(target, "text", target_where)
        value = check.decimal(
            target.get("value") if isinstance(target, dict) else None, target_where, "value", nullable=True
        )
        if value is not None and kind == IndicatorKind.MILESTONE:
            check.fail(target_where, "value", "定性目標（milestone）の目標に数値は持てません")
        if value is not None and value < 0:
            check.fail(target_where, "value", "負の目標値は扱えません")


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


# Rows per INSERT statement on PostgreSQL, and ids per DELETE … IN (…) on either database
# (SQLite refuses more than 999 parameters in one statement).
_BATCH_SIZE = 1000
_DELETE_BATCH_SIZE = 500


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
        settings_differ = self._write_bands(plan, self.data["plan"]) or years.differs
        pillars, subpillars, fields = self._write_tree(plan)
        sections = self._write_sections()
        measures = self._write_measures(plan, fields.ids)
        cards = [(measures.ids[spec["code"]], spec) for spec in self.data["measures"]]
        self._write_measure_sections(plan, cards, sections)
        subprogrammes = self._write_subprogrammes(plan, cards)
        self._write_schedule(plan, cards, subprogrammes.ids, years.ids)
        indicators, target_specs = self._write_indicators(plan, cards, subprogrammes.ids)
        self._write_targets(plan, indicators.ids, target_specs, years.ids)
        # What the file drops from the tree and the period goes last, once no measure,
        # schedule row or target of the plan points there any more.
        for dropped in (fields, subpillars, pillars, years):
            dropped.delete()
        if settings_differ:
            # Years, bands and judgements are written in raw SQL, which tells no one.
            plan_settings_changed(plan)
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
            "milestone_achieved_rate": Decimal(str(spec["milestone_rates"]["achieved"])),
            "milestone_partial_rate": Decimal(str(spec["milestone_rates"]["partial"])),
            "milestone_not_achieved_rate": Decimal(str(spec["milestone_rates"]["not_achieved"])),
        }
        # Locked, as update_or_create locked it: two loads of one plan take turns on PostgreSQL.
        plan = Plan.objects.select_for_update().filter(code=spec["code"]).first()
        if plan is None:
            return Plan.objects.create(code=spec["code"], **values)
        changed = [name for name, value in values.items() if getattr(plan, name) != value]
        for name in changed:
            setattr(plan, name, values[name])
        if changed:
            plan.save(update_fields=changed)
        return plan

    def _write_years(self, plan: Plan) -> _Diff:
        wanted = {year: {"plan_id": plan.pk, "fiscal_year": year} for year in plan.fiscal_years}
        years = _diff(PlanYear, PlanYear.objects.filter(plan=plan), ("fiscal_year",), wanted)
        years.insert()  # years the period loses go at the end, after their targets and schedule
        return years

    def _write_bands(self, plan: Plan, spec: dict) -> bool:
        """Write the grade bands and judgements; True when the file changed any."""
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
        bands = _diff(GradeBand, GradeBand.objects.filter(plan=plan), ("code",), wanted_bands)
        differs = bands.differs
        bands.write()
        wanted_judgements = {
            judgement["label"]: {
                "plan_id": plan.pk,
                "label": judgement["label"],
                "min_share": Decimal(str(judgement["min_share"])),
                "order": order,
            }
            for order, judgement in enumerate(spec["judgements"], start=1)
        }
        judgements = _diff(
            ProgressJudgement, ProgressJudgement.objects.filter(plan=plan), ("label",), wanted_judgements
        )
        differs = differs or judgements.differs
        judgements.write()
        return differs

    def _write_tree(self, plan: Plan) -> tuple[_Diff, _Diff, _Diff]:
        """Pillars, sub-pillars and fields are written but not yet deleted: a field the file
        drops may hold measures until they are written."""
        pillar_specs = self.data["pillars"]
        wanted = {
            spec["code"]: {"plan_id": plan.pk, "code": spec["code"], "name": spec["name"], "order": order}
            for order, spec in enumerate(pillar_specs, start=1)
        }
        pillars = _diff(Pillar, Pillar.objects.filter(plan=plan), ("code",), wanted)
        pillars.update()
        pillars.insert()

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
        subpillars = _diff(SubPillar, SubPillar.objects.filter(pillar__plan=plan), ("pillar_id", "code"), wanted)
        subpillars.update()
        subpillars.insert()

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
        fields = _diff(Field, stored, ("code",), wanted, order_by=(*Field._meta.ordering, "pk"))
        fields.update()
        fields.insert()
        return pillars, subpillars, fields

    def _write_sections(self) -> dict[tuple[str, str], int]:
        """Bureaus and sections are shared by every plan: created when new, never changed here."""
        names = {(s["bureau"], s["section"]) for spec in self.data["measures"] for s in spec["sections"]}
        # All of them rather than those named: an organisation has some hundreds, and a list
        # of names could outgrow SQLite's limit on parameters.
        bureaus = dict(Bureau.objects.order_by().values_list("name", "pk"))
        new_bureaus = sorted({bureau for bureau, _name in names} - bureaus.keys())
        bureaus.update(zip(new_bureaus, _rows_insert(Bureau, [{"name": name} for name in new_bureaus]), strict=True))
        bureau_names = {pk: name for name, pk in bureaus.items()}
        sections = {
            (bureau_names[bureau_id], name): pk
            for pk, bureau_id, name in Section.objects.order_by().values_list("pk", "bureau_id", "name")
        }
        missing = sorted(names - sections.keys())
        new_sections = [{"bureau_id": bureaus[bureau], "name": name} for bureau, name in missing]
        sections.update(zip(missing, _rows_insert(Section, new_sections), strict=True))
        return sections

    def _write_measures(self, plan: Plan, field_ids: dict[str, int]) -> _Diff:
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
        measures = _diff(Measure, Measure.objects.filter(plan=plan), ("code",), wanted)
        measures.write()
        return measures

    def _write_measure_sections(
        self, plan: Plan, cards: list[tuple[int, dict]], sections: dict[tuple[str, str], int]
    ) -> None:
        wanted = {}
        for measure_id, spec in cards:
            primary = next(s for s in spec["sections"] if s["primary"])
            primary_id = sections[(primary["bureau"], primary["section"])]
            for order, section_spec in enumerate(spec["sections"], start=1):
                section_id = sections[(section_spec["bureau"], section_spec["section"])]
                wanted[(measure_id, section_id)] = {
                    "measure_id": measure_id,
                    "section_id": section_id,
                    "is_primary": section_id == primary_id,
                    "order": order,
                }
        stored = MeasureSection.objects.filter(measure__plan=plan)
        links = _diff(MeasureSection, stored, ("measure_id", "section_id"), wanted)
        # The database allows one primary section per measure at every moment (a partial unique
        # index, checked row by row), so flags are cleared before others are set.
        links.delete()
        links.update([link for link in links.changed if not link.is_primary])
        links.insert()
        links.update([link for link in links.changed if link.is_primary])

    def _write_subprogrammes(self, plan: Plan, cards: list[tuple[int, dict]]) -> _Diff:
        wanted = {
            (measure_id, sub["number"]): {"measure_id": measure_id, "number": sub["number"], "name": sub["name"]}
            for measure_id, spec in cards
            for sub in spec["subprogrammes"]
        }
        stored = SubProgramme.objects.filter(measure__plan=plan)
        # A (1)/(2) part the file drops takes its schedule rows and indicators with it.
        subprogrammes = _diff(SubProgramme, stored, ("measure_id", "number"), wanted)
        subprogrammes.write()
        return subprogrammes

    def _write_schedule(
        self,
        plan: Plan,
        cards: list[tuple[int, dict]],
        subprogramme_ids: dict[tuple[int, int], int],
        year_ids: dict[int, int],
    ) -> None:
        wanted, spans = {}, {}
        for measure_id, order, item_spec, subprogramme_id, key in _card_rows(cards, "schedule", subprogramme_ids):
            wanted[key] = {
                "measure_id": measure_id,
                "subprogramme_id": subprogramme_id,
                "name": item_spec["name"],
                "order": order,
                "reading": item_spec.get("reading") or "",
            }
            spans[key] = {year_ids[year] for year in item_spec["fiscal_years"]}
        stored = ScheduleItem.objects.filter(measure__plan=plan)
        items = _diff(ScheduleItem, stored, ("measure_id", "subprogramme_id", "name"), wanted)
        items.write()

        through = ScheduleItem.years.through
        wanted_years = {(items.ids[key], year_id) for key, span in spans.items() for year_id in span}
        stored_years = {
            (item_id, year_id): pk
            for pk, item_id, year_id in through.objects.filter(scheduleitem__measure__plan=plan).values_list(
                "pk", "scheduleitem_id", "planyear_id"
            )
        }
        _rows_delete(through, [pk for pair, pk in stored_years.items() if pair not in wanted_years])
        _rows_insert(
            through,
            [
                {"scheduleitem_id": item_id, "planyear_id": year_id}
                for item_id, year_id in sorted(wanted_years - stored_years.keys())
            ],
        )

    def _write_indicators(
        self, plan: Plan, cards: list[tuple[int, dict]], subprogramme_ids: dict[tuple[int, int], int]
    ) -> tuple[_Diff, dict[tuple, dict]]:
        """The indicators, and each one's targets as the file gives them, by indicator key."""
        wanted, targets = {}, {}
        for measure_id, order, ind_spec, subprogramme_id, key in _card_rows(cards, "indicators", subprogramme_ids):
            wanted[key] = {
                "measure_id": measure_id,
                "subprogramme_id": subprogramme_id,
                "name": ind_spec["name"],
                "order": order,
                "kind": ind_spec["kind"],
                "direction": ind_spec["direction"],
                "cumulative": ind_spec["cumulative"],
                "unit": ind_spec["unit"],
                "baseline": _decimal_or_none(ind_spec["baseline"]),
                "notes": ind_spec["notes"],
            }
            targets[key] = ind_spec["targets"]
        stored = Indicator.objects.filter(measure__plan=plan)
        # An indicator the file drops goes with its targets, or is refused where actuals exist.
        indicators = _diff(Indicator, stored, ("measure_id", "subprogramme_id", "name"), wanted)
        indicators.write()
        return indicators, targets

    def _write_targets(
        self,
        plan: Plan,
        indicator_ids: dict[tuple, int],
        target_specs: dict[tuple, dict],
        year_ids: dict[int, int],
    ) -> None:
        wanted = {}
        for key, specs in target_specs.items():
            indicator_id = indicator_ids[key]
            for year_key, spec in specs.items():
                year_id = year_ids[int(year_key)]
                wanted[(indicator_id, year_id)] = {
                    "indicator_id": indicator_id,
                    "plan_year_id": year_id,
                    "text": spec["text"],
                    "value": _decimal_or_none(spec["value"]),
                }
        stored = Target.objects.filter(indicator__measure__plan=plan)
        targets = _diff(Target, stored, ("indicator_id", "plan_year_id"), wanted)
        # Deleted through the ORM, whose signals record each deletion in the history.
        targets.delete()
        targets.update()
        targets.insert()
        # A target's history is its audit trail: the rows save() and create() would have added,
        # for the targets that really changed.
        changed = [{f.attname: getattr(t, f.attname) for f in Target._meta.concrete_fields} for t in targets.changed]
        created = [{**values, "id": pk} for values, pk in zip(targets.created, targets.created_ids, strict=True)]
        history = Target.history.model
        _rows_insert(history, _history_rows(changed, "~", self.now) + _history_rows(created, "+", self.now))


@dataclass
class _Diff:
    """How the rows of one table under a plan differ from the file, by natural key."""

    model: type[models.Model]
    ids: dict[Any, int]  # every row the file wants, by natural key: stored, or once inserted
    created: list[dict[str, Any]]  # values by attribute name
    created_keys: list[Any]
    changed: list[models.Model]  # stored rows, holding the file's values
    changed_fields: list[str]
    dropped: list[int]
    created_ids: list[int] = field(default_factory=list)  # once inserted

    @property
    def differs(self) -> bool:
        """Whether the file changes the table; asked before the dropped rows are deleted."""
        return bool(self.created or self.changed or self.dropped)

    def write(self) -> None:
        self.delete()
        self.update()
        self.insert()

    def delete(self) -> None:
        _rows_delete(self.model, self.dropped)
        self.dropped = []

    def update(self, rows: list[models.Model] | None = None) -> None:
        rows = self.changed if rows is None else rows
        if rows:
            columns_update(self.model, rows, self.changed_fields)

    def insert(self) -> None:
        self.created_ids = _rows_insert(self.model, self.created)
        self.ids.update(zip(self.created_keys, self.created_ids, strict=True))


def _diff(
    model: type[models.Model],
    stored: QuerySet,
    key: tuple[str, ...],
    wanted: dict[Any, dict],
    *,
    order_by: tuple[str, ...] = ("pk",),
) -> _Diff:
    """Compare the stored rows with the file's, nothing written yet.

    `wanted` maps each natural key (a value for a one-field key, else a tuple) to the row's
    values by attribute name, every row with the same names in the same order, the key's
    among them. Of stored rows sharing a key, the first in `order_by` is kept.
    They are read as plain values, not model instances: a plan of 10,000 measures has 120,000
    targets, and an instance for each would cost seconds.
    """
    names = list(next(iter(wanted.values()))) if wanted else list(key)
    positions = [names.index(name) + 1 for name in key]
    ids, stored_values, dropped = {}, {}, []
    for row in stored.order_by(*order_by).values_list("pk", *names):
        row_key = row[positions[0]] if len(key) == 1 else tuple(row[p] for p in positions)
        if row_key in wanted and row_key not in ids:
            ids[row_key] = row[0]
            stored_values[row_key] = row[1:]
        else:
            dropped.append(row[0])  # not in the file, or a second row with the same key
    created, created_keys, changed, changed_fields = [], [], [], set()
    for row_key, values in wanted.items():
        old = stored_values.get(row_key)
        if old is None:
            created.append(values)
            created_keys.append(row_key)
            continue
        if tuple(values.values()) == old:  # the common case, compared at C speed
            continue
        differing = [name for name, old_value in zip(names, old, strict=True) if values[name] != old_value]
        if differing:
            row = model(pk=ids[row_key], **values)
            row._state.adding = False
            changed.append(row)
            changed_fields.update(differing)
    return _Diff(model, ids, created, created_keys, changed, sorted(changed_fields), dropped)


def _history_rows(targets: list[dict[str, Any]], history_type: str, when: datetime) -> list[dict[str, Any]]:
    """History rows for targets written in bulk (values by attribute name, with the target's
    id): what save() or create() would have recorded, and simple-history's own
    bulk_history_create builds, but inserted in one statement rather than one per 999
    parameters."""
    if not targets or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return []
    history = Target.history.model
    # Who made the change: the request's user where there is one, as for save(). The loader's
    # targets carry no user or change reason of their own.
    user = history.get_default_history_user(Target())
    recorded = {
        "history_date": when,
        "history_type": history_type,
        history._meta.get_field("history_user").attname: user.pk if user is not None else None,
        "history_change_reason": None,
    }
    tracked = [tracked_field.attname for tracked_field in history.tracked_fields]
    return [{**{name: target[name] for name in tracked}, **recorded} for target in targets]


def _rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of one model, given as values by attribute name (a missing one takes the
    field's default), and return their ids in order.

    Rows, not model instances: a first load of 10,000 measures inserts 120,000 targets and as
    many history rows, and building an instance for each cost seconds. PostgreSQL takes a
    thousand rows a statement, returning their ids. SQLite takes them all in one executemany
    (Django's bulk_create would send a statement per 999 parameters, a hundred-odd rows); the
    ids are read back after, which is safe because the transaction holds SQLite's write lock
    and AUTOINCREMENT ids only grow: the newest len(rows) ids are these rows', in order.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    # Each distinct value of a column is prepared once: most repeat (the load's moment, a year,
    # a measure's id), and preparing 120,000 equal timestamps one by one took over a second.
    caches: list[dict] = [{} for _field in fields]
    params = []
    for row in rows:
        row_params = []
        for column, cache in zip(fields, caches, strict=True):
            value = row[column.attname] if column.attname in row else defaults[column.attname]
            try:
                row_params.append(cache[value])
            except KeyError:
                row_params.append(cache.setdefault(value, column.get_db_prep_save(value, connection)))
            except TypeError:  # unhashable: a JSON list
                row_params.append(column.get_db_prep_save(value, connection))
        params.append(row_params)
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids = []
            for start in range(0, len(params), _BATCH_SIZE):
                batch = params[start : start + _BATCH_SIZE]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(batch))} RETURNING {pk}",
                    [param for row_params in batch for param in row_params],
                )
                ids.extend(returned[0] for returned in cursor.fetchall())
            return ids
        if not connection.in_atomic_block:
            raise TransactionManagementError("rows are inserted in bulk only inside a transaction")
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", params)
        cursor.execute(f"SELECT {pk} FROM {table} ORDER BY {pk} DESC LIMIT %s", [len(rows)])
        return [returned[0] for returned in reversed(cursor.fetchall())]


def _rows_delete(model: type[models.Model], pks: list[int]) -> None:
    """Delete rows through the ORM, so that cascades, history and PROTECT (raising
    ProtectedError, which plan_load reports) apply as they would to one row."""
    for start in range(0, len(pks), _DELETE_BATCH_SIZE):
        model._base_manager.filter(pk__in=pks[start : start + _DELETE_BATCH_SIZE]).delete()


def _card_rows(
    cards: list[tuple[int, dict]], name: str, subprogramme_ids: dict[tuple[int, int], int]
) -> Iterator[tuple[int, int, dict, int | None, tuple]]:
    """A card's schedule rows or indicators in file order: (measure id, order, spec, its
    sub-programme's id, natural key (measure, sub-programme, name))."""
    for measure_id, spec in cards:
        for order, row in enumerate(spec[name], start=1):
            number = row["subprogramme"]
            subprogramme_id = None if number is None else subprogramme_ids[(measure_id, number)]
            yield measure_id, order, row, subprogramme_id, (measure_id, subprogramme_id, row["name"])


def _decimal_or_none(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    normalized = value.normalize()
    return format(normalized, "f")


def plan_export(plan: Plan) -> dict:
    """The plan as a plan-file document, in a fixed number of queries."""
    pillars = _pillars_export(plan)
    return {**_document_head(plan, pillars), "measures": list(_measures_export(plan))}


def _pillars_export(plan: Plan) -> list[dict]:
    pillars = []
    for pillar in plan.pillars.prefetch_related("subpillars__fields"):
        pillars.append(
            {
                "code": pillar.code,
                "name": pillar.name,
                "subpillars": [
                    {
                        "code": sub.code,
                        "name": sub.name,
                        "fields": [
                            {"code": f.code, "name": f.name, "description": f.description} for f in sub.fields.all()
                        ],
                    }
                    for sub in pillar.subpillars.all()
                ],
            }
        )
    return pillars


def _document_head(plan: Plan, pillars: list[dict]) -> dict:
    return {
        "format": FORMAT,
        "plan": {
            "code": plan.code,
            "name": plan.name,
            "first_fiscal_year": plan.first_fiscal_year,
            "last_fiscal_year": plan.last_fiscal_year,
            "grades": [
                {"code": b.code, "label": b.label, "min_rate": _decimal_text(b.min_rate)}
                for b in plan.grade_bands.all()
            ],
            "judgements": [{"label": j.label, "min_share": _decimal_text(j.min_share)} for j in plan.judgements.all()],
            "rollup_cap": _decimal_text(plan.rollup_cap),
            "milestone_rates": {
                "achieved": _decimal_text(plan.milestone_achieved_rate),
                "partial": _decimal_text(plan.milestone_partial_rate),
                "not_achieved": _decimal_text(plan.milestone_not_achieved_rate),
            },
        },
        "pillars": pillars,
    }


def _measures_export(plan: Plan) -> Iterator[dict]:
    """Each measure's part of the document, in plan order, from one query per table read as
    plain values: model instances for the 200,000 rows of a 10,000-measure plan took about
    600 MB, tuples a small part of that. Each measure's rows are released once yielded."""
    in_plan = {"measure__plan": plan}
    sections: dict[int, list[dict]] = defaultdict(list)
    for measure_id, bureau, section, primary in (
        MeasureSection.objects.filter(**in_plan)
        .order_by("measure_id", "order", "pk")
        .values_list("measure_id", "section__bureau__name", "section__name", "is_primary")
    ):
        sections[measure_id].append({"bureau": bureau, "section": section, "primary": primary})
    subprogrammes: dict[int, list[dict]] = defaultdict(list)
    sub_numbers: dict[int, int] = {}
    for pk, measure_id, number, name in (
        SubProgramme.objects.filter(**in_plan)
        .order_by("measure_id", "number", "pk")
        .values_list("pk", "measure_id", "number", "name")
    ):
        subprogrammes[measure_id].append({"number": number, "name": name})
        sub_numbers[pk] = number
    item_years: dict[int, list[int]] = defaultdict(list)
    for item_id, fiscal_year in ScheduleItem.years.through.objects.filter(scheduleitem__measure__plan=plan).values_list(
        "scheduleitem_id", "planyear__fiscal_year"
    ):
        item_years[item_id].append(fiscal_year)
    schedule: dict[int, list[dict]] = defaultdict(list)
    for pk, measure_id, name, sub_id, reading in (
        ScheduleItem.objects.filter(**in_plan)
        .order_by("measure_id", "order", "pk")
        .values_list("pk", "measure_id", "name", "subprogramme_id", "reading")
    ):
        schedule[measure_id].append(
            {
                "name": name,
                "subprogramme": sub_numbers.get(sub_id),
                "fiscal_years": sorted(item_years.pop(pk, [])),
                "reading": reading or None,
            }
        )
    targets: dict[int, dict[str, dict]] = defaultdict(dict)
    for indicator_id, fiscal_year, text, value in (
        Target.objects.filter(indicator__measure__plan=plan)
        .order_by("indicator_id", "plan_year__fiscal_year")
        .values_list("indicator_id", "plan_year__fiscal_year", "text", "value")
    ):
        targets[indicator_id][str(fiscal_year)] = {"text": text, "value": _decimal_text(value)}
    indicators: dict[int, list[dict]] = defaultdict(list)
    for pk, measure_id, name, sub_id, kind, direction, cumulative, unit, baseline, notes in (
        Indicator.objects.filter(**in_plan)
        .order_by("measure_id", "order", "pk")
        .values_list(
            "pk",
            "measure_id",
            "name",
            "subprogramme_id",
            "kind",
            "direction",
            "cumulative",
            "unit",
            "baseline",
            "notes",
        )
    ):
        indicators[measure_id].append(
            {
                "name": name,
                "subprogramme": sub_numbers.get(sub_id),
                "kind": kind,
                "direction": direction,
                "cumulative": cumulative,
                "unit": unit,
                "baseline": _decimal_text(baseline),
                "notes": notes,
                "targets": targets.pop(pk, {}),
            }
        )
    for pk, code, field_code, name, summary, goal, target_year, target_year_text, notes in (
        plan.measures.order_by("order")
        .values_list(
            "pk",
            "code",
            "field__code",
            "name",
            "summary",
            "goal",
            "target_fiscal_year",
            "target_fiscal_year_text",
            "notes",
        )
        .iterator(chunk_size=2000)
    ):
        yield {
            "code": code,
            "field": field_code,
            "name": name,
            "summary": summary,
            "goal": goal,
            "target_fiscal_year": target_year,
            "target_fiscal_year_text": target_year_text,
            "notes": notes,
            "sections": sections.pop(pk, []),
            "subprogrammes": subprogrammes.pop(pk, []),
            "schedule": schedule.pop(pk, []),
            "indicators": indicators.pop(pk, []),
        }


def plan_export_json(plan: Plan) -> str:
    """The plan file's text, exactly `json.dumps(plan_export(plan), ensure_ascii=False,
    indent=2)`, written a measure at a time so that the whole document never sits in memory
    beside its text."""
    pillars = _pillars_export(plan)
    head = json.dumps({**_document_head(plan, pillars), "measures": []}, ensure_ascii=False, indent=2)
    parts = [
        # Each measure sits two levels deep in the document: four more spaces a line.
        json.dumps(measure, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        for measure in _measures_export(plan)
    ]
    if not parts:
        return head + "\n"
    assert head.endswith('"measures": []\n}')
    return head[: -len("[]\n}")] + "[\n    " + ",\n    ".join(parts) + "\n  ]\n}\n"
