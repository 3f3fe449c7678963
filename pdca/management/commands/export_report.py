"""Write the inspection report (点検報告書) of a fiscal year to a PDF or HTML file."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from measures.models import Plan
from measures.selectors import plan_current
from pdca.report.forms import ReportForm
from pdca.report.pdf import report_html, report_pdf
from pdca.report.selectors import report_read


class Command(BaseCommand):
    help = "Write the inspection report of a fiscal year (approved reports only) to a .pdf or .html file."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="fiscal year, e.g. 2021 (令和3年度)")
        parser.add_argument("-o", "--output", required=True, help="the file to write (.pdf, or .html for HTML)")
        parser.add_argument("--plan", help="plan code (default: the newest plan)")
        parser.add_argument(
            "--also", action="append", default=[], metavar="CODE", help="another plan to include in a part of its own"
        )

    def handle(self, *args, fiscal_year: int, output: str, plan: str | None, also: list[str], **options):
        if plan and not Plan.objects.filter(code=plan).exists():
            raise CommandError(_("計画「%(code)s」はありません。") % {"code": plan})
        main = plan_current(plan)
        form = ReportForm({"year": str(fiscal_year), "also": also}, plan=main, default_year=fiscal_year)
        if not form.is_valid():
            raise CommandError(" ".join(message for errors in form.errors.values() for message in errors))
        report = report_read(plans=form.cleaned_data["plans"], fiscal_year=fiscal_year)
        if output.endswith(".html"):
            with open(output, "w", encoding="utf-8") as file:
                file.write(report_html(report))
            self.stdout.write(_("%(path)s を書き出しました。") % {"path": output})
            return
        rendered = report_pdf(report)
        with open(output, "wb") as file:
            file.write(rendered.pdf)
        self.stdout.write(
            _("%(path)s を書き出しました（%(pages)dページ）。") % {"path": output, "pages": rendered.pages}
        )
