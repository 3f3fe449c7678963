from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.backup import RestoreRefused, restore_read


class Command(BaseCommand):
    help = "Migrate a fresh database and load FILE (a `backup` file) into it, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        try:
            restore_read(file)
        except RestoreRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"復元しました: {file}")
