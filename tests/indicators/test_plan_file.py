"""load_plan / export_plan: idempotent, all-or-nothing, round-tripping, with clear errors."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Actual, Target
from indicators.plan_file import PlanFileError, plan_export_json, plan_file_read, plan_load
from indicators.services import actual_record
from measures.models import Measure, PlanYear
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
    import indicators.plan_file as plan_file

    original = plan_file._PlanWriter._write_indicators

    def explode(self, measure, spec):
        if measure.code == "I-①-イ-01":
            raise RuntimeError("disk full")
        return original(self, measure, spec)

    monkeypatch.setattr(plan_file._PlanWriter, "_write_indicators", explode)
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
