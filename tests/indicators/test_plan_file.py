"""load_plan / export_plan: idempotent, all-or-nothing, round-tripping, with clear errors,
and at a cost in queries that does not grow with the plan."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import indicators.plan_file.apply as plan_file_apply
from benchmarks.synthetic import synthetic_plan_create
from indicators.models import Actual, Indicator, MeasureResult, Target
from indicators.plan_file import PlanFileError, plan_export, plan_export_json, plan_file_read, plan_load
from indicators.services import actual_record
from measures.models import Bureau, Measure, MeasureSection, Plan, PlanYear, Section
from pdca.models import ProgressStatus, ScheduleProgress
from tests.conftest import PLAN_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def document() -> dict:
    return json.loads(PLAN_FILE.read_text(encoding="utf-8"), parse_float=Decimal)


def snapshot() -> str:
    out = StringIO()
    call_command("export_plan", "--format", "json", stdout=out)
    return out.getvalue()


def test_export_reproduces_the_plan_file_byte_for_byte(plan):
    assert plan_export_json(plan) == PLAN_FILE.read_text(encoding="utf-8")


def test_load_then_export_then_load_then_export_is_stable(plan, tmp_path):
    first = snapshot()
    path = tmp_path / "plan.json"
    path.write_text(first, encoding="utf-8")
    call_command("load_plan", str(path), stdout=StringIO())
    assert snapshot() == first


def test_loading_twice_changes_nothing(plan):
    counts = (Measure.objects.count(), Target.objects.count(), Target.history.count())
    call_command("load_plan", str(PLAN_FILE), stdout=StringIO())
    assert (Measure.objects.count(), Target.objects.count(), Target.history.count()) == counts


def test_an_edited_file_updates_in_place_and_keeps_actuals(plan, document):
    measure = Measure.objects.get(code="I-①-ア-03")
    indicator = measure.indicators.get()
    year = PlanYear.objects.get(plan=plan, fiscal_year=2019)
    actual = actual_record(indicator=indicator, plan_year=year, value=Decimal("18"), user=None)
    card = next(m for m in document["measures"] if m["code"] == "I-①-ア-03")
    card["name"] = "介護保険事業に係る地域分析（改）"
    card["indicators"][0]["targets"]["2019"] = {"text": "24", "value": "24"}

    plan_load(document, source="edited.json")

    measure.refresh_from_db()
    assert measure.name == "介護保険事業に係る地域分析（改）"
    assert Measure.objects.filter(code="I-①-ア-03").count() == 1
    actual.refresh_from_db()
    assert actual.value == Decimal("18")
    assert actual.raw_rate == Decimal("0.7500")  # 18 / 24: recomputed against the new target
    assert Actual.objects.filter(indicator=indicator).count() == 1


def _break(document: dict, code: str, change) -> dict:
    broken = copy.deepcopy(document)
    change(next(m for m in broken["measures"] if m["code"] == code), broken)
    return broken


BAD_FILES = [
    ("unknown field", "I-①-ア-01", lambda m, d: m.update(field="I-①-ン"), "field"),
    ("duplicate code", "I-①-ア-02", lambda m, d: m.update(code="I-①-ア-01"), "code"),
    (
        "target year outside the period",
        "I-①-ア-03",
        lambda m, d: m["indicators"][0]["targets"].update({"2030": {"text": "5", "value": "5"}}),
        "year",
    ),
    (
        "malformed number",
        "I-①-ア-03",
        lambda m, d: m["indicators"][0]["targets"].update({"2019": {"text": "20", "value": "2O"}}),
        "value",
    ),
    ("missing required key", "I-①-ア-04", lambda m, d: m.pop("goal"), "goal"),
    ("unknown kind", "I-①-ア-04", lambda m, d: m["indicators"][0].update(kind="ratio"), "kind"),
]


@pytest.mark.parametrize(("label", "code", "change", "key"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_names_file_measure_and_key_and_loads_nothing(plan, document, tmp_path, label, code, change, key):
    before = snapshot()
    broken = _break(document, code, change)
    # Also change a good card, to prove nothing of the file is applied.
    broken["measures"][-1]["name"] = "変更されてはならない"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken, ensure_ascii=False, default=str), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("load_plan", str(path), stdout=StringIO())

    message = str(raised.value)
    assert str(path) in message
    expected_code = "I-①-ア-01" if label == "duplicate code" else code
    assert expected_code in message
    assert f": {key}:" in message
    assert snapshot() == before


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "not.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(PlanFileError, match="JSONとして読めません"):
        plan_file_read(path)


def test_a_failure_during_writing_rolls_everything_back(plan, document, monkeypatch):
    before = snapshot()
    document["measures"][0]["name"] = "途中まで書かれてはならない"

    def explode(*, plan):
        raise RuntimeError("disk full")

    # The last step of a load: everything else has been written by then.
    monkeypatch.setattr(plan_file_apply, "results_recompute", explode)
    with pytest.raises(RuntimeError):
        plan_load(document)
    assert snapshot() == before


def test_a_file_that_drops_a_measure_with_actuals_is_refused_and_changes_nothing(plan, document):
    indicator = Measure.objects.get(code="I-①-ア-03").indicators.get()
    actual_record(
        indicator=indicator, plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2019), value=Decimal("18"), user=None
    )
    before = snapshot()
    document["measures"] = [m for m in document["measures"] if m["code"] != "I-①-ア-03"]
    with pytest.raises(PlanFileError, match="実績・報告・進捗が登録済み"):
        plan_load(document, source="dropped.json")
    assert snapshot() == before
    assert Actual.objects.filter(indicator=indicator).count() == 1


def test_a_file_may_drop_a_measure_nothing_was_reported_for(plan, document):
    document["measures"] = [m for m in document["measures"] if m["code"] != "I-①-ア-04"]
    plan_load(document, source="dropped.json")
    assert not Measure.objects.filter(code="I-①-ア-04").exists()
    assert Measure.objects.count() == 75


def card(document: dict, code: str) -> dict:
    return next(m for m in document["measures"] if m["code"] == code)


def test_an_edited_target_writes_one_history_row_and_reloading_writes_none(plan, document):
    indicator = Measure.objects.get(code="I-①-ア-03").indicators.get()
    target = Target.objects.get(indicator=indicator, plan_year__fiscal_year=2021)
    card(document, "I-①-ア-03")["indicators"][0]["targets"]["2021"] = {"text": "25", "value": "25"}
    before = Target.history.count()

    plan_load(document, source="edited.json")

    assert Target.history.count() == before + 1
    row = Target.history.get(id=target.pk, history_type="~")
    assert (row.text, row.value, row.indicator_id, row.plan_year_id) == (
        "25",
        Decimal("25"),
        indicator.pk,
        target.plan_year_id,
    )
    assert row.history_user is None and row.history_change_reason is None
    assert Target.objects.get(pk=target.pk).value == Decimal("25")  # the same row, updated in place

    plan_load(document, source="edited.json")
    assert Target.history.count() == before + 1


def test_new_and_dropped_targets_are_recorded_in_the_history_as_before(plan, document):
    measure = card(document, "I-①-ア-03")
    added = copy.deepcopy(measure["indicators"][0]) | {"name": "地域分析の報告書数"}
    measure["indicators"].append(added)
    del measure["indicators"][0]["targets"]["2022"]
    dropped = Target.objects.get(indicator__measure__code="I-①-ア-03", plan_year__fiscal_year=2022)
    before = Target.history.count()

    plan_load(document, source="edited.json")

    new = Indicator.objects.get(measure__code="I-①-ア-03", name="地域分析の報告書数")
    created = Target.history.filter(indicator_id=new.pk)
    assert sorted(created.values_list("history_type", "plan_year__fiscal_year", "text")) == [
        ("+", 2019, "20"),
        ("+", 2020, "20"),
        ("+", 2021, ""),
        ("+", 2022, ""),
    ]
    assert set(created.values_list("id", flat=True)) == set(new.targets.values_list("pk", flat=True))
    assert Target.history.get(id=dropped.pk, history_type="-").text == ""
    assert Target.history.count() == before + 5


def natural_keys_to_ids(plan) -> dict[tuple, int]:
    measures = {("measure", m.code): m.pk for m in Measure.objects.filter(plan=plan)}
    indicators = {
        ("indicator", i.measure.code, i.name): i.pk
        for i in Indicator.objects.filter(measure__plan=plan).select_related("measure")
    }
    targets = {
        ("target", t.indicator.measure.code, t.indicator.name, t.plan_year.fiscal_year): t.pk
        for t in Target.objects.filter(indicator__measure__plan=plan).select_related("indicator__measure", "plan_year")
    }
    return measures | indicators | targets


def test_an_edited_file_loads_as_exactly_what_it_says_keeping_the_rows_it_keeps(plan, document):
    before = natural_keys_to_ids(plan)
    shared = card(document, "I-①-イ-01")  # two owning sections: the other becomes primary and first
    shared["sections"] = [dict(s, primary=not s["primary"]) for s in reversed(shared["sections"])]
    shared["subprogrammes"][0]["name"] = "改名した取組"
    moved = card(document, "I-①-ア-02")  # to the end of the plan
    document["measures"].remove(moved)
    document["measures"].append(moved)
    edited = card(document, "I-①-ア-03")
    edited["schedule"][0]["fiscal_years"] = [2019, 2020, 2021]
    edited["schedule"][0]["reading"] = "令和3年度まで延長"
    edited["schedule"][1]["name"] = "市町村職員研修会の開催"  # a new row: the name is its key
    edited["schedule"].reverse()
    document["measures"] = [m for m in document["measures"] if m["code"] != "I-①-ア-04"]
    new = copy.deepcopy(edited) | {"code": "I-①-ア-99", "name": "新しい施策"}
    new["sections"] = [{"bureau": "新設局", "section": "新設課", "primary": True}]
    document["measures"].append(new)
    first, second = document["pillars"][0]["subpillars"][:2]
    second["fields"].append(first["fields"].pop())  # a field moves to another sub-pillar
    document["plan"]["grades"][1]["label"] = "おおむね達成"

    plan_load(document, source="edited.json")

    assert plan_export_json(plan) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert MeasureSection.objects.filter(measure__plan=plan, is_primary=True).count() == len(document["measures"])
    after = natural_keys_to_ids(plan)
    kept = {key for key in before if key[1] != "I-①-ア-04"}
    assert {key: after[key] for key in kept} == {key: before[key] for key in kept}
    assert set(after) - kept == {key for key in after if key[1] == "I-①-ア-99"}


@pytest.mark.parametrize("what", ["indicator", "schedule row"])
def test_a_file_that_drops_reported_work_of_a_kept_measure_is_refused_and_changes_nothing(plan, document, what):
    measure = Measure.objects.get(code="I-①-ア-03")
    year = PlanYear.objects.get(plan=plan, fiscal_year=2019)
    if what == "indicator":
        actual_record(indicator=measure.indicators.get(), plan_year=year, value=Decimal("18"), user=None)
        card(document, "I-①-ア-03")["indicators"][0]["name"] = "改名した指標"
    else:
        item = measure.schedule_items.get(name="地域分析の実施")
        ScheduleProgress.objects.create(schedule_item=item, plan_year=year, status=ProgressStatus.DONE)
        card(document, "I-①-ア-03")["schedule"][0]["name"] = "改名した取組"
    card(document, "I-①-ア-01")["name"] = "変更されてはならない"
    before = snapshot()

    with pytest.raises(PlanFileError, match="実績・報告・進捗が登録済み"):
        plan_load(document, source="renamed.json")
    assert snapshot() == before


def test_a_shorter_period_drops_the_last_year_with_its_targets_and_schedule(plan, document):
    document["plan"]["last_fiscal_year"] = 2021
    for measure in document["measures"]:
        for item in measure["schedule"]:
            item["fiscal_years"] = [year for year in item["fiscal_years"] if year != 2022]
        for indicator in measure["indicators"]:
            indicator["targets"].pop("2022", None)

    plan_load(document, source="shorter.json")

    assert list(PlanYear.objects.filter(plan=plan).values_list("fiscal_year", flat=True)) == [2019, 2020, 2021]
    assert not MeasureResult.objects.filter(plan_year__plan=plan, plan_year__fiscal_year=2022).exists()
    plan.refresh_from_db()
    assert plan_export_json(plan) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def writer_statements(document: dict, monkeypatch) -> list[str]:
    """The SQL plan_load sends, but for that of the results_recompute it ends with: that one
    belongs to indicators.services, whose own tests count it, and on SQLite its inserts go in
    statements of 999 parameters, so its count steps up with the plan."""
    statements, recomputing = [], []

    def record(execute, sql, params, many, context):
        if not recomputing:
            statements.append(sql)
        return execute(sql, params, many, context)

    recompute = plan_file_apply.results_recompute

    def recompute_unrecorded(*, plan):
        recomputing.append(plan)
        try:
            recompute(plan=plan)
        finally:
            recomputing.pop()

    monkeypatch.setattr(plan_file_apply, "results_recompute", recompute_unrecorded)
    with connection.execute_wrapper(record):
        plan_load(document, source="synthetic")
    return statements


def test_reloading_a_plan_costs_the_same_queries_at_ten_times_the_size_and_writes_nothing(monkeypatch):
    statements = {}
    for size in (8, 80):
        document = plan_export(synthetic_plan_create(measures=size, code=f"synthetic-{size}"))
        statements[size] = writer_statements(document, monkeypatch)
    assert len(statements[8]) == len(statements[80])
    writes = [s for s in statements[80] if s.split(maxsplit=1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def forget(plan, document: dict) -> None:
    """Delete a plan, and the bureaus and sections its document names (a synthetic plan's own)."""
    plan.measures.all().delete()
    plan.delete()
    names = {(s["bureau"], s["section"]) for m in document["measures"] for s in m["sections"]}
    Section.objects.filter(name__in={s for _b, s in names}, bureau__name__in={b for b, _s in names}).delete()
    Bureau.objects.filter(name__in={b for b, _s in names}).delete()


def test_a_first_load_into_an_empty_database_costs_the_same_queries_at_ten_times_the_size(monkeypatch):
    counts = {}
    for size in (8, 80):
        plan = synthetic_plan_create(measures=size, code=f"synthetic-{size}", with_actuals=False)
        document = plan_export(plan)
        forget(plan, document)

        counts[size] = len(writer_statements(document, monkeypatch))

        loaded = Plan.objects.get(code=f"synthetic-{size}")
        assert plan_export(loaded) == document
        forget(loaded, document)
    assert counts[8] == counts[80]


def test_the_streamed_text_is_the_document_dumped_whole(plan):
    import json

    from benchmarks.synthetic import synthetic_plan_create
    from indicators.plan_file import plan_export_json

    for each in (plan, synthetic_plan_create(measures=12, code="synthetic-text")):
        assert plan_export_json(each) == json.dumps(plan_export(each), ensure_ascii=False, indent=2) + "\n"
