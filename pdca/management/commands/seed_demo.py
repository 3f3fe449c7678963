from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from indicators.models import Actual
from measures.models import Plan
from pdca.demo import DEMO_ACCOUNTS, demo_accounts_create, demo_data_clear, demo_data_create


class Command(BaseCommand):
    help = "Create the demo accounts and demo data (R1–R3); --clear removes the demo data only."

    def add_arguments(self, parser):
        parser.add_argument("--clear", action="store_true", help="remove demo data, keep real entries")
        parser.add_argument(
            "--allow-demo",
            action="store_true",
            help="create the demo accounts even with DJANGO_DEBUG=0 (a demonstration server)",
        )

    def handle(self, *args, clear=False, allow_demo=False, **options):
        if clear:
            demo_data_clear()
            self.stdout.write("デモデータを削除しました。")
            return
        plan = Plan.objects.order_by("-first_fiscal_year").first()
        if plan is None:
            raise CommandError("計画がありません。先に load_plan を実行してください。")
        try:
            demo_accounts_create(allow=allow_demo)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        if Actual.objects.filter(is_demo=True).exists():
            self.stdout.write("デモデータは作成済みです。")
        else:
            count = demo_data_create(plan)
            self.stdout.write(f"デモの実績 {count} 件を作成しました。")
        self.stdout.write("デモアカウント: " + ", ".join(a[0] for a in DEMO_ACCOUNTS))
