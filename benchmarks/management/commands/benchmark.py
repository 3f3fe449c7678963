import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from benchmarks.benchmark import (
    DEFAULT_SIZES,
    OPERATIONS,
    BenchmarkError,
    Options,
    benchmark_run,
    json_write,
    results_table,
)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--sizes はカンマ区切りの整数で指定してください: {text!r}") from exc
    if not sizes or any(size < 1 for size in sizes):
        raise CommandError(f"--sizes には 1 以上の施策数を指定してください: {text!r}")
    return sizes


class Command(BaseCommand):
    help = (
        "Time the pages, an entry save, the plan file and the exports on synthetic plans of "
        "76, 1,000 and 10,000 measures, in a throwaway database (never the real one)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", default=",".join(str(s) for s in DEFAULT_SIZES), help="measures per plan, e.g. 76,1000"
        )
        parser.add_argument("--repeat", type=int, default=5, help="timed runs per operation (the median is shown)")
        parser.add_argument(
            "--budget",
            type=float,
            default=60.0,
            help="seconds after which an operation stops repeating (it always runs once)",
        )
        parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON to FILE")
        parser.add_argument(
            "--operations",
            help="only these operations, comma-separated (e.g. dashboard,dashboard_warm); all by default",
        )

    def handle(self, *args, sizes, repeat, budget, json, operations, **options):
        if repeat < 1:
            raise CommandError("--repeat は 1 以上にしてください。")
        chosen = None
        if operations:
            chosen = frozenset(name.strip() for name in operations.split(",") if name.strip())
            unknown = sorted(chosen - set(OPERATIONS))
            if unknown:
                raise CommandError(f"--operations に知らない操作があります: {', '.join(unknown)}")
        options = Options(repeat=repeat, budget_seconds=budget, log=self.stdout.write, operations=chosen)
        # A TERM (a CI timeout, kill) unwinds like Ctrl-C, so the throwaway database is destroyed.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        try:
            report = benchmark_run(sizes=_sizes(sizes), options=options)
        except BenchmarkError as exc:
            raise CommandError(f"ベンチマークを中断しました: {exc}") from exc
        self.stdout.write(f"database: {report.database['vendor']} {report.database['version']}")
        probes = " / ".join(f"{probe} ms" for probe in report.machine["speed_probe_ms"])
        self.stdout.write(f"speed probe (before each size, then after): {probes}")
        self.stdout.write(results_table(report.figures))
        if json:
            json_write(report, json)
            self.stdout.write(f"{json} に書き出しました。")
        if report.failures:
            lines = "\n".join(f"  {f.size:,} {f.operation}: {f.error}" for f in report.failures)
            raise CommandError(f"失敗した操作があります:\n{lines}")
