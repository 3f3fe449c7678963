"""Measured speed at any size (`manage.py benchmark`): how long the pages, a save, the plan
file and the exports take for plans of 76, 1,000 and 10,000 measures, next to the number
of queries each costs and, where one exists, a floor: the same result produced the
cheapest way we can write by hand. A ratio to the floor says how much the product's own
layers cost, which a bare time cannot.

Everything runs in a throwaway database made by Django's test machinery, so the real
database is never opened; on PostgreSQL (DATABASE_URL) the benchmark measures PostgreSQL.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse

from benchmarks import workbook_floors
from benchmarks.synthetic import synthetic_plan_create
from indicators import plausibility
from indicators.basis import Basis
from indicators.models import GroupResult, MeasureResult
from indicators.plan_file import plan_export, plan_export_json, plan_load
from measures.models import Bureau, Field, Measure, MeasureSection, Pillar, PlanYear, Section, SubPillar
from measures.selectors import TREE_SUBPILLARS_PER_PAGE
from pdca.filters import CHOICE_LIMIT
from pdca.models import Profile, Role, Submission, SubmissionStatus
from pdca.selectors import HISTORY_LIMIT, WORKLIST_PER_PAGE, entry_state
from pdca.services import report_bases_sync, submission_for

DEFAULT_SIZES = (76, 1_000, 10_000)
FISCAL_YEAR = 2021  # R3: the latest year with actuals in a synthetic plan
OPERATIONS = (
    "measure_list",
    "measure_list_warm",
    "plan_tree",
    "plan_tree_warm",
    "worklist",
    "measure_detail",
    "plan_review",
    "entry_save",
    "plan_load",
    "plan_export",
    "dashboard",
    "dashboard_warm",
    "workbook",
    "workbook_cells",
    "workbook_reads",
    "report_html",
    "report_pdf",
)
# The inspection report's PDF is timed up to this size: at 10,000 measures it runs to some
# 8,000 pages, a document nobody prints, and one render would take most of an hour.
REPORT_PDF_MAX_SIZE = 1_000
# Pages other developers are building: measured once their URL names resolve, null until then.
PAGES_IN_PROGRESS = {"dashboard": "dashboard", "workbook": "workbook_download"}
JSON_KEYS = ("size", "operation", "median_ms", "queries", "floor_ms", "ratio", "peak_mb")


class BenchmarkError(Exception):
    """An operation did not do what it should (an error page, a rejected form)."""


@dataclass
class Figure:
    """One operation at one size; None where a figure does not apply."""

    size: int
    operation: str
    median_ms: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    peak_mb: float | None = None
    runs: int = 0
    error: str | None = None  # printed, and makes the command fail; not part of the JSON

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: data[key] for key in JSON_KEYS}


@dataclass
class Operation:
    """Something to time. `prepare` runs before every run, untimed (e.g. read the version a
    form is built from). `floor_for` turns one run's output into the floor's callable."""

    name: str
    run: Callable[[], Any] | None  # None: the page does not exist (yet)
    prepare: Callable[[], None] = lambda: None
    floor_for: Callable[[Any], Callable[[], Any]] | None = None
    warm_up: bool = True
    trace_memory: bool = False
    finish: Callable[[], None] = lambda: None  # after the last run: let go of what prepare made


@dataclass
class Options:
    """Runs per operation, at most; an operation stops early, after at least one run, once its
    runs have taken `budget_seconds` (one plan load of 10,000 measures takes minutes)."""

    repeat: int = 5
    budget_seconds: float = 60.0
    log: Callable[[str], None] = field(default=lambda message: None)
    # Only these operations (names from OPERATIONS), or all of them.
    operations: frozenset[str] | None = None


@dataclass
class Report:
    machine: dict[str, Any]
    database: dict[str, Any]
    figures: list[Figure]

    def as_json(self) -> dict[str, Any]:
        return {"machine": self.machine, "database": self.database, "results": [f.as_json() for f in self.figures]}

    @property
    def failures(self) -> list[Figure]:
        return [f for f in self.figures if f.error]


class QueryCounter:
    """Counts every execute and executemany on a connection.

    CaptureQueriesContext keeps at most 9,000 queries (Django's query log is a bounded deque),
    so it under-counts a plan load of 10,000 measures; an execute wrapper counts any number
    without keeping the SQL, and costs too little to disturb the timing."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        self.count = 0
        with self.connection.execute_wrapper(self):
            yield self


@contextmanager
def throwaway_database(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A fresh, migrated database beside the configured one, destroyed afterwards.

    The name is set here rather than left to Django's default (`test_<NAME>`), so that a
    benchmark never clobbers the database of a test run going on at the same time; SQLite
    gets a file rather than memory, so that its figures are those of the embedded default.
    """
    connection = connections[alias]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    previous_test_name = test_settings.get("NAME")
    with tempfile.TemporaryDirectory(prefix="kanagawa-benchmark-") as folder:
        if connection.vendor == "sqlite":
            test_settings["NAME"] = str(Path(folder) / "benchmark.sqlite3")
        else:
            test_settings["NAME"] = f"test_{connection.settings_dict['NAME']}_benchmark_{os.getpid()}"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
            test_settings["NAME"] = previous_test_name


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or None,
        "memory_gb": None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass  # not Linux: the platform string says enough
    return info


def database_info(alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        version = connection.Database.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version}


def benchmark_run(*, sizes: list[int], options: Options) -> Report:
    """Build each size in a throwaway database and time every operation on it."""
    figures: list[Figure] = []
    # The manifest of collected static files does not exist in a throwaway run; pages link
    # their stylesheet by its plain name instead, as in the test settings.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Not Django's test environment: it instruments every template render (a signal and a
    # copy of the context per template, for assertions the benchmark does not make), which
    # production does not pay. The test client only needs its host allowed, and queries
    # are not logged, as with DEBUG off in production.
    environment = override_settings(
        STORAGES=storages, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False
    )
    with throwaway_database(), environment, warnings.catch_warnings():
        # WhiteNoise warns that STATIC_ROOT does not exist: nothing is collected in a throwaway run.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        database = database_info()
        probes = []
        for size in sizes:
            probes.append(_speed_probe(options))
            figures.extend(SizeRun(size, options).figures())
        probes.append(_speed_probe(options))
    return Report(machine={**machine_info(), "speed_probe_ms": probes}, database=database, figures=figures)


def speed_probe_ms() -> float:
    """A fixed piece of plain Python (building, sorting and summing dicts), timed: a VM's
    speed drifts by a third or more within minutes, and a run's figures compare with another
    run's only as far as its probes do. The best of five, to see the machine, not a hiccup;
    without the garbage collector, whose passes cost more the more objects the process holds."""
    times = []
    gc.disable()
    try:
        for _ in range(5):
            started = time.perf_counter()
            rows = [{"id": i, "name": f"施策{i}", "rate": i % 97 / 97} for i in range(20_000)]
            rows.sort(key=lambda row: (row["rate"], row["name"]))
            sum(row["rate"] for row in rows)
            times.append(time.perf_counter() - started)
    finally:
        gc.enable()
    return _ms(min(times))


def _speed_probe(options: Options) -> float:
    probe = speed_probe_ms()
    options.log(f"速さの目安（定型の Python 処理）: {probe} ms")
    return probe


class SizeRun:
    """One size: a fresh synthetic plan, a headquarters user, and every operation on them."""

    def __init__(self, size: int, options: Options):
        self.size = size
        self.options = options
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.counter = QueryCounter(self.connection)

    def figures(self) -> list[Figure]:
        self._build()
        figures = []
        for operation in self._operations():
            if self.options.operations is not None and operation.name not in self.options.operations:
                continue
            if operation.run is None:
                figures.append(Figure(self.size, operation.name))
                continue
            try:
                figure = self._measure(operation)
            except Exception as exc:  # one broken operation must not hide the others' figures
                figure = Figure(self.size, operation.name, error=f"{type(exc).__name__}: {exc}"[:500])
            self.options.log(_figure_line(figure))
            figures.append(figure)
        return figures

    def _build(self) -> None:
        # Each size starts from an empty database, so that a size's figures do not depend on
        # the sizes measured before it.
        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()  # flush recreated the content types with new ids
        started = time.perf_counter()
        self.plan = synthetic_plan_create(measures=self.size, code=f"benchmark-{self.size}")
        self.options.log(f"{self.size:,} 施策の合成計画を {time.perf_counter() - started:.1f} 秒で作成しました。")
        if self.connection.vendor == "postgresql":
            # A bulk-built database has no planner statistics or visibility map yet, and
            # autovacuum would arrive to make them in the middle of the timed runs, competing
            # for the machine's two cores. Measure the steady state of a running database.
            with self.connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        user = User.objects.create_user(username="benchmark-hq")
        Profile.objects.create(user=user, role=Role.HQ)
        self.client = Client()
        self.client.force_login(user)
        self.measure = self._measure_of_the_common_shape()
        self.plan_year = PlanYear.objects.get(plan=self.plan, fiscal_year=FISCAL_YEAR)
        self.query = f"?plan={self.plan.code}&year={FISCAL_YEAR}"
        # A measure worked on for years: saved through its form until its page's history
        # reads a full window of every kind the form writes, the most that page ever reads.
        history = EntryPost(self)
        for _ in range(HISTORY_LIMIT + 1):
            history.prepare()
            history.run()

    def _measure_of_the_common_shape(self) -> Measure:
        """The measure whose page and entry form are timed: of the commonest shape in every
        synthetic plan (three indicators, one a milestone, none cumulative, all reported for the
        year; two schedule rows that year; one owning section), the middle one. Saving a measure
        of the same shape at every size does the same writes, so its query count can be
        compared (a cumulative indicator adds the query for last year's value)."""
        year = FISCAL_YEAR
        shaped = (
            self.plan.measures.annotate(
                n_indicators=Count("indicators", distinct=True),
                n_reported=Count(
                    "indicators__actuals", filter=Q(indicators__actuals__plan_year__fiscal_year=year), distinct=True
                ),
                n_milestones=Count("indicators", filter=Q(indicators__kind="milestone"), distinct=True),
                n_cumulative=Count("indicators", filter=Q(indicators__cumulative=True), distinct=True),
                n_items=Count("schedule_items", filter=Q(schedule_items__years__fiscal_year=year), distinct=True),
                n_sections=Count("measure_sections", distinct=True),
            )
            .filter(n_indicators=3, n_reported=3, n_milestones=1, n_cumulative=0, n_items=2, n_sections=1)
            .order_by("order")
        )
        candidates = list(shaped.values_list("pk", flat=True))
        if not candidates:  # a plan too small to hold that shape
            return self.plan.measures.order_by("order")[self.size // 2]
        return Measure.objects.get(pk=candidates[len(candidates) // 2])

    def _operations(self) -> list[Operation]:
        document = plan_export(self.plan)
        entry = EntryPost(self)
        measure_detail = reverse("measure_detail", kwargs={"code": self.measure.code}) + self.query
        operations = [
            *self._page("measure_list", reverse("measure_list") + self.query, self._list_floor),
            *self._page("plan_tree", reverse("plan_tree") + self.query, self._tree_floor),
            # As a running server serves them: the cache as the previous run left it.
            # The page that holds the measure worked on (a draft report), as at 76 measures,
            # whose one page holds it: every size then shows one report awaiting the section.
            Operation(
                "worklist", lambda: self._get(reverse("worklist") + self.query + f"&page={self._worklist_page()}")
            ),
            Operation("measure_detail", lambda: self._get(measure_detail)),
            # The plan-period review (総括評価): counts over every measure, one page of rows.
            Operation("plan_review", lambda: self._get(reverse("plan_review") + self.query), prepare=cache.clear),
            Operation("entry_save", entry.run, prepare=entry.prepare),
            # Loading its own export updates the plan in place and changes nothing, so every run
            # does the same work; one run at 10,000 measures takes minutes, hence no warm-up.
            Operation("plan_load", lambda: plan_load(document, source="benchmark"), warm_up=False),
            Operation("plan_export", lambda: plan_export_json(self.plan), trace_memory=True),
        ]
        dashboard = page_url(PAGES_IN_PROGRESS["dashboard"])
        if dashboard:
            operations.extend(self._page("dashboard", dashboard + self.query, self._rollup_floor))
        else:
            operations.extend([Operation("dashboard", None), Operation("dashboard_warm", None)])
        workbook = page_url(PAGES_IN_PROGRESS["workbook"])
        if workbook:
            parts = WorkbookParts(self, workbook + self.query)
            operations += [
                Operation(
                    "workbook", lambda: self._get(workbook + self.query), floor_for=parts.floor, trace_memory=True
                ),
                # What the workbook costs at least, against the same floor (see workbook_floors):
                # XlsxWriter writing the very cells the product wrote, formats and all; the reads.
                Operation(
                    "workbook_cells",
                    parts.cells,
                    prepare=parts.cells_prepare,
                    floor_for=parts.floor,
                    finish=parts.cells_done,
                ),
                Operation(
                    "workbook_reads", parts.reads, prepare=parts.reads_prepare, floor_for=parts.floor, finish=parts.done
                ),
            ]
        else:
            operations += [Operation(name, None) for name in ("workbook", "workbook_cells", "workbook_reads")]
        # Last, as they first mark every report up to the year approved (the report shows
        # approved reports only), which the other operations must not see.
        report = reverse("report") + self.query
        operations.append(
            Operation("report_html", lambda: self._get(report + "&format=html"), prepare=self._reports_approved)
        )
        operations.append(
            # No warm-up: one render at 1,000 measures takes minutes; the first run also pays
            # for loading WeasyPrint and the fonts.
            Operation("report_pdf", lambda: self._get(report), warm_up=False)
            if self.size <= REPORT_PDF_MAX_SIZE
            else Operation("report_pdf", None)
        )
        return operations

    def _worklist_page(self) -> int:
        """The worklist page (plan order, WORKLIST_PER_PAGE a page) holding the timed measure."""
        before = self.plan.measures.filter(order__lt=self.measure.order).count()
        return before // WORKLIST_PER_PAGE + 1

    def _reports_approved(self) -> None:
        """Every measure's report approved, with its texts, for each year up to the one timed
        (once): the inspection report then shows every figure and text, as in a real year."""
        if getattr(self, "reports_approved", False):
            return
        years = list(PlanYear.objects.filter(plan=self.plan, fiscal_year__lte=FISCAL_YEAR))
        text = "年度計画に沿って取組を進め、所期の成果を得た。" * 3
        texts = {"achievements_text": text, "self_assessment": "on_track", "issues_text": text, "next_steps_text": text}
        # The measure saved through its form above keeps its report, approved like the rest.
        Submission.objects.filter(plan_year__in=years).update(status=SubmissionStatus.APPROVED, **texts)
        Submission.objects.bulk_create(
            [
                Submission(measure_id=measure_id, plan_year=year, status=SubmissionStatus.APPROVED, version=1, **texts)
                for measure_id in self.plan.measures.values_list("pk", flat=True)
                for year in years
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        report_bases_sync(plan=self.plan)
        self.reports_approved = True

    def _page(self, name: str, url: str, floor_for) -> list[Operation]:
        """A page timed twice: with the cache emptied before every run (`name`: everything
        read and rendered), then served from a warm cache (`name_warm`: the warm-up run fills
        it, and nothing is written in between). Both against the same floor."""
        return [
            Operation(name, lambda: self._get(url), prepare=cache.clear, floor_for=floor_for),
            Operation(f"{name}_warm", lambda: self._get(url), floor_for=floor_for),
        ]

    def _get(self, url: str) -> bytes:
        # secure=True: with production settings an http request is only redirected to https.
        response = self.client.get(url, secure=True)
        try:
            body = b"".join(response.streaming_content) if response.streaming else response.content
        finally:
            response.close()
        if response.status_code != 200:
            raise BenchmarkError(f"GET {url}: HTTP {response.status_code}")
        return body

    def _measure(self, operation: Operation) -> Figure:
        figure = Figure(self.size, operation.name)
        output = None
        if operation.warm_up:
            # The first run pays for imports and template compilation (and fills the cache
            # for a warm operation); it is not timed.
            operation.prepare()
            output = operation.run()
        # A floor is timed before the first run of its operation and after each run, so that
        # every run lies between two of its floor's and both see the same moments of a machine
        # whose speed drifts (a VM's, by half within minutes): at 10,000 measures the workbook
        # runs once or twice, and one floor after it was too little to compare with.
        floor = operation.floor_for(output) if operation.floor_for is not None and output is not None else None
        times, floor_times = [], []

        def time_floor() -> None:
            started = time.perf_counter()
            floor()
            floor_times.append(time.perf_counter() - started)

        if floor is not None:
            time_floor()
        for _ in range(self.options.repeat):
            operation.prepare()
            with self.counter.counting():
                started = time.perf_counter()
                result = operation.run()
                times.append(time.perf_counter() - started)
            # The queries of a run as a running server pays them: the last run's.
            figure.queries = self.counter.count
            if output is None:
                output = result
                if operation.floor_for is not None and floor is None:
                    floor = operation.floor_for(output)
            if floor is not None:
                time_floor()
            if sum(times) > self.options.budget_seconds:
                break
        figure.runs = len(times)
        figure.median_ms = _ms(statistics.median(times))
        if floor_times:
            figure.floor_ms = _ms(statistics.median(floor_times))
            figure.ratio = round(figure.median_ms / figure.floor_ms, 1) if figure.floor_ms else None
        if operation.trace_memory:
            # Traced apart from the timed runs: tracemalloc slows Python down several times.
            operation.prepare()
            tracemalloc.start()
            try:
                operation.run()
                figure.peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            finally:
                tracemalloc.stop()
        operation.finish()
        return figure

    def _rollup_floor(self, _output: Any) -> Callable[[], Any]:
        """The dashboard's headline figures as one hand-written aggregate: per pillar, the mean
        rate of graded measures and the count of each grade and outcome, for the year."""
        bands = list(self.plan.grade_bands.values_list("code", flat=True))
        table = {model: model._meta.db_table for model in (MeasureResult, PlanYear, Measure, Field, SubPillar, Pillar)}
        grade_counts = "".join(", SUM(CASE WHEN r.grade = %s THEN 1 ELSE 0 END)" for _ in bands)
        sql = (
            "SELECT p.id, COUNT(*), AVG(CASE WHEN r.outcome = %s THEN r.rate END)"
            f"{grade_counts}"
            ", SUM(CASE WHEN r.outcome = %s THEN 1 ELSE 0 END), SUM(CASE WHEN r.outcome = %s THEN 1 ELSE 0 END)"
            f" FROM {table[MeasureResult]} r"
            f" JOIN {table[PlanYear]} y ON y.id = r.plan_year_id"
            f" JOIN {table[Measure]} m ON m.id = r.measure_id"
            f" JOIN {table[Field]} f ON f.id = m.field_id"
            f" JOIN {table[SubPillar]} s ON s.id = f.subpillar_id"
            f" JOIN {table[Pillar]} p ON p.id = s.pillar_id"
            " WHERE y.plan_id = %s AND y.fiscal_year = %s GROUP BY p.id"
        )
        params = [
            MeasureResult.Outcome.GRADED,
            *bands,
            MeasureResult.Outcome.UNREPORTED,
            MeasureResult.Outcome.NO_TARGET,
            self.plan.pk,
            FISCAL_YEAR,
        ]

        def floor() -> list[tuple]:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return floor

    def _sql_floor(self, statements: list[tuple[str, list]]) -> Callable[[], Any]:
        def floor() -> list[list[tuple]]:
            with self.connection.cursor() as cursor:
                results = []
                for sql, params in statements:
                    cursor.execute(sql, params)
                    results.append(cursor.fetchall())
                return results

        return floor

    def _tables(self) -> dict[type, str]:
        models = (
            MeasureResult,
            GroupResult,
            Submission,
            PlanYear,
            Measure,
            MeasureSection,
            Section,
            Bureau,
            Field,
            SubPillar,
            Pillar,
        )
        return {model: model._meta.db_table for model in models}

    def _list_floor(self, _output: Any) -> Callable[[], Any]:
        """The measure list's figures by hand, everything the page shows: the plan's measures
        counted; the first page (a hundred in plan order) with field, primary bureau and
        section, the year's result and report status; and what the filter's selects offer
        (the pillars, up to CHOICE_LIMIT sub-pillars and fields, the bureaus that own measures,
        the target years)."""
        table, order = self._tables(), self.connection.ops.quote_name("order")
        first_year = PlanYear.objects.get(plan=self.plan, fiscal_year=self.plan.first_fiscal_year)
        rows = (
            "SELECT m.code, m.name, f.name, b.name, s.name, m.target_fiscal_year,"
            " r.grade, r.rate, r.outcome, r.basis_reached, su.status"
            f" FROM {table[Measure]} m JOIN {table[Field]} f ON f.id = m.field_id"
            f" LEFT JOIN {table[MeasureSection]} ms ON ms.measure_id = m.id AND ms.is_primary"
            f" LEFT JOIN {table[Section]} s ON s.id = ms.section_id"
            f" LEFT JOIN {table[Bureau]} b ON b.id = s.bureau_id"
            f" LEFT JOIN {table[MeasureResult]} r ON r.measure_id = m.id AND r.plan_year_id = %s"
            f" LEFT JOIN {table[Submission]} su ON su.measure_id = m.id AND su.plan_year_id = %s"
            f" WHERE m.plan_id = %s ORDER BY m.{order} LIMIT 100"
        )
        in_plan = f"JOIN {table[Pillar]} p ON p.id = sp.pillar_id WHERE p.plan_id = %s"
        return self._sql_floor(
            [
                (f"SELECT COUNT(*) FROM {table[Measure]} WHERE plan_id = %s", [self.plan.pk]),
                (rows, [self.plan_year.pk, self.plan_year.pk, self.plan.pk]),
                (f"SELECT id, code, name FROM {table[Pillar]} WHERE plan_id = %s ORDER BY {order}", [self.plan.pk]),
                (
                    f"SELECT sp.id, sp.code, sp.name FROM {table[SubPillar]} sp {in_plan} LIMIT %s",
                    [self.plan.pk, CHOICE_LIMIT + 1],
                ),
                (
                    f"SELECT f.id, f.code, f.name FROM {table[Field]} f"
                    f" JOIN {table[SubPillar]} sp ON sp.id = f.subpillar_id {in_plan} LIMIT %s",
                    [self.plan.pk, CHOICE_LIMIT + 1],
                ),
                (
                    f"SELECT bureau_id, sort_bureau FROM {table[GroupResult]}"
                    " WHERE plan_year_id = %s AND level = %s AND basis = %s ORDER BY sort_bureau",
                    [first_year.pk, GroupResult.Level.BUREAU, Basis.ENTERED],
                ),
                (
                    f"SELECT DISTINCT target_fiscal_year FROM {table[Measure]} WHERE plan_id = %s ORDER BY 1",
                    [self.plan.pk],
                ),
            ]
        )

    def _tree_floor(self, _output: Any) -> Callable[[], Any]:
        """The plan tree's first page by hand, everything it shows: the plan's pillars and its
        number of sub-pillars (the pager); its first page of sub-pillars' fields and measures with the
        year's results, and each field's mean rate and grade counts; the stored roll-ups of
        the plan, the pillars and those sub-pillars."""
        table, order = self._tables(), self.connection.ops.quote_name("order")
        shown = (
            f"SELECT sp.id FROM {table[SubPillar]} sp JOIN {table[Pillar]} p ON p.id = sp.pillar_id"
            f" WHERE p.plan_id = %s ORDER BY p.{order}, sp.{order} LIMIT {TREE_SUBPILLARS_PER_PAGE}"
        )
        joined = (
            f" FROM ({shown}) s JOIN {table[Field]} f ON f.subpillar_id = s.id"
            f" JOIN {table[Measure]} m ON m.field_id = f.id"
            f" LEFT JOIN {table[MeasureResult]} r ON r.measure_id = m.id AND r.plan_year_id = %s"
        )
        rows = f"SELECT s.id, f.id, f.code, f.name, m.code, m.name, r.grade, r.rate, r.outcome{joined}"
        per_field = f"SELECT f.id, COUNT(*), AVG(r.rate), r.grade{joined} GROUP BY f.id, r.grade"
        params = [self.plan.pk, self.plan_year.pk]
        rollups = (
            "SELECT level, pillar_id, subpillar_id, measures, graded, mean_rate, unreported, no_target, grade_counts"
            f" FROM {table[GroupResult]} WHERE plan_year_id = %s AND basis = %s"
            f" AND (level IN (%s, %s) OR (level = %s AND subpillar_id IN ({shown})))"
        )
        levels = GroupResult.Level
        return self._sql_floor(
            [
                (f"SELECT id, code, name FROM {table[Pillar]} WHERE plan_id = %s ORDER BY {order}", [self.plan.pk]),
                (
                    f"SELECT COUNT(*) FROM {table[SubPillar]} sp JOIN {table[Pillar]} p ON p.id = sp.pillar_id"
                    " WHERE p.plan_id = %s",
                    [self.plan.pk],
                ),
                (rows, params),
                (per_field, params),
                (
                    rollups,
                    [self.plan_year.pk, Basis.ENTERED, levels.PLAN, levels.PILLAR, levels.SUBPILLAR, self.plan.pk],
                ),
            ]
        )


class EntryPost:
    """Saving one entry form through the entry view, as a clerk does: every indicator and
    schedule row of the measure for R3, with a new value each run so that each save writes."""

    def __init__(self, size_run: SizeRun):
        self.size_run = size_run
        self.runs = 0
        self.data: dict[str, str] = {}
        measure, plan = size_run.measure, size_run.plan
        self.url = reverse("entry", kwargs={"code": measure.code, "fiscal_year": FISCAL_YEAR}) + f"?plan={plan.code}"

    def prepare(self) -> None:
        measure, plan_year = self.size_run.measure, self.size_run.plan_year
        self.runs += 1
        indicators, _targets, actuals, items, _progress = entry_state(measure, plan_year)
        data = {
            "version": str(submission_for(measure, plan_year).version),
            "achievements_text": f"ベンチマーク {self.runs} 回目の保存",
            "self_assessment": "on_track",
            "issues_text": "特になし",
            "next_steps_text": "継続して取り組む",
        }
        for indicator in indicators:
            prefix = f"ind-{indicator.pk}"
            # Every run changes every figure, the milestone between 達成 and 一部達成, so that
            # each save (the counted warm-up too) rewrites the measure's result and roll-ups,
            # whatever the synthetic plan stored for it.
            current = actuals.get(indicator.pk)
            if indicator.is_milestone:
                achieved = current is not None and current.milestone_status == "achieved"
                data[f"{prefix}-status"] = "partial" if achieved else "achieved"
            else:
                data[f"{prefix}-value"] = str(100 + self.runs)
                # Values far from a synthetic target are confirmed, as a clerk would.
                data[f"{prefix}-confirm"] = ",".join(plausibility.CODES)
            data[f"{prefix}-description"] = f"ベンチマーク {self.runs}"
        for item in items:
            data[f"sch-{item.pk}-status"] = "in_progress" if self.runs % 2 else "done"
            data[f"sch-{item.pk}-note"] = ""
        self.data = data

    def run(self) -> None:
        # Sent as a browser sends this form (it has no file fields): URL-encoded, not multipart.
        response = self.size_run.client.post(
            self.url, urlencode(self.data), content_type="application/x-www-form-urlencoded", secure=True
        )
        if response.status_code != 302:
            raise BenchmarkError(f"POST {self.url}: HTTP {response.status_code} (expected a redirect after saving)")


class WorkbookParts:
    """The workbook's floor and its lower bounds (`workbook_floors`), made once per size from
    one download and one recorded write, outside the timed runs."""

    def __init__(self, size_run: SizeRun, url: str):
        self.size_run = size_run
        self.url = url
        self.replay: Callable[[], Any] | None = None
        self.read: Callable[[], Any] | None = None
        self.bare: Callable[[], Any] | None = None

    # Each operation makes only its own part: the recording (a million calls at 10,000
    # measures) is not alive while the reads are timed.
    def cells_prepare(self) -> None:
        if self.replay is None:
            self.replay = workbook_floors.cells_replay(plan=self.size_run.plan, fiscal_year=FISCAL_YEAR)

    def reads_prepare(self) -> None:
        if self.read is None:
            self.read = workbook_floors.reads(plan=self.size_run.plan, fiscal_year=FISCAL_YEAR)

    def floor(self, output: Any) -> Callable[[], Any]:
        """The bare floor, from the workbook's download (`output` when it is one)."""
        if self.bare is None:
            body = output if isinstance(output, bytes) else self.size_run._get(self.url)
            self.bare = workbook_floors.bare_floor(body)
        return self.bare

    def cells(self) -> bool:
        self.replay()
        return True

    def reads(self) -> bool:
        self.read()
        return True

    def cells_done(self) -> None:
        self.replay = None  # a recorded call per cell: held no longer than its operation

    def done(self) -> None:
        self.replay = self.read = self.bare = None


def page_url(name: str) -> str | None:
    """The URL of a page that may not exist yet (the dashboard and the workbook are being built)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _figure_line(figure: Figure) -> str:
    if figure.error:
        return f"  {figure.operation}: 失敗しました: {figure.error}"
    return f"  {figure.operation}: {figure.median_ms} ms, {figure.queries} queries ({figure.runs} runs)"


def results_table(figures: list[Figure]) -> str:
    """size × operation, one line each; — where a figure does not apply, FAILED where the
    operation broke (the error is printed above the table and again after it)."""
    header = ("size", "operation", "median ms", "queries", "floor ms", "ratio", "peak MB", "runs")
    rows = [header]
    for f in figures:
        cells = [_cell(v) for v in (f.median_ms, f.queries, f.floor_ms, f.ratio, f.peak_mb)]
        if f.error:
            cells[0] = "FAILED"
        rows.append((f"{f.size:,}", f.operation, *cells, str(f.runs) if f.runs else "—"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _cell(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def json_write(report: Report, path: str) -> None:
    Path(path).write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
