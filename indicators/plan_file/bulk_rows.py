"""Rows inserted and deleted in bulk for a plan load, and the history rows of targets so
written: the statements `apply` sends, a fixed number whatever the size of the plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.db.transaction import TransactionManagementError

from core.cache import data_changed
from indicators.models import Target

# Rows per INSERT statement on PostgreSQL, and ids per DELETE … IN (…) on either database
# (SQLite refuses more than 999 parameters in one statement).
_BATCH_SIZE = 1000
_DELETE_BATCH_SIZE = 500


def history_rows(targets: list[dict[str, Any]], history_type: str, when: datetime) -> list[dict[str, Any]]:
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
    # A column the load does not write (a revision's original) takes the field's default.
    defaults = {f.attname: f.get_default() for f in history.tracked_fields}
    return [{**{name: target.get(name, defaults[name]) for name in tracked}, **recorded} for target in targets]


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
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
    data_changed()  # in the load's transaction (core.cache)
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


def rows_delete(model: type[models.Model], pks: list[int]) -> None:
    """Delete rows through the ORM, so that cascades, history and PROTECT (raising
    ProtectedError, which plan_load reports) apply as they would to one row."""
    if pks:
        data_changed()  # in the load's transaction (core.cache)
    for start in range(0, len(pks), _DELETE_BATCH_SIZE):
        model._base_manager.filter(pk__in=pks[start : start + _DELETE_BATCH_SIZE]).delete()
