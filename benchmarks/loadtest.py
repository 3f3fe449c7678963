#!/usr/bin/env python
"""Load test: clerks saving entry forms at the same time, against gunicorn and PostgreSQL.

    DATABASE_URL=postgres:///kanagawa_bench .venv/bin/python benchmarks/loadtest.py [--seconds 60]

1. Creates a throwaway database beside the one DATABASE_URL names (`<name>_loadtest_<pid>`;
   the named database itself is never opened), migrates it, loads the real plan
   (fixtures/kanagawa_ict_2019.json) and creates 50 clerks, two or three to a section that
   owns measures, so that clerks of one section work on the same measures.
2. Starts gunicorn on 127.0.0.1 at a free port with the production settings.
3. Every clerk logs in; then, for --seconds, each opens the R3 entry page of one of its
   section's measures (half the time its section's first one) and saves it with values
   that name the clerk and the attempt. A save answered 409 (someone saved in between)
   is re-read and retried, as a clerk would.
4. Reports throughput and latency percentiles, then checks that no response was a 5xx and
   that no update was lost: every save acknowledged with a redirect is in the database
   (in the history, and the last one in the current row), each was made on the version
   the one before it produced, and nothing was written that was not acknowledged.
5. Stops gunicorn and drops the database, whatever happened.

Exit status 0 only if every check holds. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PLAN_FILE = BASE_DIR / "fixtures" / "kanagawa_ict_2019.json"
HOST = "127.0.0.1"
# Plausibility warnings (indicators.plausibility.CODES) a clerk confirms for the values saved.
CONFIRM_ALL = "far_from_target,share_above_100,fraction,cumulative_fell,unit_mismatch"
FISCAL_YEAR = 2021  # R3
CLERKS_PER_SECTION = 2.5
PASSWORD = secrets.token_urlsafe(16)
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')


@dataclass(frozen=True)
class MeasureForm:
    """What a clerk fills in for one measure: its indicators and this year's schedule rows."""

    measure_id: int
    code: str
    url: str
    numeric_indicators: tuple[int, ...]
    milestone_indicators: tuple[int, ...]
    schedule_items: tuple[int, ...]


@dataclass(frozen=True)
class Ack:
    """A save the server acknowledged with a redirect."""

    measure_id: int
    base_version: int
    marker: str
    value: int


@dataclass
class Sample:
    kind: str  # login, read, save, conflict
    status: int
    seconds: float


