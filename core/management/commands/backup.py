from django.core.management.base import BaseCommand, CommandError

from core.backup import RestoreRefused, backup_write


class Command(BaseCommand):
    help = "Write every row of the database to FILE (.xml or .xml.gz). See README: Backup."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            backup_write(file)
        except RestoreRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"バックアップを書き出しました: {file}")
