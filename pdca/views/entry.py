"""Department entry: the clerk's worklist, the entry page, and headquarters' review actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.fiscal_year import full_label
from indicators.selectors import chosen_fiscal_year, measure_indicators, plan_rules
from indicators.services import PlausibilityPending
from measures.selectors import measure_card, plan_for_request, plan_year_for
from pdca import rights
from pdca.desk import OWED_FILTER, deadline_of
from pdca.forms import EntryForm, MessageForm
from pdca.models import Submission, SubmissionStatus
from pdca.people import display_name
from pdca.selectors import (
    conversation,
    entry_rows,
    entry_state,
    entry_targets,
    entry_values,
    entry_year_default,
    open_requests,
    previous_act_text,
    worklist,
)
from pdca.services import (
    ConflictError,
    entry_save,
    message_post,
    submission_approve,
    submission_for,
    submission_reopen,
    submission_return,
)
from pdca.views.review import queue_url
from pdca.views.typed import typed_keep, typed_key, typed_take


def _card_year(request, code: str, fiscal_year: int):
    """The measure's card (from the cache when it holds it) and the plan year; 404 for a
    measure or year the plan lacks."""
    plan = plan_for_request(request)
    return measure_card(plan, code), plan_year_for(plan, fiscal_year)


def worklist_view(request):
    plan = plan_for_request(request)
    fiscal_year = chosen_fiscal_year(plan, request.GET.get("year"), default=entry_year_default(plan))
    plan_year = plan_year_for(plan, fiscal_year)
    status = request.GET.get("status", "")
    deadline = deadline_of(plan_year)
    items, page = worklist(request.user, plan, plan_year, request.GET.get("page"), status=status, deadline=deadline)
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "plan_years": plan.fiscal_years,
        "plan_year": plan_year,
        "items": items,
        "page": page,
        "sections": rights.user_sections(request.user),
        "role": rights.role_of(request.user),
        "status": status,
        "status_choices": [*SubmissionStatus.choices, (OWED_FILTER, _("未提出（未入力・入力中・差戻し）"))],
        "deadline": deadline,
    }
    return render(request, "pdca/worklist.html", context)


def entry_view(request, code: str, fiscal_year: int):
    card, plan_year = _card_year(request, code, fiscal_year)
    measure = card.measure
    # A save reads the year's targets itself, under its lock; a posted form shows them only
    # when it is rejected, so they are read below, then.
    indicators, targets, items = entry_rows(
        measure, plan_year, with_targets=request.method != "POST", indicators=measure_indicators(measure)
    )
    form_kwargs = {"indicators": indicators, "targets": targets, "schedule_items": items}
    conflict = None
    form = None
    if request.method == "POST":
        form = EntryForm(request.POST, **form_kwargs)
        if form.is_valid():
            # entry_save decides the right itself, on the submission it locks (PermissionDenied);
            # every other way through this view asks below, before showing anything.
            try:
                result = entry_save(
                    user=request.user,
                    measure=measure,
                    plan_year=plan_year,
                    entry=form.to_entry(),
                    expected_version=form.cleaned_data["version"],
                    submit="submit" in request.POST,
                    indicators=indicators,
                    rules=plan_rules(measure.plan),
                )
            except ConflictError as error:
                conflict = error.current
                form.add_error(None, conflict_message(conflict, request.user))
            except PlausibilityPending as pending:
                # Nothing was written; the page shows each warning beside its field, to confirm.
                form.warnings = pending.warnings
                form.add_error(
                    None,
                    _("確認が必要な値があります。各欄の注意を確認し、この値で保存する場合はチェックを付けてください。"),
                )
            else:
                return _after_save(request, measure, plan_year, result)
    submission = submission_for(measure, plan_year)
    decision = rights.may_edit(request.user, measure, plan_year, submission)
    if not decision:
        raise PermissionDenied(decision.reason)
    if form is None:
        actuals, progress = entry_values(plan_year, indicators, items)
        form = EntryForm(initial=EntryForm.initial_for(submission, actuals, progress), **form_kwargs)
    if form.targets is None:
        form.targets = entry_targets(plan_year, indicators)
    if conflict is not None:
        # The user's text stays in the form; only the version moves on, so the next save is checked
        # against what they have now seen.
        form.data = form.data.copy()
        form.data["version"] = conflict.version
    context = {
        "plan": measure.plan,
        "measure": measure,
        "plan_year": plan_year,
        "fiscal_year": plan_year.fiscal_year,
        "form": form,
        "submission": submission,
        "previous_act": previous_act_text(measure, plan_year),
        "conflict": conflict,
        "conflict_state": entry_state(measure, plan_year) if conflict else None,
        **conversation_context(request, measure, plan_year, submission, back="entry"),
    }
    return render(
        request, "pdca/entry.html", context, status=409 if conflict else (400 if request.method == "POST" else 200)
    )


def conversation_context(request, measure, plan_year, submission, *, back: str) -> dict:
    """The report's conversation for a page that shows it (entry or measure page): the thread,
    the request still waiting for the section, and the reply form with any refused text."""
    if not rights.may_read_conversation(request.user, measure):
        return {"may_read_conversation": False}
    may_write = rights.may_write_message(request.user, measure)
    typed = typed_take(request, typed_key("message", measure, plan_year)) if may_write else ""
    return {
        "may_read_conversation": True,
        "thread": conversation(submission),
        "open_request": open_requests([submission]).get(submission.pk),
        "message_form": MessageForm(initial={"text": typed, "back": back}) if may_write else None,
        "message_url": reverse("message_post", kwargs={"code": measure.code, "fiscal_year": plan_year.fiscal_year}),
    }


@require_POST
def message_post_view(request, code: str, fiscal_year: int):
    """A note from headquarters or a reply from the section; back to the page it came from."""
    card, plan_year = _card_year(request, code, fiscal_year)
    measure = card.measure
    text = request.POST.get("text", "")
    try:
        message_post(user=request.user, measure=measure, plan_year=plan_year, text=text)
    except ValidationError as error:
        typed_keep(request, typed_key("message", measure, plan_year), text)
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("メッセージを送りました。"))
    if request.POST.get("back") == "entry" and rights.may_edit(
        request.user, measure, plan_year, submission_for(measure, plan_year)
    ):
        target = reverse("entry", kwargs={"code": measure.code, "fiscal_year": fiscal_year})
    else:
        target = f"{reverse('measure_detail', kwargs={'code': measure.code})}?year={fiscal_year}"
    return redirect(f"{target}#conversation")


def conflict_message(current: Submission, user) -> str:
    """Who saved in between: another person by name, or the user themselves in another tab."""
    if current.updated_by_id is not None and current.updated_by_id == user.pk:
        return _(
            "この画面を開いた後に、あなた自身が別のタブまたは画面でこの報告を保存しています。入力内容は消えていません。下の「現在保存されている内容」と見比べ、必要なら修正して保存し直してください。"
        )
    return _(
        "あなたが編集している間に、%(who)sさんがこの報告を保存しました。入力内容は消えていません。下の「現在保存されている内容」と見比べ、必要なら修正して保存し直してください。"
    ) % {"who": display_name(current.updated_by)}


def _after_save(request, measure, plan_year, result):
    label = full_label(plan_year.fiscal_year)
    if result.submitted:
        messages.success(request, _("%(code)s（%(year)s）を提出しました。") % {"code": measure.code, "year": label})
        return redirect(f"{reverse('worklist')}?year={plan_year.fiscal_year}")
    if result.gaps:
        messages.warning(
            request,
            _("下書きを保存しましたが、未入力の項目があるため提出できません：%(gaps)s")
            % {"gaps": _("、").join(result.gaps)},
        )
    else:
        messages.success(request, _("下書きを保存しました。"))
    return redirect("entry", code=measure.code, fiscal_year=plan_year.fiscal_year)


def _review(request, code: str, fiscal_year: int, action):
    card, plan_year = _card_year(request, code, fiscal_year)
    measure = card.measure
    submission = Submission.objects.filter(measure=measure, plan_year=plan_year).first()
    if submission is None or not rights.is_hq(request.user):
        raise PermissionDenied(_("この操作を行う権限がありません。"))
    # The services check the comment (empty, too long) and say why in Japanese.
    comment = request.POST.get("comment", "")
    try:
        message = action(submission, request.user, comment)
    except ValidationError as error:
        typed_keep(request, typed_key("review", measure, plan_year), comment)
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    if request.POST.get("back") == "queue":
        return redirect(queue_url(request.POST.get("query", "")))
    return redirect(f"{reverse('measure_detail', kwargs={'code': measure.code})}?year={fiscal_year}")


@require_POST
def approve_view(request, code: str, fiscal_year: int):
    def approve(submission, user, comment):
        submission_approve(submission=submission, reviewer=user, comment=comment)
        return _("承認しました。")

    return _review(request, code, fiscal_year, approve)


@require_POST
def return_view(request, code: str, fiscal_year: int):
    def send_back(submission, user, comment):
        submission_return(submission=submission, reviewer=user, comment=comment)
        return _("差し戻しました。")

    return _review(request, code, fiscal_year, send_back)


@require_POST
def reopen_view(request, code: str, fiscal_year: int):
    def reopen(submission, user, comment):
        submission_reopen(submission=submission, reviewer=user, reason=comment)
        return _("承認を取り消し、入力中に戻しました。")

    return _review(request, code, fiscal_year, reopen)
