#!/usr/bin/env python
"""Load test of the public side: a crowd of anonymous visitors against gunicorn and PostgreSQL.

    DATABASE_URL=postgres:///kanagawa_bench .venv/bin/python benchmarks/public_loadtest.py \
        [--clients 200] [--seconds 60] [--think 1-3] [--capacity-seconds 30] [--floor-seconds 15] [--workers N]

1. Creates a throwaway database beside the one DATABASE_URL names (never opening that one),
   migrates it, loads the real plan, makes the demo data and publishes FY2019–FY2021 as
   headquarters would (`opendata.services.year_publish`).
2. Starts gunicorn on 127.0.0.1 with the production settings (whitenoise serves static files;
   the API's anonymous throttle is lifted, since every client here shares one address).
3. The crowd (the latency target): for --seconds, --clients visitors each fetch, in turn at
   random, the public dashboard (/public/), a measure page, a CSV file and a page of the
   API's measure list, pausing --think seconds (uniformly at random) after each answer, as a
   reader does between pages. Its p95 is the figure the target (< 200 ms) is about.
4. The capacity (the throughput target): the floor, every client fetching one static file
   (our stylesheet) back to back for --floor-seconds; the same clients fetching the public
   mix back to back for --capacity-seconds; the floor again, so that the public figure lies
   between two floors on a machine whose speed drifts. With no pause, latency there is
   queueing (clients ÷ throughput, Little's law), so only its throughput is a target: at
   least half the floors' mean.
5. Prints throughput and p50/p95/p99 per phase and per URL, the ratio and the crowd's p95
   against their targets, and exits non-zero on any error (non-200 or failed connection).
   Stops gunicorn and drops the database, whatever happened. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.loadtest import HOST, PLAN_FILE, Throwaway, free_port, percentile, start_gunicorn  # noqa: E402

PUBLISHED_YEARS = (2019, 2020, 2021)


def prepare_django(throwaway: Throwaway) -> dict[str, list[str]]:
    """Migrate, load the plan, make and publish the demo data; the URLs each phase fetches."""
    os.environ.update(throwaway.env)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.templatetags.static import static
    from django.urls import reverse

    from measures.models import Measure, PlanYear
    from opendata.services import year_publish

    call_command("migrate", verbosity=0)
    call_command("load_plan", str(PLAN_FILE), stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)
    # Production settings refuse demo accounts unless asked: this database is thrown away.
    call_command("seed_demo", "--allow-demo", stdout=io.StringIO())
    hq = User.objects.get(username="hq")
    for year in PUBLISHED_YEARS:
        year_publish(plan_year=PlanYear.objects.get(fiscal_year=year), user=hq)
    codes = list(Measure.objects.order_by("order").values_list("code", flat=True)[:10])
    return {
        "floor": [static("css/app.css")],
        "public": [
            reverse("opendata:home"),
            *[reverse("opendata:measure_detail", args=[code]) for code in codes],
            reverse("opendata:file", args=["all", "measures", "csv"]),
            "/api/v1/measures/?year=2021",
        ],
    }


def kind_of(url: str) -> str:
    if url.startswith("/static/"):
        return "static file"
    if url.startswith("/api/"):
        return "API list"
    if url.endswith(".csv"):
        return "CSV"
    if "/measures/" in url:
        return "measure page"
    return "public dashboard"


async def fetch(port: int, path: str) -> tuple[int, int | str]:
    """One GET on a new connection (gunicorn's sync workers close each): (status, body
    bytes), or (status, the message) when it is not a 200."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        # reverse() gives URLs already percent-encoded; a hand-written one may not be.
        target = path if path.isascii() else quote(path, safe="/?=&%")
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    if status != 200:
        start = body.find(b"alert")
        return status, body[start : start + 200].decode("utf-8", "replace")
    return status, len(body)


