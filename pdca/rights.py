"""Rights in one place: every view, import, admin action and API asks here.

"May this user edit this measure in this year?" is section membership × role ×
submission status × year lock. Nothing else in the project re-implements it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from measures.models import Measure, PlanYear, Section
from pdca.models import Role, Submission, SubmissionStatus

# Statuses in which department staff may still change what they entered.
STAFF_EDITABLE = {SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED}


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.HQ
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def is_hq(user) -> bool:
    return role_of(user) == Role.HQ


def user_sections(user) -> QuerySet[Section]:
    if role_of(user) is None or getattr(user, "profile", None) is None:
        return Section.objects.none()
    return user.profile.sections.all()


def owns_measure(user, measure: Measure) -> bool:
    """Whether a clerk's sections own the measure; asked once per measure instance (a
    request's), as a save asks again under its lock what the page asked before."""
    if role_of(user) != Role.STAFF:
        return False
    owners = measure.__dict__.setdefault("_owned_by", {})
    if user.pk not in owners:
        owners[user.pk] = measure.measure_sections.filter(section__members__user=user).exists()
    return owners[user.pk]


def measures_owned_by(user, plan) -> QuerySet[Measure]:
    """The measures a user enters results for: their sections' measures (staff), all (HQ)."""
    role = role_of(user)
    if role == Role.HQ:
        return plan.measures.all()
    if role == Role.STAFF:
        return plan.measures.filter(measure_sections__section__members__user=user).distinct()
    return plan.measures.none()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def year_closed(plan_year: PlanYear) -> Decision:
    """A closed year is read-only for everyone, headquarters included, until reopened."""
    if plan_year.is_open:
        return Decision(False)
    return Decision(
        True,
        _("%(year)sは締め切られているため変更できません。本部事務局が年度を再開すると変更できます。")
        % {"year": plan_year.label},
    )


def may_edit(user, measure: Measure, plan_year: PlanYear, submission: Submission | None) -> Decision:
    """May this user change actuals, progress and Check/Act texts of this measure in this year?"""
    role = role_of(user)
    status = submission.status if submission is not None else SubmissionStatus.NOT_STARTED
    if role in (Role.HQ, Role.STAFF) and (closed := year_closed(plan_year)):
        return Decision(False, closed.reason)
    if role == Role.HQ:
        if status == SubmissionStatus.APPROVED:
            return Decision(False, _("承認済の年度です。変更するには先に「承認を取り消す」を行ってください。"))
        return Decision(True)
    if role != Role.STAFF or not owns_measure(user, measure):
        return Decision(False, _("この施策を編集する権限がありません。"))
    if status not in STAFF_EDITABLE:
        return Decision(False, _("%(status)sのため編集できません。") % {"status": SubmissionStatus(status).label})
    return Decision(True)


def may_submit(user, measure: Measure, plan_year: PlanYear, submission: Submission | None) -> Decision:
    return may_edit(user, measure, plan_year, submission)


def may_review(user, submission: Submission | None, plan_year: PlanYear | None = None) -> Decision:
    """Approve or return: headquarters only, only a submitted report, only in an open year
    (`plan_year` is the submission's, when the caller has it at hand)."""
    if role_of(user) != Role.HQ:
        return Decision(False, _("承認・差戻しは本部事務局のみが行えます。"))
    if submission is None or submission.status != SubmissionStatus.SUBMITTED:
        return Decision(False, _("提出済の報告ではありません。"))
    if closed := year_closed(plan_year or submission.plan_year):
        return Decision(False, closed.reason)
    return Decision(True)


def may_reopen(user, submission: Submission | None, plan_year: PlanYear | None = None) -> Decision:
    if role_of(user) != Role.HQ:
        return Decision(False, _("承認の取消しは本部事務局のみが行えます。"))
    if submission is None or submission.status != SubmissionStatus.APPROVED:
        return Decision(False, _("承認済の報告ではありません。"))
    if closed := year_closed(plan_year or submission.plan_year):
        return Decision(False, closed.reason)
    return Decision(True)


