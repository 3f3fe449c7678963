"""Synthetic plans of any size, for measuring speed (`manage.py benchmark`) and for tests
that prove a cost does not grow with the plan.

The real plan has 76 measures; a successor plan, or several prefectures' plans in one
database, can have far more. A synthetic plan has the real plan's shape (two pillars,
sub-pillars and fields, bureaus and sections, two schedule rows and three indicators of
every kind per measure, R1–R4 targets with some "—" years, R1–R3 actuals with every
grade) so that every page and export can be timed at 76, 1,000 or 10,000 measures.

It is written with bulk_create, not through the services that write one row at a time:
those services are what the benchmark measures, and 10,000 measures through them would
take longer than the benchmark itself. The stored rates, grades and measure results are
then computed by the one service that recomputes a plan (`results_recompute`), so they
are exactly what the product would have stored.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from indicators.models import Actual, Direction, Indicator, IndicatorKind, MilestoneStatus, Target
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
)

FIRST_FISCAL_YEAR = 2019
LAST_FISCAL_YEAR = 2022
REPORTED_YEARS = (2019, 2020, 2021)  # R1–R3: the years with actuals, as in the demo data
NO_TARGET_TEXT = "—"
BATCH_SIZE = 2000

# The real plan file's rules (fixtures/kanagawa_ict_2019.json).
GRADES = [("A", "達成", "1"), ("B", "概ね達成", "0.8"), ("C", "一部未達成", "0.5"), ("D", "未達成", "0")]
JUDGEMENTS = [("順調", "1"), ("概ね順調", "0.6666"), ("やや遅れ", "0.5"), ("遅れ", "0")]
PILLARS = [("I", "暮らしの情報化（合成）"), ("II", "行政の情報化（合成）")]

# Roughly the real plan's proportions: 76 measures in 21 fields, 7 sub-pillars, 39 sections
# of 13 bureaus; here 4 measures a field, 3 fields a sub-pillar, 5 measures a section and
# 3 sections a bureau.
MEASURES_PER_FIELD = 4
FIELDS_PER_SUBPILLAR = 3
MEASURES_PER_SECTION = 5
SECTIONS_PER_BUREAU = 3
SHARED_MEASURE_SHARE = 0.05  # measures with a second owning section (the real plan: 3 of 76)
SCHEDULE_ITEMS_PER_MEASURE = 2
INDICATORS_PER_MEASURE = 3

# Indicator kinds in about the real plan's mix, with every kind present in a small plan.
KIND_WEIGHTS = [
    (IndicatorKind.MILESTONE, 35),
    (IndicatorKind.COUNT, 30),
    (IndicatorKind.PERCENTAGE, 20),
    (IndicatorKind.UPPER_LIMIT, 15),
]
MILESTONE_TEXTS = ["実施", "構築完了", "計画策定", "一般公開"]
# Actual ÷ target for higher-is-better indicators: A, A, A, A, B, B, C, C, D, D.
ACTUAL_FACTORS = ["1.0", "1.05", "1.2", "1.5", "0.9", "0.85", "0.7", "0.6", "0.4", "0.2"]
# Share of targets left unreported per year: the latest year is still being reported.
UNREPORTED_SHARE = {2019: 0.02, 2020: 0.05, 2021: 0.2}


@dataclass(frozen=True)
class _IndicatorSpec:
    kind: str
    direction: str
    cumulative: bool
    unit: str
    name: str
    baseline: Decimal | None
    targets: dict[int, tuple[str, Decimal | None]]  # fiscal year → (printed text, value)


def synthetic_plan_create(*, measures: int, code: str = "synthetic", seed: int = 0, with_actuals: bool = True) -> Plan:
    """Build a complete plan of `measures` measures in bulk, deterministic for a seed."""
    if measures < 1:
        raise ValueError("measures must be at least 1")
    rng = random.Random(seed)
    with transaction.atomic():
        plan = Plan.objects.create(
            code=code,
            name=f"合成計画（{measures:,}施策）",
            first_fiscal_year=FIRST_FISCAL_YEAR,
            last_fiscal_year=LAST_FISCAL_YEAR,
        )
        years = {
            y.fiscal_year: y
            for y in PlanYear.objects.bulk_create(
                PlanYear(plan=plan, fiscal_year=year) for year in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1)
            )
        }
        GradeBand.objects.bulk_create(
            GradeBand(plan=plan, code=c, label=label, min_rate=Decimal(rate), order=order)
            for order, (c, label, rate) in enumerate(GRADES, start=1)
        )
        ProgressJudgement.objects.bulk_create(
            ProgressJudgement(plan=plan, label=label, min_share=Decimal(share), order=order)
            for order, (label, share) in enumerate(JUDGEMENTS, start=1)
        )
        fields = _tree_create(plan, measures)
        sections = _sections_for(measures)
        measure_rows = _measures_create(plan, measures, fields, sections, rng)
        _schedule_create(measure_rows, years, rng)
        specs = _indicators_create(measure_rows, years, rng)
        if with_actuals:
            _actuals_create(specs, years, rng)
        results_recompute(plan=plan)
    return plan


def _tree_create(plan: Plan, measures: int) -> list[Field]:
    field_count = max(2, math.ceil(measures / MEASURES_PER_FIELD))
    subpillar_count = max(2, math.ceil(field_count / FIELDS_PER_SUBPILLAR))
    pillars = Pillar.objects.bulk_create(
        Pillar(plan=plan, code=c, name=name, order=order) for order, (c, name) in enumerate(PILLARS, start=1)
    )
    subpillars: list[SubPillar] = []
    numbers: Counter[int] = Counter()
    for index in range(subpillar_count):
        pillar = pillars[index * len(pillars) // subpillar_count]
        numbers[pillar.pk] += 1
        number = numbers[pillar.pk]
        subpillars.append(
            SubPillar(pillar=pillar, code=f"{pillar.code}-{number}", name=f"合成の中柱 {number}", order=number)
        )
    SubPillar.objects.bulk_create(subpillars, batch_size=BATCH_SIZE)
    fields = []
    numbers.clear()
    for index in range(field_count):
        subpillar = subpillars[index * subpillar_count // field_count]
        numbers[subpillar.pk] += 1
        number = numbers[subpillar.pk]
        fields.append(
            Field(
                subpillar=subpillar,
                code=f"{subpillar.code}-{number}",
                name=f"合成の分野 {subpillar.code}-{number}",
                description="ICTを活用して県民サービスの向上を図ります（合成データ）。",
                order=number,
            )
        )
    return Field.objects.bulk_create(fields, batch_size=BATCH_SIZE)


def _sections_for(measures: int) -> list[Section]:
    """局N / 課N, shared by every synthetic plan: section N always belongs to the same bureau,
    so plans of different sizes (and the real plan) can sit in one database."""
    section_count = max(1, round(measures / MEASURES_PER_SECTION))
    bureau_count = math.ceil(section_count / SECTIONS_PER_BUREAU)
    bureau_names = [f"局{n}" for n in range(1, bureau_count + 1)]
    Bureau.objects.bulk_create([Bureau(name=name) for name in bureau_names], ignore_conflicts=True)
    bureaus = {b.name: b for b in Bureau.objects.filter(name__in=bureau_names)}
    wanted = [(bureaus[f"局{(n - 1) // SECTIONS_PER_BUREAU + 1}"], f"課{n}") for n in range(1, section_count + 1)]
    Section.objects.bulk_create(
        [Section(bureau=bureau, name=name) for bureau, name in wanted], ignore_conflicts=True, batch_size=BATCH_SIZE
    )
    existing = {(s.bureau_id, s.name): s for s in Section.objects.filter(bureau__in=bureaus.values())}
    return [existing[(bureau.pk, name)] for bureau, name in wanted]


def _measures_create(
    plan: Plan, measures: int, fields: list[Field], sections: list[Section], rng: random.Random
) -> list[Measure]:
    rows = []
    per_field: Counter[int] = Counter()
    for index in range(measures):
        field = fields[index * len(fields) // measures]
        per_field[field.pk] += 1
        target_year = LAST_FISCAL_YEAR if rng.random() < 0.9 else LAST_FISCAL_YEAR - 1
        rows.append(
            Measure(
                plan=plan,
                field=field,
                code=f"{field.code}-{per_field[field.pk]:02d}",
                name=f"合成施策 {index + 1}：ICTを活用した県民サービスの推進",
                summary="システムを維持・運営し、収集・蓄積したデータを市町村や企業と連携して利活用する（合成データ）。",
                goal="県民サービスの向上及びデータの利活用",
                target_fiscal_year=target_year,
                target_fiscal_year_text=f"令和{target_year - FIRST_FISCAL_YEAR + 1}年度",
                order=index + 1,
            )
        )
    Measure.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    # Every section owns about the same number of measures, scattered over the fields as in
    # the real plan; a few measures have a second owner.
    owners = [sections[i % len(sections)] for i in range(measures)]
    rng.shuffle(owners)
    links = []
    for measure, primary in zip(rows, owners, strict=True):
        links.append(MeasureSection(measure_id=measure.pk, section_id=primary.pk, is_primary=True, order=1))
        if len(sections) > 1 and rng.random() < SHARED_MEASURE_SHARE:
            other = rng.choice([s for s in (sections[0], sections[-1]) if s.pk != primary.pk])
            links.append(MeasureSection(measure_id=measure.pk, section_id=other.pk, is_primary=False, order=2))
    MeasureSection.objects.bulk_create(links, batch_size=BATCH_SIZE)
    return rows


def _schedule_create(measures: list[Measure], years: dict[int, PlanYear], rng: random.Random) -> None:
    items, spans = [], []
    all_years = sorted(years)
    for measure in measures:
        start = rng.choice(all_years[:2])
        end = rng.choice(all_years[2:])
        for order, (name, span) in enumerate(
            [("システムの維持・運営", all_years), ("利用促進・普及啓発", list(range(start, end + 1)))], start=1
        ):
            items.append(ScheduleItem(measure_id=measure.pk, name=name, order=order))
            spans.append(span)
    ScheduleItem.objects.bulk_create(items, batch_size=BATCH_SIZE)
    through = ScheduleItem.years.through
    through.objects.bulk_create(
        [
            through(scheduleitem_id=item.pk, planyear_id=years[year].pk)
            for item, span in zip(items, spans, strict=True)
            for year in span
        ],
        batch_size=BATCH_SIZE,
    )


def _indicators_create(
    measures: list[Measure], years: dict[int, PlanYear], rng: random.Random
) -> list[tuple[Indicator, _IndicatorSpec]]:
    kinds = [k for k, _weight in KIND_WEIGHTS]
    weights = [w for _kind, w in KIND_WEIGHTS]
    pairs = []
    for measure in measures:
        for order in range(1, INDICATORS_PER_MEASURE + 1):
            spec = _indicator_spec(rng.choices(kinds, weights)[0], order, rng)
            indicator = Indicator(
                measure_id=measure.pk,
                name=spec.name,
                order=order,
                kind=spec.kind,
                direction=spec.direction,
                cumulative=spec.cumulative,
                unit=spec.unit,
                baseline=spec.baseline,
            )
            pairs.append((indicator, spec))
    Indicator.objects.bulk_create([i for i, _spec in pairs], batch_size=BATCH_SIZE)
    Target.objects.bulk_create(
        [
            Target(indicator_id=indicator.pk, plan_year_id=years[year].pk, text=text, value=value)
            for indicator, spec in pairs
            for year, (text, value) in spec.targets.items()
        ],
        batch_size=BATCH_SIZE,
    )
    return pairs


def _indicator_spec(kind: str, order: int, rng: random.Random) -> _IndicatorSpec:
    fiscal_years = list(range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1))
    # Some indicators start after R1, and now and then a year in between has no target.
    without_target = set()
    if rng.random() < 0.15:
        without_target.add(FIRST_FISCAL_YEAR)
    if rng.random() < 0.05:
        without_target.add(rng.choice(fiscal_years[1:]))
    targets: dict[int, tuple[str, Decimal | None]] = {}
    baseline = None
    direction, cumulative = Direction.HIGHER, False
    if kind == IndicatorKind.MILESTONE:
        name, unit = "システムの構築・運用", ""
        text = rng.choice(MILESTONE_TEXTS)
        values = {year: (text, None) for year in fiscal_years}
    elif kind == IndicatorKind.COUNT:
        cumulative = rng.random() < 0.3
        name = "利用者数（累計）" if cumulative else "研修会の実施回数"
        unit = "人" if cumulative else "回"
        annual = rng.choice([10, 20, 50, 100, 500, 1000, 10000])
        running = 0
        values = {}
        for step, year in enumerate(fiscal_years):
            yearly = annual + annual * step // 10
            running = running + yearly if cumulative else yearly
            values[year] = (f"{running:,}", Decimal(running))
    elif kind == IndicatorKind.PERCENTAGE:
        name, unit = "オンライン化した手続の割合", "%"
        start = rng.choice([50, 60, 70, 80])
        values = {}
        for step, year in enumerate(fiscal_years):
            share = min(100, start + 5 * step)
            values[year] = (f"{share}%", Decimal(share))
    else:
        name, unit, direction = "個人情報の漏洩件数", "件", Direction.LOWER
        if rng.random() < 0.25:
            baseline = Decimal(100)
            values = {
                y: (f"{100 - 10 * (s + 1)}件以下", Decimal(100 - 10 * (s + 1))) for s, y in enumerate(fiscal_years)
            }
        else:
            limit = rng.choice([0, 0, 0, 5])
            values = {year: (str(limit), Decimal(limit)) for year in fiscal_years}
    for year in fiscal_years:
        targets[year] = (NO_TARGET_TEXT, None) if year in without_target else values[year]
    return _IndicatorSpec(kind, direction, cumulative, unit, f"指標{order}：{name}", baseline, targets)


def _actuals_create(pairs: list[tuple[Indicator, _IndicatorSpec]], years: dict[int, PlanYear], rng: random.Random):
    rows = []
    for indicator, spec in pairs:
        for year in REPORTED_YEARS:
            text, target = spec.targets[year]
            if text == NO_TARGET_TEXT or rng.random() < UNREPORTED_SHARE[year]:
                continue
            actual = Actual(indicator_id=indicator.pk, plan_year_id=years[year].pk, version=1)
            if spec.kind == IndicatorKind.MILESTONE:
                actual.milestone_status = rng.choices(
                    [MilestoneStatus.ACHIEVED, MilestoneStatus.PARTIAL, MilestoneStatus.NOT_ACHIEVED], [7, 2, 1]
                )[0]
                actual.description = f"{text}に向けて予定どおり取り組んだ（合成データ）"
            elif spec.direction == Direction.LOWER:
                actual.value = target if rng.random() < 0.7 else target + rng.choice([1, 3, 10])
            else:
                factor = Decimal(rng.choice(ACTUAL_FACTORS))
                places = Decimal("0.1") if spec.kind == IndicatorKind.PERCENTAGE else Decimal("1")
                actual.value = (target * factor).quantize(places)
            rows.append(actual)
    Actual.objects.bulk_create(rows, batch_size=BATCH_SIZE)
