"""Backup and restore round-trip: the demo database backed up, restored into an emptied one,
gives the same dashboard, the same meeting workbook and the same history."""

from __future__ import annotations

import re
from io import BytesIO, StringIO

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccountEvent
from indicators.models import Actual, Target
from measures.models import Plan
from pdca.models import Submission, Transition
from pdca.workbook.exports import meeting_workbook_write

# Inside the test's transaction, so that emptying the database (flush) is rolled back with
# it and the tests after this one find the plan as ever.
pytestmark = pytest.mark.django_db

YEAR = 2021


def _dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("dashboard"), {"year": YEAR}).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _workbook() -> dict:
    output = BytesIO()
    meeting_workbook_write(plan=Plan.objects.get(code="kanagawa-ict-2019"), fiscal_year=YEAR, output=output)
    workbook = load_workbook(BytesIO(output.getvalue()), read_only=True)
    sheets = {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in workbook.worksheets}
    # The cover says when the workbook was made; everything else is the data.
    sheets["表紙"] = [row for row in sheets["表紙"] if row[0] != "作成日時"]
    return sheets


def _history() -> tuple:
    return (
        list(
            Actual.history.order_by("history_id").values_list(
                "history_id", "id", "value", "history_date", "history_user_id"
            )
        ),
        list(
            Submission.history.order_by("history_id").values_list(
                "history_id", "id", "status", "achievements_text", "history_date"
            )
        ),
        list(Target.history.order_by("history_id").values_list("history_id", "id", "value", "history_date")),
        list(
            Transition.objects.order_by("pk").values_list(
                "pk", "submission_id", "from_status", "to_status", "user_id", "at"
            )
        ),
        list(User.objects.order_by("pk").values_list("pk", "username", "password", "is_active")),
        list(AccountEvent.objects.order_by("pk").values_list("pk", "action", "username", "at")),
    )


def _snapshot(user) -> tuple:
    cache.clear()
    return _dashboard(user), _workbook(), _history()


def test_a_backup_restored_into_an_empty_database_gives_the_same_dashboard_workbook_and_history(tmp_path):
    call_command("seed_demo", stdout=StringIO())
    hq = User.objects.get(username="hq")
    before = _snapshot(hq)
    assert before[2][0] and before[2][3], "the demo data has history and workflow moves"
    path = str(tmp_path / "backup.xml.gz")
    call_command("backup", path, stdout=StringIO())

    if connection.vendor == "postgresql":  # TRUNCATE refuses tables with checks still pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not User.objects.exists() and not Actual.objects.exists()
    call_command("restore", path, stdout=StringIO())

    after = _snapshot(User.objects.get(username="hq"))
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    User.objects.create_user(username="someone", password="x-pass-2019-long")
    path = str(tmp_path / "backup.xml")
    call_command("backup", path, stdout=StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", path, stdout=StringIO())


def test_a_backup_is_refused_a_name_that_would_lose_precision(tmp_path):
    with pytest.raises(CommandError, match=".xml"):
        call_command("backup", str(tmp_path / "backup.json"), stdout=StringIO())
