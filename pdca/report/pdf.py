"""The report as HTML and as PDF (WeasyPrint). The templates write the document; the
stylesheet `static/css/report.css` lays it out on A4 (page numbers, running heads, page
breaks) for print and on screen."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from pdca.report.selectors import Report

STYLESHEET = "css/report.css"


class RenderedPdf(NamedTuple):
    pdf: bytes
    pages: int


def report_html(report: Report) -> str:
    """The whole document as one standalone HTML page, as the PDF renders it."""
    return render_to_string("pdca/report/print.html", {"report": report})


def stylesheet_path() -> str:
    """The report's stylesheet on disk: from the project's static folders, or collected."""
    return finders.find(STYLESHEET) or str(Path(settings.STATIC_ROOT) / STYLESHEET)


def report_pdf(report: Report) -> RenderedPdf:
    """The report as PDF (A4 portrait), with its number of pages."""
    # Imported here: WeasyPrint loads Pango and the fonts, which the web pages never need.
    from weasyprint import CSS, HTML

    document = HTML(string=report_html(report), base_url=str(settings.BASE_DIR)).render(
        stylesheets=[CSS(filename=stylesheet_path())]
    )
    return RenderedPdf(document.write_pdf(), len(document.pages))
