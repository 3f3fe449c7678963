"""E-mail each section's staff the reports they still owe; at most once a day per section."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pdca.reminders import reminders_send

RESULTS = {
    "sent": "送信しました",
    "already_sent": "本日は送信済みのため送りません",
    "no_recipients": "宛先（メールアドレスのある担当者）がいないため送りません",
    "dry_run": "送信します（--dry-run のため送っていません）",
}


class Command(BaseCommand):
    help = "各所属の担当者に、未提出・差戻し・期限超過の年度報告の一覧をメールで送ります（1所属1日1回まで）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="送らずに、送る内容の要約だけを表示します。")

    def handle(self, *args, dry_run: bool = False, **options):
        outcomes = reminders_send(dry_run=dry_run)
        for outcome in outcomes:
            self.stdout.write(
                f"{outcome.section.bureau.name} {outcome.section.name}：報告 {outcome.reports} 件、"
                f"宛先 {len(outcome.recipients)} 人 … {RESULTS[outcome.result]}"
            )
        sent = sum(outcome.result == "sent" for outcome in outcomes)
        self.stdout.write(f"送信 {sent} 通（対象の所属 {len(outcomes)}）")
