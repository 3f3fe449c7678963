"""send_reminders: each section's staff get what they owe, once a day, and it is recorded."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from measures.models import PlanYear
from pdca.models import ReminderSent, SubmissionDeadline
from pdca.reminders import reminders_send
from tests.pdca.test_entry import CODE, YEAR, _submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def addressed(personas):
    for name in ("staff", "other_staff"):
        personas[name].email = f"{personas[name].username}@example.com"
        personas[name].save()
    return personas


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def mail_to(address: str):
    found = [message for message in mail.outbox if address in message.to]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def test_each_section_gets_its_own_list_once_a_day_and_it_is_recorded(addressed, plan):
    output = run()
    assert "送信 " in output
    ict = mail_to("p-staff@example.com")
    assert "ICT・データ戦略課" in ict.subject
    assert "II-④-ア-01" in ict.body and "未入力" in ict.body  # one of its measures, not started
    assert "I-①-イ-02" not in ict.body  # another section's measure
    assert "I-①-イ-02" in mail_to("p-other@example.com").body
    sent = len(mail.outbox)
    record = ReminderSent.objects.get(section__name="ICT・データ戦略課", sent_on=timezone.localdate())
    assert record.body == ict.body and record.recipients == "p-staff@example.com" and record.reports > 0

    assert "本日は送信済みのため送りません" in run()
    assert len(mail.outbox) == sent
    assert ReminderSent.objects.count() == sent


def test_a_dry_run_sends_and_records_nothing(addressed):
    output = run("--dry-run")
    assert "--dry-run のため送っていません" in output
    assert mail.outbox == [] and not ReminderSent.objects.exists()


def test_submitted_reports_drop_out_and_returned_and_overdue_ones_are_said(addressed, client_for, plan):
    _submit(client_for)
    assert CODE not in _ict_body()
    mail.outbox.clear()
    ReminderSent.objects.all().delete()
    client_for("hq").post(f"/review/{CODE}/{YEAR}/return/", {"comment": "根拠を添付してください。"})
    SubmissionDeadline.objects.create(
        plan_year=PlanYear.objects.get(plan=plan, fiscal_year=YEAR), due_on=timezone.localdate() - timedelta(days=2)
    )
    body = _ict_body()
    line = next(line for line in body.splitlines() if CODE in line)
    assert "差戻し" in line and "提出期限" in line and "過ぎています" in line


def _ict_body() -> str:
    reminders_send()
    return mail_to("p-staff@example.com").body


def test_a_section_without_an_address_is_not_written_to_nor_recorded(personas):
    outcomes = reminders_send(on=date(2023, 4, 1))
    assert mail.outbox == []
    assert outcomes and {o.result for o in outcomes} == {"no_recipients"}
    assert not ReminderSent.objects.exists()


def test_only_years_open_for_entry_are_listed(addressed, plan):
    PlanYear.objects.filter(plan=plan).update(is_open=False)
    assert reminders_send() == []
    assert mail.outbox == []


def test_the_years_with_a_deadline_are_reminded_else_the_latest_open_one(addressed, plan):
    reminders_send()
    assert "（令和4年度 (2022)）" in mail_to("p-staff@example.com").body
    assert "令和3年度 (2021)" not in mail_to("p-staff@example.com").body
    mail.outbox.clear()
    SubmissionDeadline.objects.create(
        plan_year=PlanYear.objects.get(plan=plan, fiscal_year=2021), due_on=date(2022, 5, 31)
    )
    reminders_send(on=timezone.localdate() + timedelta(days=1))
    body = mail_to("p-staff@example.com").body
    assert "令和3年度 (2021)" in body and "令和4年度 (2022)" not in body
