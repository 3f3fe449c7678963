"""Database helpers that Django's ORM does not offer in the shape the product needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, models, router, transaction
from django.utils import timezone


def service_atomic():
    """The transaction of a write service: its own when called alone; inside a caller's
    transaction, part of it without a savepoint. No caller recovers from a service's error
    and carries on in the same transaction (an entry save or a workbook upload is all or
    nothing), so a savepoint would only cost two round trips to the database per call."""
    return transaction.atomic(savepoint=False)


# Rows a PostgreSQL UPDATE … FROM (VALUES …) of columns_update writes.
UPDATE_BATCH = 1000


def columns_update(model: type[models.Model], objs: list[models.Model], field_names: list[str]) -> None:
    """Write some columns of many rows, each row its own values.

    Django's bulk_update builds a CASE expression per row and column; recomputing a plan of
    10,000 measures (80,000 actuals) spent a minute of Python there. Here SQLite, in process,
    runs one parametrised UPDATE per row (executemany); PostgreSQL, where that would be a
    round trip per row, gets one UPDATE … FROM (VALUES …) per thousand rows.

    On PostgreSQL, more than a batch of rows first refreshes the table's planner statistics
    (ANALYZE, which within a transaction counts the rows it has written itself). Such an
    update comes after a bulk write in the same transaction (a plan load, a synthetic plan's
    build) whose rows the statistics do not know: autovacuum cannot see uncommitted rows and
    may record the table as empty in the middle of it. Believing the table holds one row, the
    planner joined each batch by scanning the whole table once per VALUES row: at 80,000
    actuals, 30 seconds a batch instead of a few milliseconds.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk
    fields = [model._meta.get_field(name) for name in field_names]
    rows = [[obj.pk] + [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s", [row[1:] + row[:1] for row in rows]
            )
            return
        if len(rows) > UPDATE_BATCH:
            cursor.execute(f"ANALYZE {table}")
        # Every placeholder is cast: a VALUES column of NULLs alone would otherwise be text.
        casts = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in [pk, *fields])
        columns = ", ".join(quote(f.column) for f in [pk, *fields])
        assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
        for start in range(0, len(rows), UPDATE_BATCH):
            batch = rows[start : start + UPDATE_BATCH]
            values = ", ".join(f"({casts})" for _ in batch)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v ({columns})"
                f" WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}",
                [param for row in batch for param in row],
            )


@cache
def history_of(model: type[models.Model]) -> models.Manager:
    """`model.history`, simple-history's manager of the model's history rows, made once per
    model: the library builds a new manager class (through `inspect`) on every access."""
    return model.history


@dataclass(frozen=True)
class HistoryWindow:
    """What `history_windows` reads of one tracked model: the history of its rows whose
    `owner` column (e.g. ``indicator_id``) is one of `owner_ids`, with `columns` besides."""

    model: type[models.Model]
    owner: str
    owner_ids: list[int]
    columns: list[str]


# What every history record is read with, before a window's own columns.
HISTORY_COLUMNS = ["id", "history_type", "history_date", "history_id"]


