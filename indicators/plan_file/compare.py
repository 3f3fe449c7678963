"""Comparing the rows a plan file wants with the rows stored, by natural key; nothing is
written here (`apply` writes the differences)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet


@dataclass
class TableDiff:
    """How the rows of one table under a plan differ from the file, by natural key."""

    model: type[models.Model]
    ids: dict[Any, int]  # every row the file wants, by natural key: stored, or once inserted
    created: list[dict[str, Any]]  # values by attribute name
    created_keys: list[Any]
    changed: list[models.Model]  # stored rows, holding the file's values
    changed_fields: list[str]
    dropped: list[int]
    created_ids: list[int] = field(default_factory=list)  # once inserted (apply.created_insert)

    @property
    def differs(self) -> bool:
        """Whether the file changes the table; asked before the dropped rows are deleted."""
        return bool(self.created or self.changed or self.dropped)


def table_diff(
    model: type[models.Model],
    stored: QuerySet,
    key: tuple[str, ...],
    wanted: dict[Any, dict],
    *,
    order_by: tuple[str, ...] = ("pk",),
) -> TableDiff:
    """Compare the stored rows with the file's, nothing written yet.

    `wanted` maps each natural key (a value for a one-field key, else a tuple) to the row's
    values by attribute name, every row with the same names in the same order, the key's
    among them. Of stored rows sharing a key, the first in `order_by` is kept.
    They are read as plain values, not model instances: a plan of 10,000 measures has 120,000
    targets, and an instance for each would cost seconds.
    """
    names = list(next(iter(wanted.values()))) if wanted else list(key)
    positions = [names.index(name) + 1 for name in key]
    ids, stored_values, dropped = {}, {}, []
    for row in stored.order_by(*order_by).values_list("pk", *names):
        row_key = row[positions[0]] if len(key) == 1 else tuple(row[p] for p in positions)
        if row_key in wanted and row_key not in ids:
            ids[row_key] = row[0]
            stored_values[row_key] = row[1:]
        else:
            dropped.append(row[0])  # not in the file, or a second row with the same key
    created, created_keys, changed, changed_fields = [], [], [], set()
    for row_key, values in wanted.items():
        old = stored_values.get(row_key)
        if old is None:
            created.append(values)
            created_keys.append(row_key)
            continue
        if tuple(values.values()) == old:  # the common case, compared at C speed
            continue
        differing = [name for name, old_value in zip(names, old, strict=True) if values[name] != old_value]
        if differing:
            row = model(pk=ids[row_key], **values)
            row._state.adding = False
            changed.append(row)
            changed_fields.update(differing)
    return TableDiff(model, ids, created, created_keys, changed, sorted(changed_fields), dropped)
