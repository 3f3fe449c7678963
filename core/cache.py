"""The one cache: Django's cache framework (`CACHES`), keyed by the data version.

Every service that writes what a page shows calls `data_changed()` inside its transaction;
it gives the single `core.DataVersion` row a new random stamp, which commits or rolls back
with the write. Readers key what they keep by that stamp (`cached`), read once a request
(`data_version`; the request's plan carries it, `measures.selectors.plan_current`; the public
side reads it with its plans, `with_data_version`), so a copy is never served after the
data it was made from changed, in this process or in any other that shares the cache
(Redis, `CACHE_URL`). A copy is stored only when the transaction that read it commits: one
read inside a write that later rolls back is never kept. See docs/architecture.md.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.timezone import localdate
from django.utils.translation import get_language

from core.models import DataVersion

T = TypeVar("T")

VERSION_ROW = 1


def data_changed() -> None:
    """Renew the data version; call it inside the transaction of every write that changes
    what a page shows (services, commands, the admin)."""
    stamp = uuid.uuid4().hex
    if not DataVersion.objects.filter(pk=VERSION_ROW).update(stamp=stamp):
        DataVersion.objects.update_or_create(pk=VERSION_ROW, defaults={"stamp": stamp})


def data_version() -> str | None:
    """The current data version (one query); None before anything was written."""
    # By its primary key, with no ordering or limit to compile: every page reads it.
    stamps = list(DataVersion.objects.filter(pk=VERSION_ROW).values_list("stamp", flat=True))
    return stamps[0] if stamps else None


def with_data_version(queryset: QuerySet) -> QuerySet:
    """The queryset's rows each with `data_version`, read in the same query."""
    return queryset.annotate(data_version=Subquery(DataVersion.objects.filter(pk=VERSION_ROW).values("stamp")))


def cached(key: tuple[Hashable, ...], version: str | None, build: Callable[[], T]) -> T:
    """`build()`, kept in the cache under `key` and the data version `version`. Without a
    version (nothing written yet, or a caller that did not read one) nothing is kept."""
    if version is None:
        return build()
    # The first part names the kind of copy; the rest (an address, say) is hashed to a short key.
    rest = hashlib.md5(repr(key[1:]).encode(), usedforsecurity=False).hexdigest()
    name = f"{key[0]}:{rest}:{version}"
    value = cache.get(name)
    if value is None:
        value = build()
        # Kept once this transaction commits (at once outside one): a copy read inside a write
        # that rolls back is dropped with it.
        transaction.on_commit(lambda: cache.set(name, value))
    return value


def cached_html(request, template_name: str, version: str | None, context: Callable[[], dict]) -> SafeString:
    """A page's content: `template_name` rendered with `context()` for this request, kept
    under the data version, the page's address (its query says what is shown), the language,
    the user (whose rights and own sections a page may show) and the day. Only reading pages whose
    content has no form token or message use it; the page's frame (menu, messages, the
    logout form) is rendered on every request around it."""
    # The day too: a page may mark what is overdue, which changes at midnight with no write.
    key = ("page", template_name, request.get_full_path(), get_language(), request.user.pk, localdate())
    return cached(key, version, lambda: render_to_string(template_name, context(), request))
