"""What a clerk is told on signing in: reports returned to their sections, reports whose
approval was undone, and deadlines within two weeks (or already past) with reports still owed."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from core.fiscal_year import full_label
from measures.models import Measure
from pdca import rights
from pdca.desk import OWED_FILTER, with_report_status
from pdca.models import MessageKind, Role, Submission, SubmissionDeadline, SubmissionStatus
from pdca.selectors import open_requests

# How far ahead a deadline is announced.
DUE_SOON_DAYS = 14
# How many codes a notice names before it says "and N more".
NAMED = 5


def _codes(submissions) -> str:
    names = [
        _("%(code)s（%(year)s）") % {"code": s.measure.code, "year": full_label(s.plan_year.fiscal_year)}
        for s in submissions[:NAMED]
    ]
    more = len(submissions) - NAMED
    return _("、").join(names) + (_(" ほか%(n)d件") % {"n": more} if more > 0 else "")


def login_notices(user, *, on: date) -> list[str]:
    """The notices for a clerk signing in, in Japanese, most urgent first; none for others."""
    if rights.role_of(user) != Role.STAFF:
        return []
    mine = Measure.objects.filter(measure_sections__section__members__user=user)
    waiting = list(
        Submission.objects.filter(
            measure__in=mine,
            plan_year__is_open=True,
            status__in=(SubmissionStatus.RETURNED, SubmissionStatus.DRAFT),
        )
        .select_related("measure", "plan_year")
        .order_by("plan_year__fiscal_year", "measure__order")
        .distinct()
    )
    requests = open_requests(waiting)
    returned = [s for s in waiting if s.status == SubmissionStatus.RETURNED]
    reopened = [s for s in waiting if s.pk in requests and requests[s.pk].kind == MessageKind.REOPEN]
    notices = []
    if returned:
        notices.append(
            _("差し戻された報告が %(n)d 件あります。修正して再提出してください：%(codes)s")
            % {"n": len(returned), "codes": _codes(returned)}
        )
    if reopened:
        notices.append(
            _("承認が取り消された報告が %(n)d 件あります。理由を確認して再提出してください：%(codes)s")
            % {"n": len(reopened), "codes": _codes(reopened)}
        )
    soon = SubmissionDeadline.objects.filter(
        plan_year__is_open=True, due_on__lte=on + timedelta(days=DUE_SOON_DAYS)
    ).select_related("plan_year")
    for deadline in soon.order_by("due_on"):
        owed = with_report_status(
            mine.filter(plan=deadline.plan_year.plan_id).distinct(), deadline.plan_year, OWED_FILTER
        ).count()
        if not owed:
            continue
        values = {
            "year": full_label(deadline.plan_year.fiscal_year),
            "due": f"{deadline.due_on.year}年{deadline.due_on.month}月{deadline.due_on.day}日",
            "days": (deadline.due_on - on).days,
            "n": owed,
        }
        if deadline.due_on < on:
            notices.append(_("%(year)sの提出期限（%(due)s）を過ぎています。未提出の報告が %(n)d 件あります。") % values)
        else:
            notices.append(
                _("%(year)sの提出期限（%(due)s）まであと%(days)d日です。未提出の報告が %(n)d 件あります。") % values
            )
    return notices