def history_windows(windows: list[HistoryWindow], size: int) -> list[list[tuple]]:
    """The newest `size` history records of each window, newest first, as tuples (object id,
    history type, history date, history id, the user's display name or None, owner id, *columns),
    read in one statement.

    A page that shows several kinds of history paid a query each, most of it Django building
    the SQL; here each window is a subquery of one UNION ALL. Each window's columns have slots
    of their own (NULL in the other windows' rows), so that the parts agree on every column's
    type; values go through the fields' own converters, as the ORM's would.
    """
    if not windows:
        return []
    connection = connections[router.db_for_read(windows[0].model)]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    users, user_pk = quote(user_model._meta.db_table), quote(user_model._meta.pk.column)
    username = f"u.{quote(user_model._meta.get_field(user_model.USERNAME_FIELD).column)}"
    # A person is named as the pages name them (pdca.people.display_name): full name, else
    # the username. `||` concatenates on both SQLite and PostgreSQL.
    field_names = {field.name for field in user_model._meta.get_fields()}
    if {"first_name", "last_name"} <= field_names:
        first, last = (quote(user_model._meta.get_field(name).column) for name in ("first_name", "last_name"))
        username = f"COALESCE(NULLIF(TRIM(COALESCE(u.{first}, '') || ' ' || COALESCE(u.{last}, '')), ''), {username})"
    metas = [history_of(window.model).model._meta for window in windows]
    own_fields = [
        [meta.get_field(name) for name in window.columns] for window, meta in zip(windows, metas, strict=True)
    ]
    width = len(HISTORY_COLUMNS) + 2  # then the user's name and the owner
    # Where each window's own columns sit in a row of the union.
    starts = [width + sum(len(fields) for fields in own_fields[:index]) for index in range(len(windows))]
    slot_types = [field.cast_db_type(connection) for fields in own_fields for field in fields]
    selects, params = [], []
    for index, (window, meta) in enumerate(zip(windows, metas, strict=True)):
        if not window.owner_ids:
            continue
        columns = [quote(meta.get_field(name).column) for name in HISTORY_COLUMNS]
        own = [quote(field.column) for field in own_fields[index]]
        owner, user = quote(meta.get_field(window.owner).column), quote(meta.get_field("history_user").column)
        first = starts[index] - width
        slots = [f"CAST(NULL AS {db_type})" for db_type in slot_types]
        slots[first : first + len(own)] = [f"w.{column}" for column in own]
        placeholders = ", ".join(["%s"] * len(window.owner_ids))
        selects.append(
            f"SELECT {index}, {', '.join(f'w.{column}' for column in columns)}, {username}, w.{owner}, "
            f"{', '.join(slots)} FROM ("
            f"SELECT {', '.join([*columns, user, owner, *own])} FROM {quote(meta.db_table)}"
            f" WHERE {owner} IN ({placeholders})"
            f" ORDER BY {quote(meta.get_field('history_date').column)} DESC,"
            f" {quote(meta.get_field('history_id').column)} DESC LIMIT {int(size)}"
            f") w LEFT JOIN {users} u ON u.{user_pk} = w.{user}"
        )
        params.extend(window.owner_ids)
    results: list[list[tuple]] = [[] for _ in windows]
    if not selects:
        return results
    common_fields = [metas[0].get_field(name) for name in HISTORY_COLUMNS]
    # Per window, (position in the row, converter) of each column whose raw value needs one.
    conversions = [
        [
            (position, convert)
            for position, field in [*enumerate(common_fields), *enumerate(own_fields[index], starts[index])]
            if (convert := _converter(field, connection)) is not None
        ]
        for index in range(len(windows))
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for index, *row in cursor.fetchall():
            for position, convert in conversions[index]:
                row[position] = convert(row[position])
            start = starts[index]
            results[index].append((*row[:width], *row[start : start + len(own_fields[index])]))
    for rows in results:
        rows.sort(key=lambda row: (row[2], row[3]), reverse=True)
    return results


def _converter(field: models.Field, connection):
    """What turns a raw value of `field`'s column into what the ORM gives, or None when the
    raw value is that already."""
    expression = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
    if not converters:
        return None

    def convert(value):
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    return convert


def rows_write_with_history(
    model: type[models.Model],
    to_create: list[models.Model],
    to_update: list[models.Model],
    fields: list[str],
    *,
    user: AbstractBaseUser | None,
    stamp: str,
) -> None:
    """Insert and update a form's rows in one statement each, with their history rows (one
    more statement each), as saving them one by one would have written them. `stamp` names
    the auto_now field, which bulk writes do not set."""
    if not (to_create or to_update):
        return
    now = timezone.now()
    for obj in (*to_create, *to_update):
        setattr(obj, stamp, now)
    history_user = user if user is not None and user.is_authenticated else None
    if to_create:
        model.objects.bulk_create(to_create)
        history_of(model).bulk_history_create(to_create, default_user=history_user, default_date=now)
    if to_update:
        columns_update(model, to_update, fields)
        history_of(model).bulk_history_create(to_update, update=True, default_user=history_user, default_date=now)
