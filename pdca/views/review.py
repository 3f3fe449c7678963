"""Headquarters' review desk: the review queue with bulk approval, and the submission board."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from indicators.selectors import chosen_fiscal_year
from measures.models import Bureau, Section
from measures.selectors import plan_for_request, plan_year_for, plan_years
from pdca import desk, rights
from pdca.models import Submission, SubmissionDeadline, SubmissionStatus
from pdca.selectors import entry_year_default
from pdca.services import deadline_set, submissions_approve
from pdca.tables import ReviewQueueTable


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状態"),
        required=False,
        choices=[
            ("", gettext_lazy("すべて")),
            *SubmissionStatus.choices,
            (desk.OWED_FILTER, gettext_lazy("未提出（未入力・入力中・差戻し）")),
        ],
    )
    bureau = forms.ModelChoiceField(
        label=gettext_lazy("所管局"), required=False, queryset=Bureau.objects.none(), empty_label=gettext_lazy("すべて")
    )
    section = forms.ModelChoiceField(
        label=gettext_lazy("所属"), required=False, queryset=Section.objects.none(), empty_label=gettext_lazy("すべて")
    )

    def __init__(self, data, *, plan):
        # With no status asked for, the queue shows what waits for review.
        if "status" not in data:
            data = data.copy()
            data["status"] = SubmissionStatus.SUBMITTED
        super().__init__(data)
        owners = Section.objects.filter(measure_sections__measure__plan=plan).distinct()
        self.fields["section"].queryset = owners.select_related("bureau").order_by("bureau__name", "name")
        self.fields["bureau"].queryset = Bureau.objects.filter(sections__in=owners).distinct().order_by("name")


def _desk_reader(request):
    if not rights.may_read_review_desk(request.user):
        raise PermissionDenied(_("この画面は本部事務局と閲覧者のみが見られます。"))


def _year(request, plan):
    fiscal_year = chosen_fiscal_year(plan, request.GET.get("year"), default=entry_year_default(plan))
    return fiscal_year, plan_year_for(plan, fiscal_year)


def review_queue_view(request):
    _desk_reader(request)
    plan = plan_for_request(request)
    fiscal_year, plan_year = _year(request, plan)
    form = QueueFilterForm(request.GET, plan=plan)
    chosen = form.cleaned_data if form.is_valid() else {"status": SubmissionStatus.SUBMITTED}
    measures = desk.queue_measures(
        plan,
        plan_year,
        status=chosen.get("status") or "",
        bureau=chosen["bureau"].pk if chosen.get("bureau") else None,
        section=chosen["section"].pk if chosen.get("section") else None,
    )
    # Each approval or return asks pdca.rights again; this only decides what the page offers.
    may_act = rights.is_hq(request.user) and not rights.year_closed(plan_year)
    table = ReviewQueueTable(
        measures,
        plan_year=plan_year,
        deadline=desk.deadline_of(plan_year),
        may_act=may_act,
        order_by=request.GET.get("sort") or "submitted_at",
        typed=_typed_comments(request, measures, plan_year) if may_act else {},
    )
    RequestConfig(request).configure(table)
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "plan_years": plan.fiscal_years,
        "plan_year": plan_year,
        "form": form,
        "table": table,
        "may_act": may_act,
        "deadline": table.deadline,
        "query": request.GET.urlencode(),
    }
    return render(request, "pdca/review_queue.html", context)


def _typed_comments(request, measures, plan_year) -> dict[int, str]:
    """Return comments refused on this page (empty, too long), to show again in their rows."""
    kept = {key for key in request.session.keys() if key.startswith("typed:review:")}
    if not kept:
        return {}
    typed = {}
    for key in kept:
        _typed, _kind, measure_id, plan_year_id = key.split(":")
        if int(plan_year_id) == plan_year.pk:
            typed[int(measure_id)] = request.session.pop(key)
    return typed


def queue_url(query: str) -> str:
    """The queue with the filters it was left with; the query is re-encoded, never echoed."""
    encoded = QueryDict(query or "").urlencode()
    return f"{reverse('review_queue')}?{encoded}" if encoded else reverse("review_queue")


@require_POST
def bulk_approve_view(request):
    """Approve the selected reports: first a confirmation listing them, then all or none."""
    if not rights.is_hq(request.user):
        raise PermissionDenied(_("承認・差戻しは本部事務局のみが行えます。"))
    plan = plan_for_request(request)
    query = request.POST.get("query", "")
    ids = [int(pk) for pk in request.POST.getlist("submission") if pk.isdigit()]
    submissions = list(
        Submission.objects.filter(pk__in=ids, plan_year__plan=plan)
        .select_related("measure", "plan_year")
        .order_by("measure__order")
    )
    if not submissions:
        messages.error(request, _("承認する報告を選んでください。"))
        return redirect(queue_url(query))
    if "confirm" not in request.POST:
        return render(
            request,
            "pdca/review_confirm.html",
            {"plan": plan, "submissions": submissions, "query": query, "back_url": queue_url(query)},
        )
    try:
        submissions_approve(submissions=submissions, reviewer=request.user)
    except PermissionDenied as error:
        messages.error(request, _("%(reason)s どの報告も承認していません。") % {"reason": error})
    else:
        messages.success(request, _("%(count)d件の報告を承認しました。") % {"count": len(submissions)})
    return redirect(queue_url(query))


def status_board_view(request):
    """How many reports each section has at each status, and how many are overdue: every
    section for headquarters and viewers, their own for staff."""
    plan = plan_for_request(request)
    fiscal_year, plan_year = _year(request, plan)
    desk_reader = rights.may_read_review_desk(request.user)
    sections = None if desk_reader else rights.user_sections(request.user)
    sort = request.GET.get("sort") if request.GET.get("sort") in desk.BOARD_SORTS else "worst"
    rows = sorted(desk.board_rows(plan, plan_year, sections=sections), key=desk.BOARD_SORTS[sort])
    context = {
        "plan": plan,
        "fiscal_year": fiscal_year,
        "plan_years": plan.fiscal_years,
        "plan_year": plan_year,
        "rows": rows,
        "statuses": [(status.value, status.label) for status in desk.BOARD_STATUSES],
        "totals": desk.board_totals(rows),
        "sort": sort,
        "sorts": [("worst", _("遅れの大きい順")), ("owed", _("未提出の多い順")), ("name", _("局・所属名順"))],
        "deadline": desk.deadline_of(plan_year),
        "desk_reader": desk_reader,
        "owed_filter": desk.OWED_FILTER,
    }
    return render(request, "pdca/status_board.html", context)


class DeadlineForm(forms.Form):
    due_on = forms.DateField(
        label=gettext_lazy("提出期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("日付は 2023-05-31 のように入力してください。")},
        help_text=gettext_lazy("空にして保存すると、期限を取り消します。"),
    )


def deadlines_view(request):
    """Each plan year's submission deadline: headquarters sets it; viewers may read it."""
    _desk_reader(request)
    plan = plan_for_request(request)
    years = list(plan_years(plan))
    deadlines = dict(
        SubmissionDeadline.objects.filter(plan_year__plan=plan).values_list("plan_year__fiscal_year", "due_on")
    )
    may_set = rights.may_set_deadline(request.user)
    status = 200
    forms_by_year = {
        year.fiscal_year: DeadlineForm(
            initial={"due_on": deadlines.get(year.fiscal_year)}, prefix=str(year.fiscal_year)
        )
        for year in years
    }
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("提出期限は本部事務局のみが設定できます。"))
        fiscal_year = int(request.POST.get("fiscal_year", "0") or 0)
        plan_year = plan_year_for(plan, fiscal_year)
        form = DeadlineForm(request.POST, prefix=str(fiscal_year))
        forms_by_year[fiscal_year] = form
        if form.is_valid():
            deadline_set(plan_year=plan_year, due_on=form.cleaned_data["due_on"], user=request.user)
            messages.success(request, _("%(year)sの提出期限を保存しました。") % {"year": plan_year.label})
            return redirect("deadlines")
        status = 400
    context = {
        "plan": plan,
        "rows": [(year, deadlines.get(year.fiscal_year), forms_by_year[year.fiscal_year]) for year in years],
        "may_set": may_set,
    }
    return render(request, "pdca/deadlines.html", context, status=status)
