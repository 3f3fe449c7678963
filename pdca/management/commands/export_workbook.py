"""Write the meeting workbook of a fiscal year to a file, e.g. from a scheduled job."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from indicators.basis import DEFAULT_BASIS, Basis
from pdca.workbook.exports import (
    WorkbookRefused,
    meeting_workbook_filename,
    meeting_workbook_plan,
    meeting_workbook_write,
)


class Command(BaseCommand):
    help = "Write the meeting workbook of a fiscal year to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", required=True, help="fiscal year, e.g. 2021 (令和3年度)")
        parser.add_argument(
            "-o",
            "--output",
            help="the .xlsx file to write (default: the download's name, e.g. 進捗状況_令和3年度.xlsx)",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="the workbook's language: its labels, fiscal years and file name (default: %(default)s)",
        )
        parser.add_argument("--plan", help="plan code (default: the newest plan)")
        parser.add_argument(
            "--basis",
            choices=Basis.values,
            default=DEFAULT_BASIS.value,
            help="which reports the figures count (default: submitted, 提出済以上)",
        )

    def handle(
        self, *args, fiscal_year: str, output: str | None, plan: str | None, basis: str, language: str, **options
    ):
        with translation.override(language):
            # The download's checks and words (`meeting_workbook_plan`): one path for both.
            try:
                the_plan, year = meeting_workbook_plan(plan_code=plan, year=fiscal_year)
            except WorkbookRefused as refusal:
                raise CommandError(refusal.message) from None
            output = output or meeting_workbook_filename(year)
            meeting_workbook_write(plan=the_plan, fiscal_year=year, output=output, basis=basis)
            self.stdout.write(_("%(path)s を書き出しました。") % {"path": output})
