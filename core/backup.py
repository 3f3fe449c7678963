"""Backup and restore as one XML document of every row (Django's dumpdata and loaddata), the
same on SQLite and on PostgreSQL: the plan, actuals, texts, workflow, history, users, login
records. What the database derives or renews by itself is left out (content types and
permissions, which `migrate` makes; sessions; the structure stamp, which triggers renew).

XML, not JSON: Django's JSON keeps times to the millisecond, and a history restored from it
would no longer be the same history. The file name ends in .xml, or .xml.gz (.bz2, .xz,
.lzma) to be compressed."""

from __future__ import annotations

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction

from core.cache import data_changed

EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "core.DataVersion",  # renewed by the restore itself
]


SUFFIXES = (".xml", ".xml.gz", ".xml.bz2", ".xml.xz", ".xml.lzma")


class RestoreRefused(Exception):
    pass


def _checked(path: str) -> str:
    if not path.endswith(SUFFIXES):
        raise RestoreRefused(f"The file name must end in {', '.join(SUFFIXES)}: {path}")
    return path


def backup_write(path: str) -> None:
    """Write every row to `path`; foreign keys to content types by their natural keys, so that
    the file loads into a database whose content types were numbered differently."""
    _checked(path)
    was_in_transaction = connection.in_atomic_block
    with transaction.atomic():
        # One snapshot of every table, whatever is saved meanwhile: PostgreSQL reads the whole
        # dump as of its first query; SQLite's transaction holds the file (saves wait). Inside
        # a caller's transaction (a test's), that transaction is the snapshot.
        if connection.vendor == "postgresql" and not was_in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command("dumpdata", exclude=EXCLUDED, natural_foreign=True, format="xml", output=path, verbosity=0)


def restore_read(path: str) -> None:
    """Load a backup into an empty, migrated database, in one transaction."""
    _checked(path)
    if User.objects.exists():
        raise RestoreRefused("The database is not empty (it has users): restore only into a fresh database.")
    with transaction.atomic():
        call_command("loaddata", path, verbosity=0, stdout=StringIO())
        data_changed()
