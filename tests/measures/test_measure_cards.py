"""A process keeps measure cards under the structure stamp (measures.selectors.measure_card),
which database triggers renew with any write to the rows a card is read from: a page after
the first reads no card, and every way of changing those rows shows on the next page."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator
from indicators.plan_file import plan_export, plan_load
from measures.models import Bureau, Field, Measure, MeasureSection, Plan, PlanYear, Section, StructureStamp
from measures.plan_settings import plan_settings
from measures.selectors import measure_card, plan_choices, plans_with_stamp
from tests.conftest import measure

pytestmark = pytest.mark.django_db

# 総務局 ICT・データ戦略課 owns it; one percentage indicator; a schedule row each year.
CODE = "II-④-ア-01"
YEAR = 2022
CARD_READS = 5  # the measure with its branch, its owners, parts, schedule and indicators


def _page(client) -> str:
    response = client.get(reverse("measure_detail", kwargs={"code": CODE}) + f"?year={YEAR}")
    assert response.status_code == 200
    return response.content.decode()


def _stamp():
    return StructureStamp.objects.values_list("stamp", flat=True).first()


def test_a_page_after_the_first_reads_no_card_and_shows_the_same(client_for):
    client = client_for("viewer")
    plan_settings(Plan.objects.get(code="kanagawa-ict-2019"))  # kept too, and not what this counts
    plan_choices(plans_with_stamp().get(code="kanagawa-ict-2019"))  # the header's plan switcher, likewise
    with CaptureQueriesContext(connection) as first:
        page = _page(client)
    with CaptureQueriesContext(connection) as second:
        again = _page(client)
    # The same page but for what differs in every response: the masked CSRF token and the
    # charts' element ids.
    varying = re.compile(
        r'name="csrfmiddlewaretoken" value="[^"]+"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
    )
    assert varying.sub("", again) == varying.sub("", page)
    assert len(second) == len(first) - CARD_READS
    assert not any('FROM "measures_measuresection"' in q["sql"] for q in second)


def test_saving_an_entry_keeps_the_cards(client_for):
    m = measure(CODE)
    before = _stamp()
    data = {
        "version": 0,
        "achievements_text": "実施した。",
        "self_assessment": "on_track",
        "issues_text": "",
        "next_steps_text": "",
        f"ind-{m.indicators.get().pk}-value": "85",
    }
    response = client_for("staff").post(reverse("entry", kwargs={"code": CODE, "fiscal_year": YEAR}), data)
    assert response.status_code == 302
    assert _stamp() == before is not None


def _measure_renamed_by_save() -> str:
    m = measure(CODE)
    m.name = "名前を変えた施策"
    m.save()
    return "名前を変えた施策"


def _goal_changed_by_update() -> str:
    Measure.objects.filter(code=CODE).update(goal="更新で変えた目標")
    return "更新で変えた目標"


def _field_renamed() -> str:
    field = Field.objects.get(measures__code=CODE)
    field.name = "名前を変えた分野"
    field.save()
    return "名前を変えた分野"


def _section_renamed() -> str:
    Section.objects.filter(measure_sections__measure__code=CODE).update(name="名前を変えた課")
    return "名前を変えた課"


def _bureau_renamed_in_raw_sql() -> str:
    bureau = Bureau.objects.get(sections__measure_sections__measure__code=CODE)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Bureau._meta.db_table} SET name = %s WHERE id = %s", ["生SQLで変えた局", bureau.pk])
    return "生SQLで変えた局"


def _owner_added() -> str:
    section = Section.objects.exclude(measure_sections__measure__code=CODE).select_related("bureau").first()
    MeasureSection.objects.bulk_create(
        [MeasureSection(measure=measure(CODE), section=section, is_primary=False, order=9)]
    )
    return f"{section.bureau.name} {section.name}"


def _indicator_renamed_by_bulk_update() -> str:
    indicator = Indicator.objects.get(measure__code=CODE)
    indicator.name = "名前を変えた指標"
    Indicator.objects.bulk_update([indicator], ["name"])
    return "名前を変えた指標"


def _measure_renamed_by_plan_load() -> str:
    plan = Plan.objects.get(code="kanagawa-ict-2019")
    document = plan_export(plan)
    card = next(spec for spec in document["measures"] if spec["code"] == CODE)
    card["name"] = "計画ファイルで変えた施策"
    plan_load(document, source="test")
    return "計画ファイルで変えた施策"


@pytest.mark.parametrize(
    "change",
    [
        _measure_renamed_by_save,
        _goal_changed_by_update,
        _field_renamed,
        _section_renamed,
        _bureau_renamed_in_raw_sql,
        _owner_added,
        _indicator_renamed_by_bulk_update,
        _measure_renamed_by_plan_load,
    ],
)
def test_every_way_of_changing_a_card_shows_on_the_next_page(client_for, change: Callable[[], str]):
    client = client_for("viewer")
    _page(client)  # the card is kept
    before = _stamp()
    shown = change()
    assert _stamp() != before
    assert shown in _page(client)


def test_a_schedule_year_removed_through_the_relation_changes_the_grid(client_for):
    client = client_for("viewer")
    item = measure(CODE).schedule_items.filter(years__fiscal_year=YEAR).first()
    cells = _schedule_cells(_page(client), item.name)
    before = _stamp()
    item.years.remove(PlanYear.objects.get(plan=item.measure.plan, fiscal_year=YEAR))
    assert _stamp() != before
    assert _schedule_cells(_page(client), item.name) != cells


def _schedule_cells(page: str, name: str) -> str:
    row = page[page.index(f"{name}</th>") :]
    return row[: row.index("</tr>")]


def test_every_table_a_card_reads_has_its_trigger():
    """A later migration that rebuilds one of these tables on SQLite (which drops its
    triggers) must create them again; this notices when it does not."""
    migration = importlib.import_module("indicators.migrations.0007_structure_stamp_triggers")
    tables = migration._tables(apps)
    assert len(tables) == len(migration.WATCHED) + 1
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table, event_manipulation FROM information_schema.triggers"
                " WHERE trigger_name = %s",
                [migration.TRIGGER],
            )
        else:
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        found = cursor.fetchall()
    for table in tables:
        events = {event for name, event in found if name == table}
        if connection.vendor == "postgresql":
            assert events == {"INSERT", "UPDATE", "DELETE"}, table
        else:
            assert {event.split(" ON ")[0].rsplit(" ", 1)[-1] for event in events} == {"INSERT", "UPDATE", "DELETE"}, (
                table
            )


def test_a_request_gets_its_own_copies_of_a_kept_cards_instances(plan):
    plan.structure_stamp = _stamp()
    other = Plan.objects.get(pk=plan.pk)
    other.structure_stamp = plan.structure_stamp
    first, second = measure_card(plan, CODE), measure_card(other, CODE)
    assert first.measure is not second.measure and first.measure.pk == second.measure.pk
    assert first.measure.plan is plan and second.measure.plan is other
    assert first.indicators[0] is not second.indicators[0]
    first.indicators[0].name = "この要求だけの名前"
    assert measure_card(plan, CODE).indicators[0].name != "この要求だけの名前"
