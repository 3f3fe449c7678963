from django.core.management.base import BaseCommand, CommandError

from indicators.plan_file import PlanFileError, plan_file_read, plan_load


class Command(BaseCommand):
    help = "Load (or update in place) a plan from a plan file (docs/plan-format.md). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the plan file, e.g. fixtures/kanagawa_ict_2019.json")

    def handle(self, *args, path, **options):
        try:
            summary = plan_load(plan_file_read(path), source=path)
        except PlanFileError as exc:
            raise CommandError(f"計画ファイルを読み込めませんでした（何も変更していません）:\n{exc}") from exc
        self.stdout.write(
            f"{summary.plan.name}: 施策 {summary.measures} / 成果指標 {summary.indicators} / "
            f"目標 {summary.targets} を読み込みました。"
        )
