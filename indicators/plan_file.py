"""Reading and writing the plan file (docs/plan-format.md).

The plan file holds measures *and* their indicators, so it lives here, above `measures`
in the dependency order (`indicators` → `measures`), not in `measures` itself.

Loading is two steps: `plan_file_parse` checks the whole document and collects every
problem (naming the file, the measure code and the key) before anything is written;
`plan_load` then upserts by natural keys in one transaction, so a bad file loads
nothing and an edited file updates in place, keeping whatever hangs off measures and
indicators (actuals, progress) as long as their natural keys stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, ProtectedError

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


class _PlanWriter:
    def __init__(self, data: dict):
        self.data = data

    def write(self) -> LoadSummary:
        spec = self.data["plan"]
        plan, _ = Plan.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "first_fiscal_year": spec["first_fiscal_year"],
                "last_fiscal_year": spec["last_fiscal_year"],
                "rollup_cap": Decimal(str(spec["rollup_cap"])),
                "milestone_achieved_rate": Decimal(str(spec["milestone_rates"]["achieved"])),
                "milestone_partial_rate": Decimal(str(spec["milestone_rates"]["partial"])),
                "milestone_not_achieved_rate": Decimal(str(spec["milestone_rates"]["not_achieved"])),
            },
        )
        self.plan = plan
        self.years = self._write_years(plan)
        self._write_bands(plan, spec)
        fields = self._write_tree(plan)
        measures = self.data["measures"]
        keep_codes = []
        indicator_count = target_count = 0
        for order, measure_spec in enumerate(measures, start=1):
            measure = self._write_measure(plan, measure_spec, order, fields)
            keep_codes.append(measure.code)
            counts = self._write_indicators(measure, measure_spec)
            indicator_count += counts[0]
            target_count += counts[1]
        Measure.objects.filter(plan=plan).exclude(code__in=keep_codes).delete()
        # Fields no longer in the file may go only now that no measure points at them.
        Field.objects.filter(subpillar__pillar__plan=plan).exclude(pk__in=[f.pk for f in fields.values()]).delete()
        SubPillar.objects.filter(pillar__plan=plan).exclude(pk__in={f.subpillar_id for f in fields.values()}).delete()
        Pillar.objects.filter(plan=plan).exclude(code__in=[p["code"] for p in self.data["pillars"]]).delete()
        # Targets or thresholds may have changed: stored rates and grades follow.
        results_recompute(plan=plan)
        return LoadSummary(plan=plan, measures=len(measures), indicators=indicator_count, targets=target_count)

    def _write_years(self, plan: Plan) -> dict[int, PlanYear]:
        years = {}
        for year in plan.fiscal_years:
            years[year], _ = PlanYear.objects.get_or_create(plan=plan, fiscal_year=year)
        PlanYear.objects.filter(plan=plan).exclude(fiscal_year__in=plan.fiscal_years).delete()
        return years

    def _write_bands(self, plan: Plan, spec: dict) -> None:
        codes = []
        for order, grade in enumerate(spec["grades"], start=1):
            GradeBand.objects.update_or_create(
                plan=plan,
                code=grade["code"],
                defaults={"label": grade["label"], "min_rate": Decimal(str(grade["min_rate"])), "order": order},
            )
            codes.append(grade["code"])
        GradeBand.objects.filter(plan=plan).exclude(code__in=codes).delete()
        labels = []
        for order, judgement in enumerate(spec["judgements"], start=1):
            ProgressJudgement.objects.update_or_create(
                plan=plan,
                label=judgement["label"],
                defaults={"min_share": Decimal(str(judgement["min_share"])), "order": order},
            )
            labels.append(judgement["label"])
        ProgressJudgement.objects.filter(plan=plan).exclude(label__in=labels).delete()

    def _write_tree(self, plan: Plan) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        for p_order, pillar_spec in enumerate(self.data["pillars"], start=1):
            pillar, _ = Pillar.objects.update_or_create(
                plan=plan, code=pillar_spec["code"], defaults={"name": pillar_spec["name"], "order": p_order}
            )
            for s_order, sub_spec in enumerate(pillar_spec["subpillars"], start=1):
                subpillar, _ = SubPillar.objects.update_or_create(
                    pillar=pillar, code=sub_spec["code"], defaults={"name": sub_spec["name"], "order": s_order}
                )
                for f_order, field_spec in enumerate(sub_spec["fields"], start=1):
                    existing = Field.objects.filter(subpillar__pillar__plan=plan, code=field_spec["code"]).first()
                    values = {
                        "subpillar": subpillar,
                        "name": field_spec["name"],
                        "description": field_spec["description"],
                        "order": f_order,
                    }
                    if existing:
                        for key, value in values.items():
                            setattr(existing, key, value)
                        existing.save()
                        fields[field_spec["code"]] = existing
                    else:
                        fields[field_spec["code"]] = Field.objects.create(code=field_spec["code"], **values)
        return fields

    def _write_measure(self, plan: Plan, spec: dict, order: int, fields: dict[str, Field]) -> Measure:
        measure, _ = Measure.objects.update_or_create(
            plan=plan,
            code=spec["code"],
            defaults={
                "field": fields[spec["field"]],
                "name": spec["name"],
                "summary": spec["summary"],
                "goal": spec["goal"],
                "target_fiscal_year": spec["target_fiscal_year"],
                "target_fiscal_year_text": spec["target_fiscal_year_text"],
                "notes": spec["notes"],
                "order": order,
            },
        )
        section_ids = []
        for s_order, section_spec in enumerate(spec["sections"], start=1):
            bureau, _ = Bureau.objects.get_or_create(name=section_spec["bureau"])
            section, _ = Section.objects.get_or_create(bureau=bureau, name=section_spec["section"])
            MeasureSection.objects.update_or_create(
                measure=measure, section=section, defaults={"is_primary": False, "order": s_order}
            )
            section_ids.append(section.pk)
        MeasureSection.objects.filter(measure=measure).exclude(section_id__in=section_ids).delete()
        primary = next(s for s in spec["sections"] if s["primary"])
        MeasureSection.objects.filter(
            measure=measure, section__bureau__name=primary["bureau"], section__name=primary["section"]
        ).update(is_primary=True)

        self.subprogrammes = {}
        for sub_spec in spec["subprogrammes"]:
            self.subprogrammes[sub_spec["number"]], _ = SubProgramme.objects.update_or_create(
                measure=measure, number=sub_spec["number"], defaults={"name": sub_spec["name"]}
            )
        SubProgramme.objects.filter(measure=measure).exclude(number__in=list(self.subprogrammes)).delete()

        item_ids = []
        for i_order, item_spec in enumerate(spec["schedule"], start=1):
            subprogramme = self.subprogrammes.get(item_spec["subprogramme"])
            item, _ = ScheduleItem.objects.update_or_create(
                measure=measure,
                subprogramme=subprogramme,
                name=item_spec["name"],
                defaults={"order": i_order, "reading": item_spec.get("reading") or ""},
            )
            item.years.set([self.years[year] for year in item_spec["fiscal_years"]])
            item_ids.append(item.pk)
        ScheduleItem.objects.filter(measure=measure).exclude(pk__in=item_ids).delete()
        return measure

    def _write_indicators(self, measure: Measure, spec: dict) -> tuple[int, int]:
        indicator_ids = []
        target_count = 0
        for order, ind_spec in enumerate(spec["indicators"], start=1):
            indicator, _ = Indicator.objects.update_or_create(
                measure=measure,
                subprogramme=self.subprogrammes.get(ind_spec["subprogramme"]),
                name=ind_spec["name"],
                defaults={
                    "order": order,
                    "kind": ind_spec["kind"],
                    "direction": ind_spec["direction"],
                    "cumulative": ind_spec["cumulative"],
                    "unit": ind_spec["unit"],
                    "baseline": _decimal_or_none(ind_spec["baseline"]),
                    "notes": ind_spec["notes"],
                },
            )
            indicator_ids.append(indicator.pk)
            year_ids = []
            for year_key, target_spec in ind_spec["targets"].items():
                plan_year = self.years[int(year_key)]
                target = Target.objects.filter(indicator=indicator, plan_year=plan_year).first()
                text, value = target_spec["text"], _decimal_or_none(target_spec["value"])
                if target is None:
                    Target.objects.create(indicator=indicator, plan_year=plan_year, text=text, value=value)
                elif target.text != text or target.value != value:
                    # Saved only when changed, so that reloading adds no history rows.
                    target.text, target.value = text, value
                    target.save()
                year_ids.append(plan_year.pk)
                target_count += 1
            Target.objects.filter(indicator=indicator).exclude(plan_year_id__in=year_ids).delete()
        Indicator.objects.filter(measure=measure).exclude(pk__in=indicator_ids).delete()
        return len(indicator_ids), target_count


def _decimal_or_none(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    normalized = value.normalize()
    return format(normalized, "f")


def plan_export(plan: Plan) -> dict:
    """The plan as a plan-file document, in a fixed number of queries."""
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
    measures = plan.measures.select_related("field").prefetch_related(
        # Sections joined, not prefetched by id: Django 5.2 prefetches a foreign key with one
        # `id = %s OR ...` term per target, which SQLite refuses beyond 1,000 (a plan of 10,000
        # measures has 2,000 sections).
        Prefetch("measure_sections", queryset=MeasureSection.objects.select_related("section__bureau")),
        "subprogrammes",
        "schedule_items__years",
        "schedule_items__subprogramme",
        "indicators__subprogramme",
        "indicators__targets__plan_year",
    )
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
        "measures": [_measure_export(m) for m in measures],
    }


def _measure_export(measure: Measure) -> dict:
    def sub_number(obj) -> int | None:
        return obj.subprogramme.number if obj.subprogramme_id else None

    return {
        "code": measure.code,
        "field": measure.field.code,
        "name": measure.name,
        "summary": measure.summary,
        "goal": measure.goal,
        "target_fiscal_year": measure.target_fiscal_year,
        "target_fiscal_year_text": measure.target_fiscal_year_text,
        "notes": measure.notes,
        "sections": [
            {"bureau": ms.section.bureau.name, "section": ms.section.name, "primary": ms.is_primary}
            for ms in measure.measure_sections.all()
        ],
        "subprogrammes": [{"number": s.number, "name": s.name} for s in measure.subprogrammes.all()],
        "schedule": [
            {
                "name": item.name,
                "subprogramme": sub_number(item),
                "fiscal_years": sorted(y.fiscal_year for y in item.years.all()),
                "reading": item.reading or None,
            }
            for item in measure.schedule_items.all()
        ],
        "indicators": [
            {
                "name": ind.name,
                "subprogramme": sub_number(ind),
                "kind": ind.kind,
                "direction": ind.direction,
                "cumulative": ind.cumulative,
                "unit": ind.unit,
                "baseline": _decimal_text(ind.baseline),
                "notes": ind.notes,
                "targets": {
                    str(t.plan_year.fiscal_year): {"text": t.text, "value": _decimal_text(t.value)}
                    for t in sorted(ind.targets.all(), key=lambda t: t.plan_year.fiscal_year)
                },
            }
            for ind in measure.indicators.all()
        ],
    }


def plan_export_json(plan: Plan) -> str:
    return json.dumps(plan_export(plan), ensure_ascii=False, indent=2) + "\n"
