"""The stored roll-ups (GroupResult): kept current by every write of a measure's result, equal
to a rebuild from scratch and to a plain computation over the measure results."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_DOWN, Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from indicators.achievement import RATE_PLACES
from indicators.group_results import group_results_rebuild
from indicators.models import Actual, GroupResult, Indicator, MeasureResult, MilestoneStatus, Target
from indicators.selectors import rollup
from indicators.services import ActualInput, actual_record, measure_actuals_record, target_update
from measures.models import Bureau, Field, Measure, MeasureSection, PlanYear, Section
from pdca.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

YEAR = 2021


def _stored(plan) -> dict[tuple, tuple]:
    rows = GroupResult.objects.filter(plan_year__plan=plan)
    return {
        (r.plan_year_id, r.basis, r.level, r.group_id): (
            r.measures,
            r.graded,
            Decimal(r.rate_sum),
            r.mean_rate,
            r.unreported,
            r.no_target,
            r.left_out,
            {code: n for code, n in r.grade_counts.items() if n},
            (r.sort_bureau, r.sort_section),
        )
        for r in rows
    }


def _computed(plan) -> dict[tuple, tuple]:
    """The roll-ups computed the plain way, independently of indicators.group_results."""
    members: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    for m in Measure.objects.filter(plan=plan).select_related("field__subpillar"):
        members[m.pk] |= {
            ("plan", None),
            ("pillar", m.field.subpillar.pillar_id),
            ("subpillar", m.field.subpillar_id),
            ("field", m.field_id),
        }
    for ms in MeasureSection.objects.filter(measure__plan=plan).select_related("section"):
        members[ms.measure_id] |= {("section", ms.section_id), ("bureau", ms.section.bureau_id)}
    groups: dict[tuple, list[MeasureResult]] = defaultdict(list)
    counted = {"entered": {"entered", "submitted", "approved"}, "submitted": {"submitted", "approved"}}
    counted["approved"] = {"approved"}
    for result in MeasureResult.objects.filter(plan_year__plan=plan):
        for basis, reached in counted.items():
            for level, group_id in members[result.measure_id]:
                groups[(result.plan_year_id, basis, level, group_id)].append((result, result.basis_reached in reached))
    names = {("bureau", b.pk): (b.name, "") for b in Bureau.objects.all()}
    names |= {("section", s.pk): (s.bureau.name, s.name) for s in Section.objects.select_related("bureau")}
    computed = {}
    for key, pairs in groups.items():
        results = [r for r, _counted in pairs]
        graded = [r for r, counts in pairs if counts and r.outcome == MeasureResult.Outcome.GRADED]
        left_out = sum(not counts and r.outcome == MeasureResult.Outcome.GRADED for r, counts in pairs)
        rate_sum = sum((r.rate for r in graded), Decimal(0))
        mean = (rate_sum / len(graded)).quantize(RATE_PLACES, rounding=ROUND_DOWN) if graded else None
        computed[key] = (
            len(results),
            len(graded),
            rate_sum,
            mean,
            sum(r.outcome == MeasureResult.Outcome.UNREPORTED for r in results) + left_out,
            sum(r.outcome == MeasureResult.Outcome.NO_TARGET for r in results),
            left_out,
            dict(Counter(r.grade for r in graded if r.grade)),
            names.get(key[2:], ("", "")),
        )
    return computed


def _indicator(code: str, kind: str | None = None) -> Indicator:
    indicators = Indicator.objects.filter(measure__code=code)
    if kind:
        indicators = indicators.filter(kind=kind)
    return indicators.order_by("order").first()


def test_the_loaded_plan_has_its_roll_ups_stored_as_computed(plan):
    stored = _stored(plan)
    assert stored == _computed(plan)
    plan_row = stored[(PlanYear.objects.get(plan=plan, fiscal_year=YEAR).pk, "entered", "plan", None)]
    assert plan_row[0] == 76


def test_saves_deletes_and_target_changes_keep_the_roll_ups_equal_to_a_rebuild(plan):
    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    hq = make_user("gr-hq", Role.HQ)
    count = Indicator.objects.filter(measure__plan=plan, kind="count").order_by("pk")
    milestone = Indicator.objects.filter(measure__plan=plan, kind="milestone").order_by("pk")
    for i, indicator in enumerate(count[:12]):
        actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(37 * i), user=hq)
    for indicator, status in zip(milestone[:6], [s for s in MilestoneStatus.values] * 2, strict=True):
        actual_record(indicator=indicator, plan_year=plan_year, milestone_status=status, user=hq)
    # Revise some, delete one, change a target under a graded actual.
    actual_record(indicator=count[3], plan_year=plan_year, value=Decimal(1), user=hq)
    # Emptied as an entry form empties it: the actual goes.
    measure_actuals_record(measure=count[5].measure, plan_year=plan_year, inputs=[ActualInput(count[5])], user=hq)
    assert not Actual.objects.filter(indicator=count[5], plan_year=plan_year).exists()
    target = Target.objects.filter(indicator=count[4], plan_year=plan_year, value__isnull=False).first()
    if target is not None:
        target_update(target=target, text="1", value=Decimal(1))

    assert MeasureResult.objects.filter(plan_year=plan_year, outcome=MeasureResult.Outcome.GRADED).exists()
    incremental = _stored(plan)
    assert incremental == _computed(plan)
    group_results_rebuild(plan)
    assert _stored(plan) == incremental


def test_a_measure_owned_by_two_sections_of_one_bureau_counts_once_in_that_bureau(plan):
    measure = Measure.objects.get(plan=plan, code="I-①-ア-01")
    owner = measure.measure_sections.select_related("section__bureau").get(is_primary=True).section
    sibling = Section.objects.create(bureau=owner.bureau, name="テスト用の課")
    MeasureSection.objects.create(measure=measure, section=sibling, is_primary=False, order=9)
    group_results_rebuild(plan)
    before = rollup(plan=plan, fiscal_year=YEAR, level="bureau")[owner.bureau_id].measures

    plan_year = PlanYear.objects.get(plan=plan, fiscal_year=YEAR)
    indicator = measure.indicators.order_by("order").first()
    value = None if indicator.kind == "milestone" else Decimal(5)
    status = MilestoneStatus.ACHIEVED if value is None else ""
    actual_record(indicator=indicator, plan_year=plan_year, value=value, milestone_status=status, user=None)

    by_bureau = rollup(plan=plan, fiscal_year=YEAR, level="bureau")[owner.bureau_id]
    assert by_bureau.measures == before
    assert rollup(plan=plan, fiscal_year=YEAR, level="section")[sibling.pk].measures == 1
    assert _stored(plan) == _computed(plan)


def test_moving_a_measure_to_another_field_in_the_admin_moves_its_results(plan):
    measure = Measure.objects.get(plan=plan, code="I-①-ア-01")
    old_field = measure.field
    new_field = Field.objects.filter(subpillar__pillar__plan=plan).exclude(pk=old_field.pk).order_by("pk").last()
    before = rollup(plan=plan, fiscal_year=YEAR, level="field")
    request = RequestFactory().post("/")
    request.user = make_user("gr-admin", Role.HQ)
    admin = site._registry[Measure]
    measure.field = new_field
    admin.save_model(request, measure, form=None, change=True)
    admin.save_related(request, type("Form", (), {"instance": measure, "save_m2m": lambda self: None})(), [], True)

    after = rollup(plan=plan, fiscal_year=YEAR, level="field")
    assert after[new_field.pk].measures == before[new_field.pk].measures + 1
    assert after.get(old_field.pk, None) is None or after[old_field.pk].measures == before[old_field.pk].measures - 1
    assert _stored(plan) == _computed(plan)


def test_a_rebuild_of_an_unchanged_plan_writes_nothing(plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = _stored(plan)
    with CaptureQueriesContext(connection) as queries:
        group_results_rebuild(plan)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert _stored(plan) == before


def test_renaming_a_bureau_or_section_in_the_admin_renames_what_their_roll_ups_sort_by(plan):
    request = RequestFactory().post("/")
    request.user = make_user("gr-renamer", Role.HQ)
    section = Section.objects.filter(measure_sections__measure__plan=plan).order_by("pk").first()
    bureau = section.bureau

    def rename(obj, name: str) -> None:
        obj.name = name
        admin = site._registry[type(obj)]
        admin.save_model(request, obj, form=None, change=True)
        admin.save_related(request, type("Form", (), {"instance": obj, "save_m2m": lambda self: None})(), [], True)

    rename(bureau, "あ改名後の局")
    assert set(GroupResult.objects.filter(bureau=bureau).values_list("sort_bureau", flat=True)) == {"あ改名後の局"}
    assert _stored(plan) == _computed(plan)
    rename(section, "あ改名後の所属")
    assert set(GroupResult.objects.filter(section=section).values_list("sort_bureau", "sort_section")) == {
        ("あ改名後の局", "あ改名後の所属")
    }
    assert _stored(plan) == _computed(plan)


def test_a_rebuild_costs_the_same_queries_at_ten_times_the_size(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.synthetic import synthetic_plan_create
    from indicators import group_results

    # Rows picked by id in chunks would multiply statements with the plan: make chunks tiny.
    monkeypatch.setattr(group_results, "ID_CHUNK", 5)
    counts = {}
    for size in (20, 200):
        synthetic = synthetic_plan_create(measures=size, code=f"rebuild-{size}")
        GroupResult.objects.filter(plan_year__plan=synthetic).delete()
        with CaptureQueriesContext(connection) as queries:
            group_results_rebuild(synthetic)
        # New rows go in bulk, in as many INSERTs as the database's parameter limit needs.
        counts[size] = len([q for q in queries if not q["sql"].startswith("INSERT")])
        assert _stored(synthetic) == _computed(synthetic)
    assert counts[20] == counts[200]
