"""Write the meeting workbook of a fiscal year to a file, e.g. from a scheduled job."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from measures.models import Plan
from measures.selectors import plan_current
from pdca.workbook.exports import meeting_workbook_write


class Command(BaseCommand):
    help = "Write the meeting workbook (概要 and 施策一覧) of a fiscal year to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True, help="fiscal year, e.g. 2021 (令和3年度)")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--plan", help="plan code (default: the newest plan)")

    def handle(self, *args, fiscal_year: int, output: str, plan: str | None, **options):
        if plan and not Plan.objects.filter(code=plan).exists():
            raise CommandError(_("計画「%(code)s」はありません。") % {"code": plan})
        the_plan = plan_current(plan)
        if fiscal_year not in the_plan.fiscal_years:
            raise CommandError(
                _("%(year)d は計画期間（%(period)s）の年度ではありません。")
                % {"year": fiscal_year, "period": the_plan.period_label}
            )
        meeting_workbook_write(plan=the_plan, fiscal_year=fiscal_year, output=output)
        self.stdout.write(_("%(path)s を書き出しました。") % {"path": output})
