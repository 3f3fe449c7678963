"""Reading and checking a plan file (docs/plan-format.md): every problem is collected, naming
the file, the measure code and the key, before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from indicators.models import Direction, IndicatorKind

FORMAT = "kanagawa-ict-plan/1"
MAX_ABS_VALUE = Decimal("1e15")


class PlanFileError(Exception):
    """A plan file that cannot be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Checker:
    """Collects the problems of one document, each naming where it is."""

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
    check = Checker(source)
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


def _check_plan_rules(check: Checker, plan: dict) -> None:
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


def _check_tree(check: Checker, data: dict) -> set[str]:
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


def _check_measure(check: Checker, measure: Any, where: str, field_codes: set[str], period: set[int]) -> None:
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


def _check_subprogramme_ref(check: Checker, obj: Any, where: str, numbers: set[int]) -> int | None:
    if not isinstance(obj, dict) or "subprogramme" not in obj:
        check.fail(where, "subprogramme", "必須の項目がありません（なければ null）")
        return None
    sub = obj["subprogramme"]
    if sub is not None and sub not in numbers:
        check.fail(where, "subprogramme", f"({sub}) は subprogrammes にありません")
    return sub


def _check_indicator(
    check: Checker, indicator: Any, where: str, numbers: set[int], period: set[int], keys: set
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
