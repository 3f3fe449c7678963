"""Writes of the yearly cycle, each acting for a user: ask `pdca.rights` first, then write,
all inside one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.cache import data_changed
from core.db import rows_write_with_history
from core.texts import text_too_long
from indicators import achievement
from indicators.basis import Basis
from indicators.models import Actual, Indicator, Target
from indicators.services import (
    ActualInput,
    measure_actuals_record,
    measure_results_basis_set,
    plan_results_basis_set,
)
from measures.models import Measure, Plan, PlanYear, ScheduleItem
from pdca import rights
from pdca.models import (
    FileEvent,
    FinalReview,
    Message,
    MessageKind,
    ScheduleProgress,
    Submission,
    SubmissionDeadline,
    SubmissionStatus,
    Transition,
    YearStatusChange,
)


@dataclass
class IndicatorEntry:
    indicator: Indicator
    value: Decimal | None = None
    milestone_status: str = ""
    description: str = ""
    # See indicators.services.ActualInput: the text typed and the warnings confirmed (None: no check).
    typed: str | None = None
    confirmed: frozenset[str] | None = None


@dataclass
class ProgressEntry:
    schedule_item: ScheduleItem
    status: str = ""
    note: str = ""


@dataclass
class Entry:
    """Everything one entry form holds for a measure and year."""

    indicators: list[IndicatorEntry] = field(default_factory=list)
    progress: list[ProgressEntry] = field(default_factory=list)
    achievements_text: str = ""
    self_assessment: str = ""
    issues_text: str = ""
    next_steps_text: str = ""


class ConflictError(Exception):
    """The submission changed since the form was opened; `current` is what is saved now."""

    def __init__(self, current: Submission):
        self.current = current
        super().__init__(f"submission {current.pk} is at version {current.version}")


@dataclass
class SaveResult:
    submission: Submission
    submitted: bool
    gaps: list[str]


def submission_for(measure: Measure, plan_year: PlanYear) -> Submission:
    """The measure-year's submission, unsaved (未入力) when nothing was entered yet."""
    return Submission.objects.filter(measure=measure, plan_year=plan_year).first() or Submission(
        measure=measure, plan_year=plan_year, status=SubmissionStatus.NOT_STARTED, version=0
    )


def _locked_submission(measure: Measure, plan_year: PlanYear) -> Submission:
    submission, _created = Submission.objects.select_for_update().get_or_create(
        measure=measure, plan_year=plan_year, defaults={"status": SubmissionStatus.NOT_STARTED}
    )
    return submission


def _transition(submission: Submission, to_status: str, user, comment: str = "") -> None:
    """Move a report (locked by the caller) to `to_status`: record the move, and move its
    measure's figures onto the bases the new status reaches (indicators.basis)."""
    data_changed()  # the dashboard shows the report's state (core.cache)
    Transition.objects.create(
        submission=submission, from_status=submission.status, to_status=to_status, user=user, comment=comment
    )
    reached = basis_reached_by(to_status)
    if reached != basis_reached_by(submission.status):
        measure_results_basis_set(
            plan=submission.measure.plan,
            reached={(submission.measure_id, submission.plan_year_id): reached},
        )
    submission.status = to_status


def basis_reached_by(status: str) -> Basis:
    """The strictest basis a report in `status` is counted on: 承認済 counts on every basis,
    提出済 on 提出済以上 and 入力済すべて, any other status (入力中, 差戻し) only on
    入力済すべて."""
    if status == SubmissionStatus.APPROVED:
        return Basis.APPROVED
    if status == SubmissionStatus.SUBMITTED:
        return Basis.SUBMITTED
    return Basis.ENTERED


def report_bases_sync(*, plan: Plan) -> None:
    """Make every measure-year's figures of a plan count on the bases its report's status
    reaches, after writes that set statuses in bulk (demo data, synthetic plans). Entry and
    review keep them in step one report at a time (`_transition`)."""
    statuses = Submission.objects.filter(plan_year__plan=plan).exclude(
        status__in=[SubmissionStatus.NOT_STARTED, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED]
    )
    plan_results_basis_set(
        plan=plan,
        reached={
            (measure_id, plan_year_id): basis_reached_by(status)
            for measure_id, plan_year_id, status in statuses.values_list("measure_id", "plan_year_id", "status")
        },
    )


