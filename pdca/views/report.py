"""The inspection report (点検報告書): the PDF or the HTML page of a year (headquarters and
viewers), publishing an edition (headquarters), and the published editions (public)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.fiscal_year import reiwa_label
from indicators.selectors import default_fiscal_year
from measures.selectors import plan_for_request
from pdca import rights
from pdca.models import ReportEdition
from pdca.report.forms import ReportForm
from pdca.report.pdf import report_pdf
from pdca.report.selectors import report_read
from pdca.report.services import PublishConflict, report_edition_publish


def _pdf_response(pdf: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def _form(request, plan) -> ReportForm:
    data = request.GET if request.method == "GET" else request.POST
    return ReportForm(data, plan=plan, default_year=default_fiscal_year(plan))


@require_GET
def report_view(request):
    """`?year=2021` → the PDF; `&format=html` → the same document as a page; `&also=CODE`
    adds another plan's part."""
    if not rights.may_export(request.user):
        raise PermissionDenied(_("点検報告書を表示する権限がありません。"))
    plan = plan_for_request(request)
    form = _form(request, plan)
    if not form.is_valid():
        return _page(request, plan, form, report=None, status=400)
    fiscal_year = form.cleaned_data["year"]
    report = report_read(plans=form.cleaned_data["plans"], fiscal_year=fiscal_year)
    if form.cleaned_data["format"] == "html":
        return _page(request, plan, form, report=report)
    filename = _("点検報告書_%(year)s.pdf") % {"year": reiwa_label(fiscal_year)}
    return _pdf_response(report_pdf(report).pdf, filename)


def _page(request, plan, form, *, report, status: int = 200):
    fiscal_year = form.cleaned_data.get("year") or default_fiscal_year(plan)
    query = {"year": fiscal_year, "also": form.cleaned_data.get("also", [])}
    context = {
        "plan": plan,
        "form": form,
        "report": report,
        "fiscal_year": fiscal_year,
        "pdf_url": f"{reverse('report')}?{urlencode(query, doseq=True)}",
        "may_publish": rights.may_publish_report(request.user),
        "editions": ReportEdition.objects.filter(plan=plan, fiscal_year=fiscal_year)
        .select_related("published_by")
        .defer("pdf")
        .order_by("-number"),
    }
    return render(request, "pdca/report/report.html", context, status=status)


@require_POST
def report_publish_view(request):
    """Publish the report of a year as its next edition (headquarters)."""
    if not rights.may_publish_report(request.user):
        raise PermissionDenied(_("点検報告書を公表する権限がありません。"))
    plan = plan_for_request(request)
    form = _form(request, plan)
    if not form.is_valid():
        return _page(request, plan, form, report=None, status=400)
    try:
        edition = report_edition_publish(
            plans=form.cleaned_data["plans"], fiscal_year=form.cleaned_data["year"], user=request.user
        )
    except PublishConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(year)sの点検報告書 第%(number)d版を公表しました（%(pages)dページ）。")
            % {"year": reiwa_label(edition.fiscal_year), "number": edition.number, "pages": edition.pages},
        )
    query = {"year": form.cleaned_data["year"], "also": form.cleaned_data["also"], "format": "html"}
    return redirect(f"{reverse('report')}?{urlencode(query, doseq=True)}")


@login_not_required
@require_GET
def report_edition_view(request, plan_code: str, fiscal_year: int, number: int | None = None):
    """A published edition exactly as published (the latest without `number`): public, as
    everything in it was approved and published by headquarters."""
    editions = ReportEdition.objects.filter(plan__code=plan_code, fiscal_year=fiscal_year)
    edition = get_object_or_404(editions, number=number) if number is not None else editions.order_by("-number").first()
    if edition is None:
        raise Http404(_("この年度の点検報告書はまだ公表されていません。"))
    filename = _("点検報告書_%(year)s_第%(number)d版.pdf") % {
        "year": reiwa_label(edition.fiscal_year),
        "number": edition.number,
    }
    response = _pdf_response(bytes(edition.pdf), filename)
    response.headers["ETag"] = f'"{edition.sha256}"'
    # A numbered edition never changes; "the latest" changes when headquarters publishes again.
    if number is not None:
        patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
