"""Excel: the meeting workbook (headquarters and viewers), and the department template
(download, upload, preview, confirm) for those who enter results."""

from __future__ import annotations

import tempfile
from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.fiscal_year import reiwa_label
from indicators.selectors import chosen_fiscal_year, default_fiscal_year
from measures.selectors import plan_current, plan_for_request
from pdca import rights
from pdca.models import FileEventKind
from pdca.selectors import chosen_basis
from pdca.services import file_event_record
from pdca.workbook.exports import (
    WorkbookRefused,
    meeting_workbook_filename,
    meeting_workbook_plan,
    meeting_workbook_write,
)
from pdca.workbook.forms import TemplateUploadForm
from pdca.workbook.imports import UploadError, UploadPreview, template_upload_apply, template_upload_read
from pdca.workbook.template import department_template_write

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "pdca.workbook.upload"


def _xlsx_response(output, filename: str) -> FileResponse:
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX)


@require_GET
def workbook_download_view(request):
    """The meeting workbook of a year. Written to a temporary file, not to memory: it can be
    large. A plan or year it cannot be made for is refused with the command's words."""
    if not rights.may_export(request.user):
        raise PermissionDenied(_("会議資料のExcelをダウンロードする権限がありません。"))
    plan_code = request.GET.get("plan") or plan_for_request(request).code
    year = request.GET.get("year")
    try:
        if year is None:
            year = default_fiscal_year(plan_current(plan_code))
        plan, fiscal_year = meeting_workbook_plan(plan_code=plan_code, year=year)
    except (WorkbookRefused, Http404) as refusal:
        message = getattr(refusal, "message", str(refusal))
        status = 404 if getattr(refusal, "not_found", True) else 400
        return render(request, "pdca/workbook_refused.html", {"message": message}, status=status)
    output = tempfile.TemporaryFile()
    basis = chosen_basis(request.user, request.GET.get("basis"))
    meeting_workbook_write(plan=plan, fiscal_year=fiscal_year, output=output, basis=basis)
    filename = meeting_workbook_filename(fiscal_year)
    file_event_record(
        user=request.user, kind=FileEventKind.MEETING_WORKBOOK, fiscal_year=fiscal_year, file_name=filename
    )
    return _xlsx_response(output, filename)


@require_GET
def workbook_template_view(request):
    """The department template of the measures this user enters results for, in one year."""
    if not rights.may_use_template(request.user):
        raise PermissionDenied(_("実績入力のテンプレートをダウンロードする権限がありません。"))
    plan = plan_for_request(request)
    plan_year = plan.years.get(fiscal_year=chosen_fiscal_year(plan, request.GET.get("year")))
    output = BytesIO()
    department_template_write(user=request.user, plan_year=plan_year, output=output)
    filename = _("実績入力_%(year)s.xlsx") % {"year": reiwa_label(plan_year.fiscal_year)}
    file_event_record(
        user=request.user, kind=FileEventKind.TEMPLATE_DOWNLOAD, fiscal_year=plan_year.fiscal_year, file_name=filename
    )
    return _xlsx_response(output, filename)


@require_http_methods(["GET", "POST"])
def workbook_upload_view(request):
    """Upload → preview (nothing written) → confirm or cancel."""
    if not rights.may_use_template(request.user):
        raise PermissionDenied(_("実績をアップロードする権限がありません。"))
    if request.method == "POST" and ("confirm" in request.POST or "cancel" in request.POST):
        return _confirm(request)
    plan = plan_for_request(request)
    form = _form(request, plan)
    preview, problems = None, []
    if form.is_bound and form.is_valid():
        plan_year = plan.years.get(fiscal_year=form.cleaned_data["year"])
        request.session.pop(SESSION_KEY, None)
        upload = form.cleaned_data["file"]
        try:
            preview = template_upload_read(user=request.user, plan_year=plan_year, upload=upload)
        except UploadError as error:
            problems = error.messages
            outcome = _("受付不可（%(count)d件の問題）") % {"count": len(problems)}
        else:
            outcome = _("確認画面へ（変更 %(count)d 件）") % {"count": len(preview.changes)}
        file_event_record(
            user=request.user,
            kind=FileEventKind.TEMPLATE_UPLOAD,
            fiscal_year=plan_year.fiscal_year,
            file_name=upload.name,
            outcome=outcome,
        )
        if preview is not None:
            if preview.updates:
                request.session[SESSION_KEY] = {**preview.as_session_data(), "plan": plan.code, "user": request.user.pk}
    elif form.is_bound and request.FILES.get("file") is not None:
        file_event_record(
            user=request.user,
            kind=FileEventKind.TEMPLATE_UPLOAD,
            fiscal_year=None,
            file_name=request.FILES["file"].name,
            outcome=_("受付不可（ファイル・年度の確認で不可）"),
        )
    return _page(request, plan, form, preview=preview, problems=problems)


def _form(request, plan) -> TemplateUploadForm:
    initial = {"year": chosen_fiscal_year(plan, request.GET.get("year"))}
    return TemplateUploadForm(request.POST or None, request.FILES or None, plan=plan, initial=initial)


def _page(request, plan, form, *, preview=None, problems=()):
    fiscal_year = getattr(form, "cleaned_data", {}).get("year") or form.initial["year"]
    context = {"plan": plan, "fiscal_year": fiscal_year, "form": form, "preview": preview, "problems": problems}
    status = 400 if problems or form.errors else 200
    return render(request, "pdca/workbook_upload.html", context, status=status)


def _confirm(request):
    """Save the preview kept in the session, if it is the one the clerk confirms; a refusal
    is shown on the upload page (nothing was written)."""
    pending = request.session.pop(SESSION_KEY, None)
    if "cancel" in request.POST:
        messages.info(request, _("アップロードを取り消しました。何も保存していません。"))
        return redirect("workbook_upload")
    plan = plan_current(pending["plan"]) if pending else plan_for_request(request)
    if not pending or pending.get("digest") != request.POST.get("digest") or pending.get("user") != request.user.pk:
        problem = _(
            "確認の有効期限が切れたか、別のファイルがアップロードされました。もう一度アップロードしてください。"
        )
        form = TemplateUploadForm(plan=plan, initial={"year": chosen_fiscal_year(plan, request.GET.get("year"))})
        return _page(request, plan, form, problems=[problem])
    preview = UploadPreview.from_session_data(pending)
    plan_year = plan.years.get(fiscal_year=preview.fiscal_year)
    try:
        count = template_upload_apply(user=request.user, plan_year=plan_year, preview=preview)
    except UploadError as error:
        form = TemplateUploadForm(plan=plan, initial={"year": preview.fiscal_year})
        return _page(request, plan, form, problems=error.messages)
    file_event_record(
        user=request.user,
        kind=FileEventKind.TEMPLATE_SAVE,
        fiscal_year=preview.fiscal_year,
        outcome=_("%(count)d件の施策を保存") % {"count": count},
    )
    messages.success(request, _("%(count)d件の施策の入力内容を保存しました。") % {"count": count})
    return redirect(f"{reverse('worklist')}?year={preview.fiscal_year}")