def may_manage_accounts(user) -> Decision:
    """Accounts, the login log and unlocking: headquarters."""
    if role_of(user) != Role.HQ:
        return Decision(False, _("アカウントの管理は本部事務局のみが行えます。"))
    return Decision(True)


def may_close_years(user) -> Decision:
    """Close a plan year (read-only for everyone) or reopen it: headquarters."""
    if role_of(user) != Role.HQ:
        return Decision(False, _("年度の締切・再開は本部事務局のみが行えます。"))
    return Decision(True)


def may_read_conversation(user, measure: Measure) -> bool:
    """A report's conversation: headquarters, viewers (read-only) and the owning section."""
    return role_of(user) in (Role.HQ, Role.VIEWER) or owns_measure(user, measure)


def may_write_message(user, measure: Measure) -> Decision:
    """Write into a report's conversation: headquarters and the owning section, in any status
    (a question may come after approval too)."""
    if role_of(user) == Role.HQ or owns_measure(user, measure):
        return Decision(True)
    return Decision(False, _("この報告についてのやりとりに書き込む権限がありません。"))


def may_read_review_desk(user) -> bool:
    """The review queue and the whole submission board: headquarters and viewers (read-only)."""
    return role_of(user) in (Role.HQ, Role.VIEWER)


def may_set_deadline(user) -> bool:
    """A plan year's submission deadline: headquarters."""
    return role_of(user) == Role.HQ


def may_edit_plan(user) -> bool:
    """Plan data and thresholds: headquarters."""
    return role_of(user) == Role.HQ


def may_export(user) -> bool:
    """The meeting workbook (every measure's figures and texts): headquarters and viewers."""
    return role_of(user) in (Role.HQ, Role.VIEWER)


def may_use_template(user) -> bool:
    """Download the entry template and upload it filled in: those who enter results. Each
    measure in an upload is still checked with `may_edit`."""
    return role_of(user) in (Role.STAFF, Role.HQ)


def may_choose_basis(user) -> bool:
    """Switch the basis of the figures (indicators.basis) away from the default
    提出済以上: headquarters. Viewers and staff see the default."""
    return role_of(user) == Role.HQ


def may_publish_report(user) -> bool:
    """Publish an edition of the inspection report: headquarters."""
    return role_of(user) == Role.HQ


def may_publish(user) -> Decision:
    """Publish a fiscal year to the public site, the open data and the API (公表), or
    withdraw it: headquarters only."""
    if role_of(user) != Role.HQ:
        return Decision(False, _("公表・取下げは本部事務局のみが行えます。"))
    return Decision(True)


def may_see_publishing(user) -> bool:
    """The publishing page (what is published, by whom, and why withdrawn): HQ and viewers."""
    return role_of(user) in (Role.HQ, Role.VIEWER)


def may_write_final_review(user, measure: Measure, review) -> Decision:
    """The plan-period evaluation (総括評価): headquarters, and staff of a section that owns
    the measure, while it is not submitted (staff) or approved (anyone)."""
    role = role_of(user)
    status = review.status if review is not None else SubmissionStatus.NOT_STARTED
    if role == Role.HQ:
        if status == SubmissionStatus.APPROVED:
            return Decision(False, _("承認済の総括評価です。"))
        return Decision(True)
    if role != Role.STAFF or not owns_measure(user, measure):
        return Decision(False, _("この施策の総括評価を書く権限がありません。"))
    if status not in STAFF_EDITABLE:
        return Decision(False, _("%(status)sのため編集できません。") % {"status": SubmissionStatus(status).label})
    return Decision(True)


def may_decide_final_review(user, review) -> Decision:
    """Approve or return a submitted plan-period evaluation: headquarters only."""
    if role_of(user) != Role.HQ:
        return Decision(False, _("承認・差戻しは本部事務局のみが行えます。"))
    if review is None or review.status != SubmissionStatus.SUBMITTED:
        return Decision(False, _("提出済の総括評価ではありません。"))
    return Decision(True)