async def crowd(
    port: int, urls: list[str], clients: int, seconds: float, seed: int, think: tuple[float, float] | None = None
) -> dict:
    """`clients` visitors fetching `urls` at random for `seconds`: back to back, or pausing
    between `think[0]` and `think[1]` seconds after each answer (and, so that they do not
    all arrive at once, for up to `think[1]` seconds before their first request)."""
    timings: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = {}
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    async def visitor(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        if think is not None:
            await asyncio.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < deadline:
            url = rng.choice(urls)
            started = time.perf_counter()
            try:
                status, size = await asyncio.wait_for(fetch(port, url), timeout=30)
            except (OSError, TimeoutError) as error:
                errors.append(f"{url}: {error!r}")
                continue
            elapsed = time.perf_counter() - started
            if status != 200:
                errors.append(f"{url}: HTTP {status} {size!r}")
                continue
            timings[kind_of(url)].append(elapsed)
            sizes[kind_of(url)] = size
            if think is not None:
                await asyncio.sleep(rng.uniform(*think))

    started = time.monotonic()
    await asyncio.gather(*(visitor(n) for n in range(clients)))
    return {"timings": timings, "sizes": sizes, "errors": errors, "elapsed": time.monotonic() - started}


def summary(result: dict) -> dict:
    every = [t for values in result["timings"].values() for t in values]
    figures = {
        "requests": len(every),
        "throughput": len(every) / result["elapsed"],
        "p50_ms": 1000 * percentile(every, 0.50),
        "p95_ms": 1000 * percentile(every, 0.95),
        "p99_ms": 1000 * percentile(every, 0.99),
        "errors": len(result["errors"]),
        "by_url": {
            kind: {
                "requests": len(values),
                "p50_ms": 1000 * percentile(values, 0.50),
                "p95_ms": 1000 * percentile(values, 0.95),
                "bytes": result["sizes"].get(kind),
            }
            for kind, values in sorted(result["timings"].items())
        },
    }
    return figures


def print_phase(name: str, figures: dict) -> None:
    print(
        f"{name:14} {figures['requests']:7d} requests  {figures['throughput']:8.1f}/s  "
        f"p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
        f"errors {figures['errors']}"
    )
    for kind, row in figures["by_url"].items():
        print(
            f"    {kind:18} {row['requests']:7d}  p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  {row['bytes']} bytes"
        )


def think_range(text: str) -> tuple[float, float]:
    """ "1-3" → (1.0, 3.0): a visitor's pause between pages, in seconds."""
    low, _sep, high = text.partition("-")
    try:
        pause = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give MIN-MAX seconds, e.g. 1-3") from None
    if not 0 <= pause[0] <= pause[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: MIN must be at least 0 and at most MAX")
    return pause


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60, help="the crowd's length (default 60)")
    parser.add_argument(
        "--think", type=think_range, default=(1.0, 3.0), help="a visitor's pause between pages, MIN-MAX seconds"
    )
    parser.add_argument("--capacity-seconds", type=float, default=30)
    parser.add_argument("--floor-seconds", type=float, default=15)
    parser.add_argument("--warmup-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres:///kanagawa_bench.")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    throwaway = Throwaway(database_url)
    throwaway.env["API_ANON_RATE"] = "100000000/min"
    log_path = Path(tempfile.gettempdir()) / f"kanagawa-public-loadtest-{os.getpid()}-gunicorn.log"
    gunicorn = None
    throwaway.create()
    try:
        urls = prepare_django(throwaway)
        port = free_port()
        print(f"gunicorn on http://{HOST}:{port}/ with {args.workers} workers, {args.clients} clients…", flush=True)
        gunicorn = start_gunicorn(throwaway, port, args.workers, log_path)
        # Warm up first: each worker keeps its own copy of the rendered responses (Django's
        # local-memory cache unless a shared one is configured), and its first requests of
        # each URL are not what a crowd meets.
        asyncio.run(crowd(port, urls["public"] + urls["floor"], args.workers, args.warmup_seconds, args.seed))
        phases = {
            "crowd": asyncio.run(crowd(port, urls["public"], args.clients, args.seconds, args.seed, args.think)),
            "floor before": asyncio.run(crowd(port, urls["floor"], args.clients, args.floor_seconds, args.seed)),
            "capacity": asyncio.run(crowd(port, urls["public"], args.clients, args.capacity_seconds, args.seed)),
            "floor after": asyncio.run(crowd(port, urls["floor"], args.clients, args.floor_seconds, args.seed)),
        }
        figures = {name: summary(result) for name, result in phases.items()}
        for name, row in figures.items():
            print_phase(name, row)
        floor = (figures["floor before"]["throughput"] + figures["floor after"]["throughput"]) / 2
        ratio = figures["capacity"]["throughput"] / floor if floor else float("nan")
        low, high = args.think
        print(
            f"crowd ({args.clients} visitors, {low:g}–{high:g} s between pages): "
            f"p95 {figures['crowd']['p95_ms']:.1f} ms (target < 200)"
        )
        print(f"capacity (back to back): public throughput / static floor {ratio:.2f} (target ≥ 0.5)")
        errors = [e for result in phases.values() for e in result["errors"]]
        for error in errors[:10]:
            print("error:", error)
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "figures": figures,
                        "ratio": ratio,
                        "clients": args.clients,
                        "think_seconds": args.think,
                        "workers": args.workers,
                    },
                    indent=1,
                )
            )
        return 1 if errors else 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except Exception:
                gunicorn.kill()
        throwaway.drop()


if __name__ == "__main__":
    sys.exit(main())