@dataclass
class Clerk:
    number: int
    username: str
    forms: list[MeasureForm]
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    attempts: int = 0

    def request(self, kind: str, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        self.samples.append(Sample(kind, response.status, elapsed))
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(morsel.key, None)
                    else:
                        self.cookies[morsel.key] = morsel.value
        return response.status, dict(response.getheaders()), text

    def log_in(self) -> None:
        self.request("login", "GET", "/accounts/login/")
        status, _headers, _text = self.request(
            "login",
            "POST",
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username} could not log in (HTTP {status})")

    def work(self, deadline: float, rng: random.Random) -> None:
        while time.monotonic() < deadline:
            # Half the time the section's first measure, so that clerks of a section collide.
            form = self.forms[0] if rng.random() < 0.5 else rng.choice(self.forms)
            self.attempts += 1
            self.save(form, f"clerk{self.number:02d}-attempt{self.attempts:05d}", deadline)

    def save(self, form: MeasureForm, marker: str, deadline: float) -> None:
        value = self.number * 1_000_000 + self.attempts  # unique to this attempt, so it can be found later
        while time.monotonic() < deadline:
            status, _headers, text = self.request("read", "GET", form.url)
            if status != 200:
                self.problems.append(f"GET {form.code}: HTTP {status}")
                return
            found = VERSION_FIELD.search(text)
            if found is None:
                self.problems.append(f"GET {form.code}: no version field in the entry page")
                return
            version = int(found.group(1))
            data = {
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "version": str(version),
                "achievements_text": marker,
                "self_assessment": "on_track",
                "issues_text": f"{marker} の課題",
                "next_steps_text": f"{marker} の方向性",
            }
            for pk in form.numeric_indicators:
                data[f"ind-{pk}-value"] = str(value)
                data[f"ind-{pk}-confirm"] = CONFIRM_ALL
                data[f"ind-{pk}-description"] = marker
            for pk in form.milestone_indicators:
                data[f"ind-{pk}-status"] = "achieved"
                data[f"ind-{pk}-description"] = marker
            for pk in form.schedule_items:
                data[f"sch-{pk}-status"] = "in_progress"
                data[f"sch-{pk}-note"] = marker
            status, _headers, _text = self.request("save", "POST", form.url, data)
            if status == 302:
                self.acks.append(Ack(form.measure_id, version, marker, value))
                return
            if status == 409:
                self.samples[-1].kind = "conflict"
                continue  # someone saved in between: read again and retry
            self.problems.append(f"POST {form.code}: HTTP {status}")
            return


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Throwaway:
    """The throwaway PostgreSQL database and the environment gunicorn and Django run with."""

    def __init__(self, database_url: str):
        parts = urlsplit(database_url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise SystemExit("DATABASE_URL must name a PostgreSQL database (e.g. postgres:///kanagawa_bench).")
        base_name = parts.path.lstrip("/") or "kanagawa"
        self.name = f"{base_name}_loadtest_{os.getpid()}"
        # Written out by hand: urlunsplit drops the "//" of a socket URL such as postgres:///name.
        query = f"?{parts.query}" if parts.query else ""
        self.url = f"{parts.scheme}://{parts.netloc}/{self.name}{query}"
        self.server = {
            key: value
            for key, value in {
                "user": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "host": unquote(parts.hostname or ""),  # may be a socket folder, %2F-quoted
                "port": parts.port,
            }.items()
            if value
        }
        self.static_root = str(Path(tempfile.gettempdir()) / f"kanagawa-loadtest-{os.getpid()}-static")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "benchmarks.loadtest_settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": HOST,
            # Plain http on the loopback: no https redirect, cookies without the Secure flag.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "LOADTEST_STATIC_ROOT": self.static_root,
            "PYTHONPATH": str(BASE_DIR),
        }

    def _admin(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", **self.server)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create(self) -> None:
        os.makedirs(self.static_root)
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.static_root, ignore_errors=True)


def prepare_django(throwaway: Throwaway, clerks: int, port: int) -> list[Clerk]:
    """Migrate, load the plan, collect static files and make the clerks; in this process."""
    os.environ.update(throwaway.env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models import Count
    from django.urls import reverse

    from measures.models import Measure, PlanYear, Section
    from pdca.models import Profile, Role

    call_command("migrate", verbosity=0)
    call_command("load_plan", str(PLAN_FILE), stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)

    plan_year = PlanYear.objects.get(fiscal_year=FISCAL_YEAR)
    section_count = max(1, round(clerks / CLERKS_PER_SECTION))
    sections = list(
        Section.objects.annotate(owned=Count("measures"))
        .filter(owned__gt=0)
        .exclude(name="各局")
        .order_by("-owned", "bureau__name", "name")[:section_count]
    )
    forms_by_section: dict[int, list[MeasureForm]] = {}
    for section in sections:
        forms = []
        for measure in Measure.objects.filter(sections=section).order_by("order").prefetch_related("indicators"):
            indicators = list(measure.indicators.all())
            forms.append(
                MeasureForm(
                    measure_id=measure.pk,
                    code=measure.code,
                    url=reverse("entry", kwargs={"code": measure.code, "fiscal_year": FISCAL_YEAR}),
                    numeric_indicators=tuple(i.pk for i in indicators if not i.is_milestone),
                    milestone_indicators=tuple(i.pk for i in indicators if i.is_milestone),
                    schedule_items=tuple(measure.schedule_items.filter(years=plan_year).values_list("pk", flat=True)),
                )
            )
        forms_by_section[section.pk] = forms
    password = make_password(PASSWORD)  # hashed once: the clerks share it
    result = []
    for number in range(clerks):
        section = sections[number % len(sections)]
        user = User.objects.create(username=f"clerk{number:02d}", password=password)
        Profile.objects.create(user=user, role=Role.STAFF).sections.set([section])
        result.append(Clerk(number, user.username, forms_by_section[section.pk], port))
    return result


def start_gunicorn(throwaway: Throwaway, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "kanagawa_ict.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(BASE_DIR),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        str(log_path),
    ]
    process = subprocess.Popen(command, env=throwaway.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    limit = time.monotonic() + 60
    while time.monotonic() < limit:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within 60 s; see {log_path}")


def run_clerks(clerks: list[Clerk], seconds: float, seed: int) -> float:
    """Log every clerk in, then let them all save for `seconds`; returns the seconds taken."""
    errors: list[BaseException] = []

    def each(action) -> None:
        threads = [threading.Thread(target=_guarded(action, clerk, errors), daemon=True) for clerk in clerks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 180)
        if any(thread.is_alive() for thread in threads):
            raise RuntimeError("a clerk did not finish in time")
        if errors:
            raise RuntimeError(f"a clerk failed: {errors[0]!r}") from errors[0]

    each(lambda clerk: clerk.log_in())
    started = time.monotonic()
    deadline = started + seconds
    each(lambda clerk: clerk.work(deadline, random.Random(seed * 1000 + clerk.number)))
    return time.monotonic() - started


def _guarded(action, clerk: Clerk, errors: list[BaseException]):
    def target() -> None:
        try:
            action(clerk)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    return target


def verify(clerks: list[Clerk]) -> tuple[list[str], dict]:
    """Every acknowledged save is in the database and none silently overwrote another."""
    from indicators.models import Actual
    from pdca.models import Submission

    problems = []
    acks_by_measure: dict[int, list[Ack]] = defaultdict(list)
    for clerk in clerks:
        for ack in clerk.acks:
            acks_by_measure[ack.measure_id].append(ack)
    forms = {f.measure_id: f for clerk in clerks for f in clerk.forms}
    for measure_id, acks in acks_by_measure.items():
        form = forms[measure_id]
        acks.sort(key=lambda a: a.base_version)
        bases = [a.base_version for a in acks]
        if len(set(bases)) != len(bases):
            duplicated = sorted(b for b, n in Counter(bases).items() if n > 1)
            problems.append(f"{form.code}: two saves acknowledged on the same version {duplicated} (one overwrote)")
        submission = Submission.objects.get(measure_id=measure_id, plan_year__fiscal_year=FISCAL_YEAR)
        if bases != list(range(len(acks))) or submission.version != len(acks):
            problems.append(
                f"{form.code}: versions {bases} acknowledged, the row is at {submission.version}: "
                "a save was lost or made without acknowledgement"
            )
        last = acks[-1]
        if submission.achievements_text != last.marker:
            problems.append(
                f"{form.code}: the row holds {submission.achievements_text!r}, the last save {last.marker!r}"
            )
        history = dict(
            Submission.history.filter(measure_id=measure_id, plan_year__fiscal_year=FISCAL_YEAR).values_list(
                "version", "achievements_text"
            )
        )
        for ack in acks:
            if history.get(ack.base_version + 1) != ack.marker:
                problems.append(
                    f"{form.code}: save {ack.marker} (version {ack.base_version + 1}) is not in the history"
                )
        for pk in form.numeric_indicators:
            current = Actual.objects.get(indicator_id=pk, plan_year__fiscal_year=FISCAL_YEAR)
            if current.value != last.value:
                problems.append(f"{form.code}: indicator {pk} holds {current.value}, the last save {last.value}")
            written = set(
                Actual.history.filter(indicator_id=pk, plan_year__fiscal_year=FISCAL_YEAR).values_list(
                    "value", flat=True
                )
            )
            missing = [a.marker for a in acks if a.value not in written]
            if missing:
                problems.append(f"{form.code}: indicator {pk} lost the values of {missing[:5]}")
    acknowledged = {a.marker for acks in acks_by_measure.values() for a in acks}
    written = Submission.history.filter(achievements_text__startswith="clerk").values_list(
        "achievements_text", flat=True
    )
    stray = sorted(set(written) - acknowledged)
    if stray:
        problems.append(f"{len(stray)} saves are in the database without an acknowledgement, e.g. {stray[:3]}")
    facts = {
        "measures_saved": len(acks_by_measure),
        "most_saves_on_one_measure": max((len(a) for a in acks_by_measure.values()), default=0),
    }
    return problems, facts


def report(clerks: list[Clerk], seconds: float, workers: int) -> dict:
    samples = [s for clerk in clerks for s in clerk.samples]
    work = [s for s in samples if s.kind != "login"]
    saves = [s.seconds * 1000 for s in work if s.kind == "save" and s.status == 302]
    requests = [s.seconds * 1000 for s in work]
    statuses = Counter(s.status for s in work)
    server_errors = sum(1 for s in samples if s.status >= 500)  # logins included
    acks = sum(len(c.acks) for c in clerks)

    def spread(values: list[float]) -> dict:
        return {
            "p50_ms": round(percentile(values, 0.50), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else None,
        }

    return {
        "clerks": len(clerks),
        "gunicorn_workers": workers,
        "seconds": round(seconds, 1),
        "saves_acknowledged": acks,
        "saves_per_second": round(acks / seconds, 2),
        "requests": len(work),
        "requests_per_second": round(len(work) / seconds, 2),
        "conflicts_409": statuses.get(409, 0),
        "server_errors_5xx": server_errors,
        "statuses": dict(sorted(statuses.items())),
        "save_latency": spread(saves),
        "request_latency": spread(requests),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clerks save (default 60)")
    parser.add_argument("--clerks", type=int, default=50, help="simulated clerks (default 50)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers (default 2×CPUs+1)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database, e.g. DATABASE_URL=postgres:///kanagawa_bench")

    # A TERM (a CI timeout, kill) unwinds like Ctrl-C: gunicorn stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    throwaway = Throwaway(database_url)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"kanagawa-loadtest-{os.getpid()}-gunicorn.log"
    gunicorn = None
    failures = ["interrupted"]
    try:
        throwaway.create()
        print(f"database {throwaway.name}: migrating and loading the plan…", flush=True)
        clerks = prepare_django(throwaway, args.clerks, port)
        print(f"gunicorn on http://{HOST}:{port}/ with {args.workers} workers…", flush=True)
        gunicorn = start_gunicorn(throwaway, port, args.workers, log_path)
        print(f"{len(clerks)} clerks log in and save for {args.seconds:g} s…", flush=True)
        elapsed = run_clerks(clerks, args.seconds, args.seed)
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        figures = report(clerks, elapsed, args.workers)
        problems = [p for clerk in clerks for p in clerk.problems]
        lost, facts = verify(clerks)
        figures.update(facts)
        figures["lost_updates"] = len(lost)
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        failures = []
        if figures["server_errors_5xx"]:
            failures.append(f"{figures['server_errors_5xx']} responses were 5xx (see {log_path})")
        if figures["conflicts_409"] == 0:
            failures.append("no save conflicted: the test did not exercise optimistic locking")
        failures += problems[:20] + lost[:20]
        for failure in failures:
            print(f"FAIL: {failure}", file=sys.stderr)
        print("OK: no 5xx, no lost update" if not failures else f"{len(failures)} checks failed")
        return 1 if failures else 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.kill()
            gunicorn.wait(timeout=10)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        throwaway.drop()
        if not failures:
            log_path.unlink(missing_ok=True)  # kept when something failed, for its tracebacks


if __name__ == "__main__":
    sys.exit(main())
