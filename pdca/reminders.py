"""Reminder e-mails to the sections: each section's staff get the list of their reports that
are missing, returned or overdue, at most once a day per section, and every e-mail sent is
recorded (ReminderSent). Run daily by `python manage.py send_reminders`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core.fiscal_year import full_label
from measures.models import MeasureSection, PlanYear, Section
from pdca import desk
from pdca.models import ReminderSent, Role, Submission, SubmissionDeadline, SubmissionStatus


@dataclass(frozen=True)
class OwedReport:
    code: str
    name: str
    fiscal_year: int
    status: str
    status_label: str
    overdue: bool
    deadline: date | None
    url: str

    @property
    def year_label(self) -> str:
        return full_label(self.fiscal_year)


@dataclass
class SectionReminder:
    section: Section
    recipients: list[str] = field(default_factory=list)
    reports: list[OwedReport] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return _("【ICT計画 進行管理】年度報告の提出のお願い（%(section)s）") % {"section": self.section.name}

    def body(self) -> str:
        return render_to_string(
            "pdca/email/reminder.txt",
            {"reminder": self, "site_url": settings.SITE_URL, "worklist_url": settings.SITE_URL + reverse("worklist")},
        )


def reminded_years(open_years: list[PlanYear], deadlines: dict[int, date]) -> list[PlanYear]:
    """The years a reminder is about: per plan, its open years that have a deadline, or, when
    headquarters has set none, its latest open year (the one clerks report on by default).
    An old year left open would otherwise fill every reminder."""
    chosen = []
    for plan_id in dict.fromkeys(year.plan_id for year in open_years):
        years = [year for year in open_years if year.plan_id == plan_id]
        with_deadline = [year for year in years if year.pk in deadlines]
        chosen.extend(with_deadline or years[-1:])
    return chosen


def reminders_due(*, on: date) -> list[SectionReminder]:
    """Per section, what it still owes in the years reminded of (`reminded_years`: 未入力・入力中, 差戻し, and
    which of those are past their year's deadline), and to whom to write: its active staff
    with an e-mail address. Sections that owe nothing are left out. A fixed number of
    queries, whatever the number of sections and measures."""
    open_years = list(PlanYear.objects.filter(is_open=True).select_related("plan").order_by("fiscal_year"))
    deadlines = dict(SubmissionDeadline.objects.filter(plan_year__in=open_years).values_list("plan_year_id", "due_on"))
    years = {year.pk: year for year in reminded_years(open_years, deadlines)}
    if not years:
        return []
    statuses = {
        (measure_id, plan_year_id): status
        for measure_id, plan_year_id, status in Submission.objects.filter(plan_year_id__in=years).values_list(
            "measure_id", "plan_year_id", "status"
        )
    }
    labels = dict(SubmissionStatus.choices)
    plans = {year.plan_id for year in years.values()}
    owners = (
        MeasureSection.objects.filter(measure__plan_id__in=plans)
        .order_by("section__bureau__name", "section__name", "measure__order")
        .values_list("section_id", "measure_id", "measure__code", "measure__name", "measure__plan_id")
    )
    sections = {
        section.pk: section
        for section in Section.objects.filter(measure_sections__measure__plan_id__in=plans)
        .select_related("bureau")
        .distinct()
    }
    reminders: dict[int, SectionReminder] = {}
    for section_id, measure_id, code, name, plan_id in owners:
        for year in years.values():
            if year.plan_id != plan_id:
                continue
            status = statuses.get((measure_id, year.pk), SubmissionStatus.NOT_STARTED.value)
            if status not in desk.OWED:
                continue
            deadline = deadlines.get(year.pk)
            reminder = reminders.setdefault(section_id, SectionReminder(section=sections[section_id]))
            reminder.reports.append(
                OwedReport(
                    code=code,
                    name=name,
                    fiscal_year=year.fiscal_year,
                    status=status,
                    status_label=str(labels[status]),
                    overdue=desk.is_overdue(status, deadline, on),
                    deadline=deadline,
                    url=settings.SITE_URL + reverse("entry", kwargs={"code": code, "fiscal_year": year.fiscal_year}),
                )
            )
    staff = (
        get_user_model()
        .objects.filter(is_active=True, profile__role=Role.STAFF, profile__sections__in=list(reminders))
        .exclude(email="")
        .order_by("email")
        .values_list("profile__sections", "email")
    )
    for section_id, email in staff:
        if email not in reminders[section_id].recipients:
            reminders[section_id].recipients.append(email)
    return list(reminders.values())


@dataclass(frozen=True)
class Outcome:
    section: Section
    reports: int
    recipients: list[str]
    result: str  # "sent", "already_sent", "no_recipients", "dry_run"


def reminders_send(*, on: date | None = None, dry_run: bool = False) -> list[Outcome]:
    """Send each section's reminder for the day `on` (today), unless one was sent that day
    already; record each e-mail sent. With `dry_run`, only say what would be sent."""
    on = on or desk.today()
    already = set(ReminderSent.objects.filter(sent_on=on).values_list("section_id", flat=True))
    outcomes = []
    for reminder in reminders_due(on=on):
        if reminder.section.pk in already:
            result = "already_sent"
        elif not reminder.recipients:
            result = "no_recipients"
        elif dry_run:
            result = "dry_run"
        else:
            result = "sent" if _send_once(reminder, on) else "already_sent"
        outcomes.append(Outcome(reminder.section, len(reminder.reports), reminder.recipients, result))
    return outcomes


def _send_once(reminder: SectionReminder, on: date) -> bool:
    """Record, then send, in one transaction: a failed send records nothing, and a second
    run (even a concurrent one) finds the record and sends nothing."""
    body = reminder.body()
    with transaction.atomic():
        _record, created = ReminderSent.objects.get_or_create(
            section=reminder.section,
            sent_on=on,
            defaults={
                "recipients": ", ".join(reminder.recipients),
                "subject": reminder.subject,
                "body": body,
                "reports": len(reminder.reports),
            },
        )
        if not created:
            return False
        EmailMessage(subject=reminder.subject, body=body, to=reminder.recipients).send()
    return True
