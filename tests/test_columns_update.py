"""core.db.columns_update: many rows, each its own values, in a fixed number of statements."""

from __future__ import annotations

import pytest
from django.db import connection

from core.db import UPDATE_BATCH, columns_update
from measures.models import Bureau


def _bureaus(n: int) -> list[Bureau]:
    return Bureau.objects.bulk_create([Bureau(name=f"試験局{i:05d}") for i in range(n)])


@pytest.mark.django_db
def test_each_row_gets_its_own_values_across_batches():
    bureaus = _bureaus(UPDATE_BATCH + 5)
    for bureau in bureaus:
        bureau.name = f"{bureau.name}（改）"
    columns_update(Bureau, bureaus, ["name"])
    stored = dict(Bureau.objects.filter(pk__in=[b.pk for b in bureaus]).values_list("pk", "name"))
    assert stored == {b.pk: b.name for b in bureaus}


def _estimated_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner statistics of PostgreSQL")
@pytest.mark.django_db
def test_a_large_update_tells_the_planner_of_rows_written_in_its_transaction():
    table = Bureau._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")  # the statistics before the bulk write: the plan's few bureaus
    before = _estimated_rows(table)
    bureaus = _bureaus(UPDATE_BATCH + 500)
    assert _estimated_rows(table) == before  # the bulk write alone leaves them as they were
    for bureau in bureaus:
        bureau.name = f"{bureau.name}（改）"
    columns_update(Bureau, bureaus, ["name"])
    assert _estimated_rows(table) >= before + len(bureaus)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner statistics of PostgreSQL")
@pytest.mark.django_db
def test_a_small_update_leaves_the_statistics_alone():
    table = Bureau._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    before = _estimated_rows(table)
    bureaus = _bureaus(UPDATE_BATCH)
    columns_update(Bureau, bureaus, ["name"])
    assert _estimated_rows(table) == before
