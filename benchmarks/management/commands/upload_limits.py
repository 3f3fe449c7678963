import resource
import time
import tracemalloc
from io import BytesIO

from django.core.management.base import BaseCommand
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from benchmarks.hostile_uploads import lying_zip_bomb, padded_template, zip_bomb
from pdca.workbook.imports.container import container_check
from pdca.workbook.imports.values import UploadError


def _plain_template() -> bytes:
    """A workbook the size of a section's template (no database needed): the hostile files
    are built on it, and the inspection refuses them before any identity is checked."""
    workbook = Workbook()
    sheet = workbook.active
    for row in range(1, 60):
        for column in range(1, 12):
            sheet.cell(row, column, value=f"施策{row}-{column}" if column % 2 else row * column)
    sheet.cell(1, 1).font = Font(bold=True)  # a second cell style, which the padding cells use
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = (
        "Time and memory of refusing the hostile department templates (a sheet padded with "
        "1.7 million cells, zip bombs); --openpyxl also loads the padded file as the reader "
        "used to, for comparison (slow, and it takes hundreds of megabytes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl loading the padded file")

    def handle(self, *args, openpyxl, **options):
        base = _plain_template()
        files = {
            "padded (1.7M cells)": padded_template(base),
            "zip bomb, true sizes": zip_bomb(base),
            "zip bomb, lying sizes": lying_zip_bomb(base),
        }
        self.stdout.write(f"{'file':<24}{'size':>10}{'refused in':>13}{'traced peak':>14}{'RSS growth':>13}  message")
        for name, data in files.items():
            rss_before = _peak_rss_mb()
            # Untimed under tracemalloc, which slows every allocation: timed alone first.
            started = time.perf_counter()
            try:
                container_check(data)
                message = "ACCEPTED"
            except UploadError as error:
                message = error.messages[0]
            seconds = time.perf_counter() - started
            tracemalloc.start()
            try:
                container_check(data)
            except UploadError:
                pass
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            self.stdout.write(
                f"{name:<24}{len(data) / 1e6:>8.2f}MB{seconds * 1000:>10.0f} ms{peak / 1e6:>11.1f} MB"
                f"{_peak_rss_mb() - rss_before:>10.1f} MB  {message[:40]}"
            )
        if openpyxl:
            rss_before = _peak_rss_mb()
            started = time.perf_counter()
            load_workbook(BytesIO(files["padded (1.7M cells)"]))
            self.stdout.write(
                f"openpyxl loading the padded file: {time.perf_counter() - started:.1f} s, "
                f"peak RSS growth {_peak_rss_mb() - rss_before:.0f} MB"
            )
