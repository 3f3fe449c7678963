"""`manage.py benchmark`: it runs end to end at the smallest size, in a database of its own,
and writes the documented JSON. No timing is asserted: the figures are for people."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

from django.conf import settings
from django.db import connection

from benchmarks import workbook_floors
from benchmarks.benchmark import (
    JSON_KEYS,
    OPERATIONS,
    PAGES_IN_PROGRESS,
    Figure,
    Operation,
    Options,
    SizeRun,
    WorkbookParts,
    page_url,
    results_table,
)


def run_benchmark(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kanagawa_ict.settings_test"}
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # A real database that cannot be opened: the run passes only if it never tries.
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'absent' / 'real.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", "benchmark", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_benchmark_runs_at_the_smallest_size_and_writes_the_documented_json(tmp_path):
    output = tmp_path / "benchmark.json"

    done = run_benchmark(tmp_path, "--sizes", "76", "--repeat", "1", "--json", str(output))

    assert done.returncode == 0, done.stderr + done.stdout
    document = json.loads(output.read_text(encoding="utf-8"))
    assert set(document) == {"machine", "database", "results"}
    probes = document["machine"]["speed_probe_ms"]  # before the one size, and after
    assert len(probes) == 2 and all(probe > 0 for probe in probes)
    assert document["database"]["vendor"] == connection.vendor
    results = document["results"]
    assert [(r["size"], r["operation"]) for r in results] == [(76, name) for name in OPERATIONS]
    for row in results:
        assert tuple(row) == JSON_KEYS
        name = PAGES_IN_PROGRESS.get(row["operation"])
        if row["operation"] == "workbook_cells":  # XlsxWriter alone, replaying a recorded write
            assert row["median_ms"] > 0 and row["queries"] == 0, row
        elif name is None or page_url(name):
            assert row["median_ms"] > 0 and row["queries"] > 0, row
        else:
            assert row["median_ms"] is None and row["queries"] is None, row
    by_operation = {r["operation"]: r for r in results}
    assert by_operation["worklist"]["floor_ms"] is None and by_operation["measure_list"]["peak_mb"] is None
    for page in ("measure_list", "plan_tree", "dashboard"):  # cold and from a warm cache, against one floor
        for operation in (page, f"{page}_warm"):
            assert by_operation[operation]["floor_ms"] > 0 and by_operation[operation]["ratio"] > 0, operation
    assert by_operation["plan_export"]["peak_mb"] > 0
    for operation in (*PAGES_IN_PROGRESS, "workbook_cells", "workbook_reads"):  # the last two: the workbook's floor
        if by_operation[operation]["median_ms"] is not None:
            assert by_operation[operation]["floor_ms"] > 0 and by_operation[operation]["ratio"] > 0
    assert "median ms" in done.stdout and "entry_save" in done.stdout


def test_a_page_that_does_not_exist_yet_is_reported_as_null():
    assert page_url("no_such_page") is None
    assert Figure(76, "dashboard").as_json() == {
        "size": 76,
        "operation": "dashboard",
        "median_ms": None,
        "queries": None,
        "floor_ms": None,
        "ratio": None,
        "peak_mb": None,
    }
    assert "—" in results_table([Figure(76, "dashboard")])


def test_bad_sizes_are_refused_before_anything_is_built(tmp_path):
    done = run_benchmark(tmp_path, "--sizes", "76,abc")
    assert done.returncode != 0
    assert "--sizes" in done.stderr


def test_every_timed_run_lies_between_two_runs_of_its_floor(db):
    events: list[str] = []

    def run() -> str:
        events.append("run")
        return "output"

    def floor_for(output: str):
        assert output == "output"
        return lambda: events.append("floor")

    figure = SizeRun(76, Options(repeat=2))._measure(Operation("page", run, floor_for=floor_for))

    assert events == ["run", "floor", "run", "floor", "run", "floor"]  # the warm-up, then F R F R F
    assert figure.runs == 2 and figure.floor_ms is not None


def test_operations_not_in_the_list_are_refused(tmp_path):
    done = run_benchmark(tmp_path, "--sizes", "76", "--repeat", "1", "--operations", "dashboard,no_such_operation")
    assert done.returncode != 0
    assert "no_such_operation" in done.stderr


def test_the_workbook_reads_are_timed_without_the_recorded_cells(monkeypatch):
    made: list[str] = []
    monkeypatch.setattr(workbook_floors, "cells_replay", lambda **kwargs: made.append("cells") or (lambda: None))
    monkeypatch.setattr(workbook_floors, "reads", lambda **kwargs: made.append("reads") or (lambda: 1))
    parts = WorkbookParts(SimpleNamespace(plan=None), "/workbook/")

    for _ in range(3):  # before each run of workbook_cells
        parts.cells_prepare()
        parts.cells()
    parts.cells_done()
    for _ in range(3):  # before each run of workbook_reads
        parts.reads_prepare()
        parts.reads()

    assert made == ["cells", "reads"]  # each made once; the recording not made again for the reads
    assert parts.replay is None
