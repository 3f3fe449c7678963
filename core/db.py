"""Database helpers that Django's ORM does not offer in the shape the product needs."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, models, router, transaction
from django.utils import timezone


def service_atomic():
    """The transaction of a write service: its own when called alone; inside a caller's
    transaction, part of it without a savepoint. No caller recovers from a service's error
    and carries on in the same transaction (an entry save or a workbook upload is all or
    nothing), so a savepoint would only cost two round trips to the database per call."""
    return transaction.atomic(savepoint=False)


def columns_update(model: type[models.Model], objs: list[models.Model], field_names: list[str]) -> None:
    """Write some columns of many rows, each row its own values.

    Django's bulk_update builds a CASE expression per row and column; recomputing a plan of
    10,000 measures (80,000 actuals) spent a minute of Python there. Here SQLite, in process,
    runs one parametrised UPDATE per row (executemany); PostgreSQL, where that would be a
    round trip per row, gets one UPDATE … FROM (VALUES …) per thousand rows.
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
        # Every placeholder is cast: a VALUES column of NULLs alone would otherwise be text.
        casts = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in [pk, *fields])
        columns = ", ".join(quote(f.column) for f in [pk, *fields])
        assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
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