def entry_save(
    *,
    user,
    measure: Measure,
    plan_year: PlanYear,
    entry: Entry,
    expected_version: int,
    submit: bool = False,
    indicators: Sequence[Indicator] | None = None,
    rules: achievement.Rules | None = None,
) -> SaveResult:
    """Save a measure-year's entry as a draft, and submit it when asked and complete.

    All or nothing. Raises PermissionDenied, or ConflictError when someone saved in between
    (nothing written). A submit with gaps still saves the draft and returns the gaps.
    `indicators` are what the form was built on (`pdca.selectors.entry_rows`), when the
    caller has them; the year's targets are read again under a lock, see
    `measure_actuals_record`. `rules` are the plan's, when the caller has them
    (`indicators.selectors.plan_rules`); otherwise they are read here.
    """
    with transaction.atomic():
        submission = _locked_submission(measure, plan_year)
        decision = rights.may_edit(user, measure, plan_year, submission)
        if not decision:
            raise PermissionDenied(decision.reason)
        _entry_texts_check(entry, submission)
        data_changed()  # progress and texts show on the dashboard too (core.cache)
        if submission.version != expected_version:
            raise ConflictError(submission)
        if any(item.indicator.measure_id != measure.pk for item in entry.indicators):
            raise PermissionDenied(_("別の施策の指標です。"))
        if any(item.schedule_item.measure_id != measure.pk for item in entry.progress):
            raise PermissionDenied(_("別の施策の取組です。"))
        measure_actuals_record(
            measure=measure,
            plan_year=plan_year,
            inputs=[
                ActualInput(
                    item.indicator,
                    item.value,
                    item.milestone_status,
                    item.description,
                    typed=item.typed,
                    confirmed=item.confirmed,
                )
                for item in entry.indicators
            ],
            user=user,
            indicators=indicators,
            rules=rules,
        )
        current = {
            p.schedule_item_id: p
            for p in ScheduleProgress.objects.filter(
                schedule_item_id__in=[item.schedule_item.pk for item in entry.progress], plan_year=plan_year
            ).order_by()
        }
        to_create, to_update = [], []
        for item in entry.progress:
            row = _progress_fill(item, plan_year, user, current.get(item.schedule_item.pk))
            if row is not None:
                (to_update if row.pk else to_create).append(row)
        rows_write_with_history(
            ScheduleProgress,
            to_create,
            to_update,
            ["status", "note", "updated_by", "updated_at"],
            user=user,
            stamp="updated_at",
        )
        submission.achievements_text = entry.achievements_text
        submission.self_assessment = entry.self_assessment
        submission.issues_text = entry.issues_text
        submission.next_steps_text = entry.next_steps_text
        submission.updated_by = user
        submission.version += 1
        if submission.status in (SubmissionStatus.NOT_STARTED, SubmissionStatus.RETURNED):
            _transition(submission, SubmissionStatus.DRAFT, user)
        gaps = submission_gaps(submission) if submit else []
        if submit and not gaps:
            _transition(submission, SubmissionStatus.SUBMITTED, user)
        # The row is locked and its keys are the ones just read: only the fields need checking.
        submission.full_clean(
            exclude=["measure", "plan_year", "updated_by"], validate_unique=False, validate_constraints=False
        )
        submission.save()
    return SaveResult(submission, submitted=submit and not gaps, gaps=gaps)


def _entry_texts_check(entry: Entry, submission: Submission) -> None:
    """The report's texts within the one limit (core.texts), unless kept unchanged from before
    the limit; the forms and the upload say so first, for 実施内容 and 補足 too."""
    for key in ("achievements_text", "issues_text", "next_steps_text"):
        text = getattr(entry, key) or ""
        if text != getattr(submission, key) and (message := text_too_long(text)):
            raise ValidationError(message)


def _progress_fill(
    item: ProgressEntry, plan_year: PlanYear, user, current: ScheduleProgress | None
) -> ScheduleProgress | None:
    """The progress row to write for a form's schedule row, or None when there is nothing to
    write (unchanged, or emptied and deleted here)."""
    if not item.status:
        if current is not None:
            current.delete()
        return None
    if current is None:
        current = ScheduleProgress(schedule_item=item.schedule_item, plan_year=plan_year)
    elif current.status == item.status and current.note == item.note:
        return None
    current.status, current.note, current.updated_by = item.status, item.note, user
    # The foreign keys are rows this save has just read; re-validating them costs a query each.
    current.full_clean(
        exclude=["schedule_item", "plan_year", "updated_by"], validate_unique=False, validate_constraints=False
    )
    return current


