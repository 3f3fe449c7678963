from django.core.management.base import BaseCommand, CommandError

from indicators.plan_file import plan_export_json
from measures.models import Plan


class Command(BaseCommand):
    help = "Print a plan as a plan file (docs/plan-format.md)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--plan", help="plan code (default: the only plan, or the latest)")
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, *args, plan=None, output=None, **options):
        plans = Plan.objects.all()
        selected = plans.filter(code=plan).first() if plan else plans.first()
        if selected is None:
            raise CommandError("計画がありません。" if not plan else f"計画 {plan!r} はありません。")
        text = plan_export_json(selected)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
