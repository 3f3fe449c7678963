"""The stored plan back as a plan-file document, or its text, in a fixed number of queries."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from indicators.models import Indicator, Target, TargetRevision
from indicators.plan_file.check import FORMAT
from measures.models import MeasureSection, Plan, ScheduleItem, SubProgramme


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
            # Written only when set (blank is the default ratio), so older files export unchanged.
            **(
                {"plausibility_factor": _decimal_text(plan.plausibility_factor)}
                if plan.plausibility_factor is not None
                else {}
            ),
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
    revisions = _revisions(plan)
    for pk, indicator_id, fiscal_year, text, value, is_revised, original_text, original_value in (
        Target.objects.filter(indicator__measure__plan=plan)
        .order_by("indicator_id", "plan_year__fiscal_year")
        .values_list(
            "pk",
            "indicator_id",
            "plan_year__fiscal_year",
            "text",
            "value",
            "is_revised",
            "original_text",
            "original_value",
        )
    ):
        target = {"text": text, "value": _decimal_text(value)}
        if is_revised:
            # 目標値の見直し: the printed target and every revision, so a reload loses nothing.
            target["original"] = {"text": original_text, "value": _decimal_text(original_value)}
            target["revisions"] = revisions.get(pk, [])
        targets[indicator_id][str(fiscal_year)] = target
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


def _revisions(plan: Plan) -> dict[int, list[dict]]:
    """Each revised target's revisions (目標値の見直し) as the plan file writes them, by target id."""
    found: dict[int, list[dict]] = defaultdict(list)
    rows = (
        TargetRevision.objects.filter(target__indicator__measure__plan=plan)
        .order_by("target_id", "effective_date", "pk")
        .values_list(
            "target_id",
            "previous_text",
            "previous_value",
            "text",
            "value",
            "reason",
            "effective_date",
            "revised_by__username",
            "revised_at",
        )
    )
    for target_id, previous_text, previous_value, text, value, reason, effective, by, at in rows:
        found[target_id].append(
            {
                "previous_text": previous_text,
                "previous_value": _decimal_text(previous_value),
                "text": text,
                "value": _decimal_text(value),
                "reason": reason,
                "effective_date": effective.isoformat(),
                "revised_by": by,
                "revised_at": at.isoformat() if at else None,
            }
        )
    return found