def submission_gaps(submission: Submission) -> list[str]:
    """What a submission still lacks, in Japanese, one line per gap."""
    measure, plan_year = submission.measure, submission.plan_year
    gaps = []
    targets = {t.indicator_id: t for t in Target.objects.filter(indicator__measure=measure, plan_year=plan_year)}
    actuals = {a.indicator_id: a for a in Actual.objects.filter(indicator__measure=measure, plan_year=plan_year)}
    for indicator in measure.indicators.all():
        target = targets.get(indicator.pk)
        actual = actuals.get(indicator.pk)
        if target is not None and target.is_set and actual is None:
            gaps.append(_("成果指標「%(name)s」の実績") % {"name": indicator.name})
        elif actual is not None and indicator.is_milestone and not actual.description.strip():
            gaps.append(_("成果指標「%(name)s」の実施内容") % {"name": indicator.name})
    with_progress = set(
        ScheduleProgress.objects.filter(schedule_item__measure=measure, plan_year=plan_year).values_list(
            "schedule_item_id", flat=True
        )
    )
    for item in measure.schedule_items.filter(years=plan_year):
        if item.pk not in with_progress:
            gaps.append(_("取組「%(name)s」の進捗") % {"name": item.name})
    labels = {
        "achievements_text": _("取組実績"),
        "self_assessment": _("評価"),
        "issues_text": _("課題"),
        "next_steps_text": _("今後の方向性"),
    }
    for attribute, label in labels.items():
        if not str(getattr(submission, attribute)).strip():
            gaps.append(label)
    return gaps


def message_text_check(text: str, *, required_message: str | None = None) -> str:
    """The text of a message, stripped; ValidationError (Japanese) when empty or too long."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": required_message or _("メッセージを入力してください。")})
    if len(text) > Message.MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("メッセージは%(limit)d文字以内で入力してください（現在%(length)d文字）。")
                % {"limit": Message.MAX_LENGTH, "length": len(text)}
            }
        )
    return text


def _review_move(
    *, submission: Submission, reviewer, to_status: str, comment: str, decide, kind: str | None
) -> Submission:
    """One headquarters decision: lock the row, ask `decide` (a pdca.rights question), move
    the status, keep the comment, record the transition, and put the comment (as `kind`)
    into the report's conversation."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        decision = decide(reviewer, submission)
        if not decision:
            raise PermissionDenied(decision.reason)
        _transition(submission, to_status, reviewer, comment)
        submission.review_comment = comment
        submission.version += 1
        submission.save()
        if kind is not None and comment:
            Message.objects.create(submission=submission, kind=kind, author=reviewer, text=comment)
    return submission


def submission_approve(*, submission: Submission, reviewer, comment: str = "") -> Submission:
    """Approve a submitted report; the year is then locked for staff."""
    comment = message_text_check(comment) if comment and comment.strip() else ""
    return _review_move(
        submission=submission,
        reviewer=reviewer,
        to_status=SubmissionStatus.APPROVED,
        comment=comment,
        decide=rights.may_review,
        kind=MessageKind.APPROVAL,
    )


def submissions_approve(*, submissions: Sequence[Submission], reviewer) -> list[Submission]:
    """Approve several submitted reports at once, all or none: one that may not be approved
    (no longer submitted, say) refuses the whole batch with its reason."""
    approved = []
    with transaction.atomic():
        for submission in submissions:
            try:
                approved.append(submission_approve(submission=submission, reviewer=reviewer))
            except PermissionDenied as error:
                raise PermissionDenied(
                    _("%(code)s：%(reason)s") % {"code": submission.measure.code, "reason": error}
                ) from error
    return approved


def submission_return(*, submission: Submission, reviewer, comment: str) -> Submission:
    """Send a submitted report back to the clerk, with the reason they will see."""
    comment = message_text_check(comment, required_message=_("差戻しの理由を入力してください。"))
    return _review_move(
        submission=submission,
        reviewer=reviewer,
        to_status=SubmissionStatus.RETURNED,
        comment=comment,
        decide=rights.may_review,
        kind=MessageKind.RETURN,
    )


def submission_reopen(*, submission: Submission, reviewer, reason: str) -> Submission:
    """Undo an approval (headquarters, with a reason): the report is editable again."""
    reason = message_text_check(reason, required_message=_("承認を取り消す理由を入力してください。"))
    return _review_move(
        submission=submission,
        reviewer=reviewer,
        to_status=SubmissionStatus.DRAFT,
        comment=reason,
        decide=rights.may_reopen,
        kind=MessageKind.REOPEN,
    )


def message_post(*, user, measure: Measure, plan_year: PlanYear, text: str) -> Message:
    """Write into a report's conversation: a note from headquarters or a reply from the section."""
    text = message_text_check(text)
    with transaction.atomic():
        submission = _locked_submission(measure, plan_year)
        decision = rights.may_write_message(user, measure)
        if not decision:
            raise PermissionDenied(decision.reason)
        kind = MessageKind.NOTE if rights.is_hq(user) else MessageKind.REPLY
        return Message.objects.create(submission=submission, kind=kind, author=user, text=text)


def plan_year_close(*, plan_year: PlanYear, user, reason: str = "") -> PlanYear:
    """Close a year: nobody, headquarters included, changes its reports until it is reopened."""
    return _plan_year_set_open(plan_year=plan_year, user=user, is_open=False, reason=reason)


def plan_year_reopen(*, plan_year: PlanYear, user, reason: str) -> PlanYear:
    """Reopen a closed year (headquarters, with a reason kept in the year's record)."""
    if not reason.strip():
        raise ValidationError({"reason": _("年度を再開する理由を入力してください。")})
    return _plan_year_set_open(plan_year=plan_year, user=user, is_open=True, reason=reason)


def _plan_year_set_open(*, plan_year: PlanYear, user, is_open: bool, reason: str) -> PlanYear:
    decision = rights.may_close_years(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    with transaction.atomic():
        plan_year = PlanYear.objects.select_for_update().get(pk=plan_year.pk)
        if plan_year.is_open == is_open:
            raise ValidationError(
                _("%(year)sは既に受付中です。") % {"year": plan_year.label}
                if is_open
                else _("%(year)sは既に締め切られています。") % {"year": plan_year.label}
            )
        plan_year.is_open = is_open
        plan_year.save(update_fields=["is_open"])
        YearStatusChange.objects.create(plan_year=plan_year, is_open=is_open, user=user, reason=reason.strip())
    return plan_year


def deadline_set(*, plan_year: PlanYear, due_on, user) -> SubmissionDeadline | None:
    """Set (or, with None, clear) a plan year's submission deadline: headquarters."""
    if not rights.may_set_deadline(user):
        raise PermissionDenied(_("提出期限は本部事務局のみが設定できます。"))
    with transaction.atomic():
        if due_on is None:
            SubmissionDeadline.objects.filter(plan_year=plan_year).delete()
            return None
        deadline, _created = SubmissionDeadline.objects.update_or_create(
            plan_year=plan_year, defaults={"due_on": due_on, "set_by": user}
        )
    return deadline


def file_event_record(*, user, kind: str, fiscal_year: int | None, file_name: str = "", outcome: str = "") -> FileEvent:
    """Keep who took a workbook or sent a template, for which year, and what came of it."""
    return FileEvent.objects.create(
        user=user if user.is_authenticated else None,
        kind=kind,
        fiscal_year=fiscal_year,
        file_name=file_name[:255],
        outcome=outcome[:300],
    )


def final_review_save(*, user, measure: Measure, text: str, expected_version: int, submit: bool = False) -> FinalReview:
    """Save a measure's plan-period evaluation (総括評価), and submit it when asked; the same
    flow as a yearly report. Raises PermissionDenied, ConflictError (someone saved in
    between) or ValidationError (an empty text submitted); nothing is written then."""
    with transaction.atomic():
        review, _created = FinalReview.objects.select_for_update().get_or_create(measure=measure)
        decision = rights.may_write_final_review(user, measure, review)
        if not decision:
            raise PermissionDenied(decision.reason)
        if review.version != expected_version:
            raise ConflictError(review)
        if submit and not text.strip():
            raise ValidationError({"evaluation_text": _("提出するには総括評価を入力してください。")})
        review.evaluation_text = text
        review.updated_by = user
        review.version += 1
        if submit:
            review.status = SubmissionStatus.SUBMITTED
        elif review.status in (SubmissionStatus.NOT_STARTED, SubmissionStatus.RETURNED):
            review.status = SubmissionStatus.DRAFT
        review.full_clean(exclude=["measure", "updated_by"], validate_unique=False, validate_constraints=False)
        review.save()
        data_changed()  # the review page shows it (core.cache)
    return review


def final_review_decide(*, review: FinalReview, reviewer, approve: bool, comment: str = "") -> FinalReview:
    """Approve a submitted plan-period evaluation, or return it with a reason (headquarters)."""
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("差戻しの理由を入力してください。")})
    with transaction.atomic():
        review = FinalReview.objects.select_for_update().get(pk=review.pk)
        decision = rights.may_decide_final_review(reviewer, review)
        if not decision:
            raise PermissionDenied(decision.reason)
        review.status = SubmissionStatus.APPROVED if approve else SubmissionStatus.RETURNED
        review.review_comment = comment
        review.updated_by = reviewer
        review.version += 1
        review.save()
        data_changed()
    return review
