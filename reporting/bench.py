"""Benchmark figures at several data sizes: `make bench` (python -m reporting.bench).

    DJANGO_SETTINGS_MODULE=monitor.settings_test python -m reporting.bench [--sizes 10000,100000,1000000]
        [--seed 1] [--runs 5] [--timeout 600] [--report-timeout 240]

For each size it seeds a database with `seed_demo` (SQLite files under var/bench/, or one
PostgreSQL database per size when DATABASE_URL names PostgreSQL), reusing a database already
seeded with the same size, seed and generator version; then, in a fresh process per size, it
measures:

- the global dashboard's data (every aggregate it draws, as the view computes them), median of
  --runs, with no filter and with region=Africa&status=completed;
- the same aggregates as ONE hand-written SQL statement over the same rows (a lower bound),
  and the ratio of the two;
- the queries and the time of one GET /dashboards/ (test client);
- the median time of the API's evidence list page, GET /api/v1/evidence/;
- the compile time and peak memory (max RSS of the compiling process) of a national report
  (the State with the most records) and of the global biennial report, each in its own process,
  with the formats written in parallel as the celery chord writes them (one forked process per
  format, as many at a time as there are cores; the figure includes reading the evidence once);
- the unfiltered exports, GET /evidence/export.csv, .json and .xlsx read to the end (test
  client): seconds, rows per second (wall clock and per CPU second of the process), first byte.
- plans and pledges (issue 12; seeded with `--pledges size/20 --plan-items size/50`, 50,000 and
  20,000 at a million records), each page read by an anonymous client: the State page of the
  State with the most published plan items (/states/ISO/), its dashboard profile and its plan's
  page, the public pledge list unfiltered, filtered (?kind=financial&objective=6) and a deep page
  (?page=50), and the pledge API's list: median time and queries rendered (the page cache missed,
  the figures cached under the data version warm), cold (the first GET with the cache empty, as
  after a write) and cached;
- a voluntary national review (reporting.reviews) of ONE State holding --review-records
  published records in one cycle (default 40,000; its own database, var/bench/review-N.sqlite3):
  drafting time and peak memory, then finalising (DOCX and PDF) time and peak memory, each in a
  fresh process. `--review-only` runs just this scenario.

It prints the command line, the machine and one table. `--pages-only` skips the reports and
the exports (the pages alone, e.g. for a quick run at a million records).

With `--readers N [--seconds S] [--code-root DIR] [--no-redis]` it runs the many-readers load
scenario instead (reporting/bench_load.py): gunicorn with the production config against each
size's database, N readers in a closed loop, throughput, percentiles, errors, CPU per request.
"""

import argparse
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from reporting.bench_load import EXPORT_QUERIES

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
FILTERS = "region=Africa&status=completed"
REPORT_CYCLE = 2


# --- Orchestration (no Django in this process) ---------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated record counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (the median is shown)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed to the dashboard/API measurements")
    parser.add_argument("--report-timeout", type=int, default=240, help="seconds allowed to compile each report")
    parser.add_argument("--readers", type=int, default=0, help="load scenario: this many readers at once")
    parser.add_argument("--seconds", type=float, default=30, help="load scenario: seconds of load")
    parser.add_argument("--code-root", default=str(ROOT), help="load scenario: the checkout gunicorn serves")
    parser.add_argument(
        "--against", help="load scenario: another checkout, compared with --code-root in alternating pairs"
    )
    parser.add_argument("--no-redis", action="store_true", help="load scenario: the cache's redis unreachable")
    parser.add_argument(
        "--no-prebuild", action="store_true", help="load scenario: no pages pre-built (as just after a change)"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", choices=["national", "global"], help=argparse.SUPPRESS)
    parser.add_argument("--review-records", type=int, default=40000, help="records of the reviewed State (0: skip)")
    parser.add_argument("--review-only", action="store_true", help="run only the voluntary review scenario")
    parser.add_argument("--review-step", choices=["seed", "draft", "finalise"], help=argparse.SUPPRESS)
    parser.add_argument("--exports", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plans-pledges", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pages-only", action="store_true", help="measure the pages only: no reports, no exports")
    args = parser.parse_args(argv)
    if args.measure:
        return print(json.dumps(measure(args.runs)))
    if args.report:
        return print(json.dumps(compile_report(args.report)))
    if args.review_step:
        return print(json.dumps(review_step(args.review_step, args.review_records)))
    if args.review_only:
        _setup()
        print("Command:", shlex.join([sys.executable, "-m", "reporting.bench", *sys.argv[1:]]))
        for line in machine():
            print(line)
        return print_review(args.review_records, review_scenario(args.review_records, args))
    if args.exports:
        return print(json.dumps(measure_exports()))
    if args.plans_pledges:
        return print(json.dumps(measure_plans_pledges(args.runs)))
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. --sizes 10000,100000")
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs at least one positive number")
    if args.readers:
        return run_load(sizes, args)
    run(sizes, args)


def run_load(sizes, args):
    """The many-readers scenario (reporting.bench_load) at each size, instead of the table."""
    from reporting.bench_load import run_load as load
    from reporting.bench_load import run_paired

    _setup()
    print("Command:", shlex.join([sys.executable, "-m", "reporting.bench", *sys.argv[1:]]))
    for line in machine():
        print(line)
    for size in sizes:
        url = database_url(size, args.seed)
        print(f"\n[{size:,}] {ensure_seeded(size, args.seed, url)}", flush=True)
        if args.against:
            roots = (args.against, args.code_root)
            lines = run_paired(url, readers=args.readers, seconds=min(args.seconds, 15), code_roots=roots)
            print("\n".join(lines), flush=True)
            continue
        lines = load(
            url,
            readers=args.readers,
            seconds=args.seconds,
            code_root=args.code_root,
            redis=not args.no_redis,
            prebuild=not args.no_prebuild,
        )
        print("\n".join(lines), flush=True)


def run(sizes, args):
    _setup()  # for the generator's version only; each size is measured in its own process
    print("Command:", shlex.join([sys.executable, "-m", "reporting.bench", *sys.argv[1:]]))
    for line in machine():
        print(line)
    print()
    results = {}
    for size in sizes:
        url = database_url(size, args.seed)
        seeded = ensure_seeded(size, args.seed, url)
        print(f"[{size:,}] {seeded}", flush=True)
        env = {**os.environ, "DATABASE_URL": url, "REPORTS_ROOT": str(BENCH_DIR / "reports")}
        result = child(["--measure", "--runs", str(args.runs)], env, args.timeout)
        result["plans_pledges"] = child(["--plans-pledges", "--runs", str(args.runs)], env, args.timeout)
        skipped = {"error": "skipped (--pages-only)"}
        for kind in ("national", "global"):
            report = skipped if args.pages_only else child(["--report", kind], env, args.report_timeout)
            result[f"report_{kind}"] = report
        result["exports"] = skipped if args.pages_only else child(["--exports"], env, args.timeout)
        results[size] = result
        print(f"[{size:,}] measured", flush=True)
    print()
    print_table(sizes, results)
    if args.review_records:
        print()
        print_review(args.review_records, review_scenario(args.review_records, args))


def machine():
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kb / 1024 / 1024:.1f} GB"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql")):
        database = f"PostgreSQL ({urlparse(url).hostname})"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version} (files under {BENCH_DIR.relative_to(ROOT)}/)"
    return [
        f"Machine: {cpu}, {os.cpu_count()} cores, {ram} RAM, {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, database {database}",
    ]


def database_url(size, seed):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql")):
        parts = urlparse(url)
        name = f"{parts.path.lstrip('/')}_bench_{size}_s{seed}"
        return urlunparse(parts._replace(path=f"/{name}"))
    return f"sqlite:///{BENCH_DIR / f'evidence-{size}-seed{seed}.sqlite3'}"


def marker_path(size, seed, url):
    return BENCH_DIR / f"{Path(urlparse(url).path).name}.seeded.json"


def plans_pledges_for(size):
    """Pledges and plan items seeded with `size` records: 50,000 and 20,000 at a million."""
    return size // 20, size // 50


def ensure_seeded(size, seed, url):
    """Seed the size's database unless the marker says it holds this size, seed and generators."""
    from commitments.demo import GENERATOR_VERSION
    from commitments.pledges.demo_scale import GENERATOR_VERSION as PLEDGE_GENERATOR

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker = marker_path(size, seed, url)
    pledges, plan_items = plans_pledges_for(size)
    wanted = {
        "records": size,
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "pledges": pledges,
        "plan_items": plan_items,
        "pledge_generator": PLEDGE_GENERATOR,
    }
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    if marker.exists():
        done = json.loads(marker.read_text())
        if {k: done.get(k) for k in wanted} == wanted:
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
            return f"reusing the database seeded earlier with seed {seed} ({done['seconds']:.0f} s to seed)"
    fresh_database(url)
    started = time.monotonic()
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_framework"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    seed_cmd = [*manage, "seed_demo", "--records", str(size), "--seed", str(seed), "--allow-production"]
    seed_cmd += ["--pledges", str(pledges), "--plan-items", str(plan_items)]
    subprocess.run(seed_cmd, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    marker.write_text(json.dumps({**wanted, "seconds": seconds}))
    what = f"{size:,} records, {pledges:,} pledges and {plan_items:,} plan items"
    return f"seeded {what} with seed {seed} in {seconds:.0f} s"


def fresh_database(url):
    if url.startswith("sqlite"):
        path = Path(urlparse(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def child(arguments, env, timeout):
    """Run a measuring process; its last stdout line is JSON."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "reporting.bench", *arguments],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0][:150]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Measuring (Django, in a child process) ---------------------------------------------------


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings_test")
    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def timed(fn, runs):
    fn()  # warm the caches once; the figures are for a warm server
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(runs):
    _setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from commitments.models import Evidence
    from reporting.views_dashboards import global_data

    out = {"records": Evidence.objects.count(), "published": Evidence.objects.filter(is_published=True).count()}
    user = AnonymousUser()
    for label, query in (("none", ""), ("filtered", FILTERS)):
        params = QueryDict(query)
        out[f"data_{label}"] = timed(lambda params=params: global_data(params, user), runs)
        out[f"sql_{label}"] = timed(lambda query=query: hand_written(query), runs)
        _filterset, _ref, data = global_data(params, user)
        out[f"check_{label}"] = data["totals"]["records"] == hand_written_total(hand_written(query))
    client = Client()
    client.get("/dashboards/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboards/")
    out["dashboard_status"] = response.status_code
    out["dashboard_queries"] = len(queries)
    out["dashboard_page"] = timed(lambda: client.get("/dashboards/"), runs)
    api = client.get("/api/v1/evidence/")
    if api.status_code == 404:
        out["api_list"] = None
    else:
        with CaptureQueriesContext(connection) as queries:
            client.get("/api/v1/evidence/")
        out["api_status"] = api.status_code
        out["api_queries"] = len(queries)
        out["api_list"] = timed(lambda: client.get("/api/v1/evidence/"), max(runs, 10))
    return out


def measure_plans_pledges(runs):
    """The plan and pledge pages for an anonymous reader: status, queries, median time."""
    _setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from commitments.pledges.models import NationalPlan, PlanItem, Pledge

    out = {
        "pledges": Pledge.objects.count(),
        "pledges_published": Pledge.objects.filter(is_published=True).count(),
        "items": PlanItem.objects.count(),
        "items_published": PlanItem.objects.filter(plan__is_published=True).count(),
    }
    top = (
        PlanItem.objects.filter(plan__is_published=True)
        .values("plan__member_state__iso3", "plan__record")
        .annotate(n=Count("id"))
        .order_by("-n", "plan__member_state__iso3")
        .first()
    )
    if top is None:
        return {**out, "error": "no published plan"}
    iso3 = top["plan__member_state__iso3"]
    out.update(state=iso3, state_items=top["n"])
    plan = NationalPlan.objects.filter(record=top["plan__record"], is_published=True).get()
    client = Client()
    fresh = iter(range(10**6))
    urls = {
        "state_page": f"/states/{iso3}/",
        "state_dashboard": f"/dashboards/states/{iso3}/",
        "plan_page": plan.get_absolute_url(),
        "pledge_list": "/pledges/",
        "pledge_list_filtered": "/pledges/?kind=financial&objective=6",
        "pledge_list_deep": "/pledges/?page=50",
        "pledge_api": "/api/v1/pledges/",
    }
    reader_pages = {"state_page", "state_dashboard", "pledge_list", "pledge_list_filtered", "pledge_list_deep"}
    for url in urls.values():
        client.get(url)  # the process's first use of each view and template, outside the figures

    def page(url, reader_page):
        """Cold: the first GET with the cache empty (as for the first reader after a write).
        Rendered: the view runs, the figures it caches under the data version (counts, dashboard
        figures) warm; for a reader page a new URL (a parameter the view ignores) misses its page
        cache. Cached: a reader page's cache hit. Queries: of one rendered GET."""
        sep = "&" if "?" in url else "?"
        render = (lambda: client.get(f"{url}{sep}bench={next(fresh)}")) if reader_page else (lambda: client.get(url))
        cache.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as cold_queries:
            render()
        cold = time.perf_counter() - started
        with CaptureQueriesContext(connection) as queries:
            response = render()
        figures = {
            "status": response.status_code,
            "queries": len(queries),
            "cold": cold,
            "cold_queries": len(cold_queries),
            "seconds": timed(render, runs),
        }
        if reader_page:
            figures["cached"] = timed(lambda: client.get(url), runs)
        return figures

    for key, url in urls.items():
        out[key] = page(url, key in reader_pages)
    return out


HAND_WRITTEN = """
WITH base AS (
    SELECT o.number AS objective, e.member_state_id AS state_id, org.stakeholder_type_id AS type_id,
           COALESCE(ms.region, oc.region) AS region, e.cycle AS cycle, e.status AS status
    FROM commitments_evidence e
    JOIN commitments_action a ON a.id = e.primary_action_id
    JOIN commitments_objective o ON o.id = a.objective_id
    LEFT JOIN commitments_memberstate ms ON ms.id = e.member_state_id
    LEFT JOIN commitments_organisation org ON org.id = e.organisation_id
    LEFT JOIN commitments_memberstate oc ON oc.id = org.country_id
    WHERE e.is_published {where}
),
cube AS MATERIALIZED (
    SELECT objective, state_id, type_id, region, cycle, status, COUNT(*) AS n
    FROM base GROUP BY objective, state_id, type_id, region, cycle, status
)
SELECT 'objective_status', CAST(objective AS TEXT), status, SUM(n) FROM cube GROUP BY objective, status
UNION ALL
SELECT 'objective_region', CAST(objective AS TEXT), region, SUM(n) FROM cube
    WHERE region IS NOT NULL GROUP BY objective, region
UNION ALL
SELECT 'state', CAST(state_id AS TEXT), NULL, SUM(n) FROM cube WHERE state_id IS NOT NULL GROUP BY state_id
UNION ALL
SELECT 'cycle_status', CAST(cycle AS TEXT), status, SUM(n) FROM cube GROUP BY cycle, status
UNION ALL
SELECT 'participation', CAST(type_id AS TEXT), NULL, SUM(n) FROM cube GROUP BY type_id
UNION ALL
SELECT 'principle', gp.letter, NULL, COUNT(*)
    FROM commitments_evidence_principles ep
    JOIN commitments_guidingprinciple gp ON gp.id = ep.guidingprinciple_id
    JOIN commitments_evidence e ON e.id = ep.evidence_id
    LEFT JOIN commitments_memberstate ms ON ms.id = e.member_state_id
    LEFT JOIN commitments_organisation org ON org.id = e.organisation_id
    LEFT JOIN commitments_memberstate oc ON oc.id = org.country_id
    WHERE e.is_published {where}
    GROUP BY gp.letter
"""


def hand_written(query):
    """The global dashboard's aggregates as one SQL statement (the benchmark's lower bound)."""
    from django.db import connection

    where, params = "", []
    if query == FILTERS:
        where, params = "AND (ms.region = %s OR oc.region = %s) AND e.status = %s", ["Africa", "Africa", "completed"]
    sql = HAND_WRITTEN.format(where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params])
        return cursor.fetchall()


def hand_written_total(rows):
    return sum(n for kind, _k1, _k2, n in rows if kind == "participation")


def compile_report(kind):
    """Compile one report in this process: seconds and peak memory (max RSS)."""
    _setup()
    from django.db.models import Count

    from commitments.models import Evidence, MemberState

    try:
        from reporting.models import ReportKind
        from reporting.reports import request_report, run_compile
    except ImportError:
        return {"error": "not available"}
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fields = {"kind": ReportKind.NATIONAL if kind == "national" else ReportKind.GLOBAL, "cycle": REPORT_CYCLE}
    if kind == "national":
        top = (
            Evidence.objects.filter(is_published=True, member_state__isnull=False)
            .values("member_state")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        fields["member_state"] = MemberState.objects.get(pk=top["member_state"])
    from django.utils import timezone

    # A cut-off given, so the files are compiled, never shared with an earlier run's (sameness).
    report = request_report(data_cutoff=timezone.now(), **fields)
    dispatched = []

    def dispatch(*arguments):  # the evidence read, the content written: the formats start
        dispatched.append(time.perf_counter())
        _forked_parts(*arguments)

    cpu_before, started = machine_cpu_seconds(), time.perf_counter()
    outcome = run_compile(report.pk, "bench", dispatch=dispatch)
    seconds, cpu = time.perf_counter() - started, machine_cpu_seconds() - cpu_before
    prepare_seconds = (dispatched[0] - started) if dispatched else None
    peak = (
        max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        / 1024
    )  # the largest of this process and the forked ones
    report.refresh_from_db()
    if outcome == "dispatched":  # the parts ran and `finish` published (or failed) the report
        outcome = report.status
    # Requests of the data as it stands: the first is compiled (or published with an earlier
    # run's files), the one measured is published with the files of the one before (sameness).
    first = request_report(**fields)
    run_compile(first.pk, "bench-first", dispatch=_forked_parts)
    first.refresh_from_db()
    again = request_report(**fields)
    started = time.perf_counter()
    again_outcome = run_compile(again.pk, "bench-again", dispatch=_forked_parts)
    again_seconds = time.perf_counter() - started
    again.refresh_from_db()
    from reporting.models import ReportPart

    parts = {p.format: p.seconds for p in ReportPart.objects.filter(report=report)}
    return {
        "cpu_seconds": cpu,
        "cores": os.cpu_count(),
        "prepare_seconds": prepare_seconds,
        "parts": parts,
        "again_seconds": again_seconds,
        "again_outcome": again_outcome,
        "again_same_files": (again.parameters or {}).get("same_data_as") == first.pk,
        "outcome": outcome,
        "error_text": getattr(report, "error", "")[:150],
        "seconds": seconds,
        "peak_mb": peak,
        "baseline_mb": baseline,
        "scope": str(fields.get("member_state", "all")),
    }


def machine_cpu_seconds():
    """CPU time used by the whole machine (every process: this one, its forks, the database
    server), from /proc/stat: what a compilation costs, whichever process does the work."""
    with open("/proc/stat") as handle:
        fields = [int(f) for f in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# --- The voluntary review of one State with many records --------------------------------------

REVIEW_STATE = "MAR"


def review_scenario(records, args):
    """Seed (once) a database where one State holds `records` published records, then draft and
    finalise its review, each step in its own process."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{BENCH_DIR / f'review-{records}.sqlite3'}"
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
        url = database_url(f"review{records}", args.seed)
    env = {**os.environ, "DATABASE_URL": url, "REPORTS_ROOT": str(BENCH_DIR / "reports")}
    marker = BENCH_DIR / f"review-{records}.seeded.json"
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not marker.exists():
        fresh_database(url)
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "load_framework"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        seeded = child(["--review-step", "seed", "--review-records", str(records)], env, args.timeout)
        if seeded.get("error"):
            return {"draft": seeded, "finalise": seeded}
        marker.write_text(json.dumps(seeded))
    else:
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    return {
        step: child(["--review-step", step, "--review-records", str(records)], env, args.report_timeout)
        for step in ("draft", "finalise")
    }


def review_step(step, records):
    _setup()
    if step == "seed":
        return _seed_review_state(records)
    from django.contrib.auth import get_user_model

    from commitments.models import MemberState
    from reporting.models import Milestone
    from reporting.reviews import services
    from reporting.reviews.models import VoluntaryReview

    state = MemberState.objects.get(iso3=REVIEW_STATE)
    milestone = Milestone.objects.get(kind=Milestone.Kind.REGIONAL_REVIEW, year=2028)
    focal = get_user_model().objects.get(username="bench-focal")
    if step == "draft":
        _forget_reviews(state)  # the previous run's review, outside the measurement
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if step == "draft":
        review = services.create_review(member_state=state, milestone=milestone, language="en", user=focal)
        if review.drafting != VoluntaryReview.Drafting.READY:  # not drafted inline (a broker is configured)
            services.run_drafting(review.pk, "bench")
        review.refresh_from_db()
        outcome = review.drafting
    else:
        review = VoluntaryReview.objects.get(member_state=state, milestone=milestone)
        version = services.finalise(focal, review)
        outcome = f"version {version.number}, " + ", ".join(
            f"{f.format} {f.size / 1024:,.0f} KB" for f in version.files.all()
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"outcome": outcome, "seconds": seconds, "peak_mb": peak, "baseline_mb": baseline}


def _forget_reviews(state):
    from reporting.reviews.models import Contribution, ReviewFile, ReviewVersion, VoluntaryReview

    ReviewFile.objects.filter(version__review__member_state=state).delete()
    ReviewVersion.objects.filter(review__member_state=state).delete()
    Contribution.objects.filter(section__review__member_state=state).delete()
    VoluntaryReview.objects.filter(member_state=state).delete()


def _seed_review_state(records):
    """`records` published records of one State in cycle 3, over all actions; a tenth with a result,
    a tenth offered as good practices, a fifth naming challenges, each with a partner type."""
    import random
    import uuid
    from datetime import UTC, datetime
    from decimal import Decimal

    from commitments.models import Action, Evidence, EvidenceResult, MemberState, Profile, Role, StakeholderType
    from reporting.cycle import ensure_calendar

    ensure_calendar(2031)
    rng = random.Random(1)
    state = MemberState.objects.get(iso3=REVIEW_STATE)
    from django.contrib.auth import get_user_model

    focal = get_user_model().objects.create_user("bench-focal", "bench-focal@example.org", "x")
    Profile.objects.create(user=focal, role=Role.FOCAL_POINT, member_state=state)
    actions = list(Action.objects.all())
    partner = StakeholderType.objects.order_by("order").first()
    statuses = [s.value for s in Evidence.Status]
    started = time.perf_counter()
    day = datetime(2027, 3, 1, tzinfo=UTC)
    for offset in range(0, records, 5000):
        batch = [
            Evidence(
                record=uuid.uuid4(),
                member_state=state,
                title=f"Measure {offset + i}",
                description="A measure of the benchmark.",
                primary_action=rng.choice(actions),
                status=rng.choice(statuses),
                level=Evidence.Level.NATIONAL,
                good_practice=(offset + i) % 10 == 0,
                challenges="Funding is uncertain." if (offset + i) % 5 == 0 else "",
                review_state=Evidence.ReviewState.VALIDATED,
                is_published=True,
                cycle=3,
                validated_at=day,
                created_by=focal,
            )
            for i in range(min(5000, records - offset))
        ]
        Evidence.objects.bulk_create(batch)
        EvidenceResult.objects.bulk_create(
            EvidenceResult(
                evidence=e, indicator="People reached", value=Decimal(rng.randint(1, 10**6)), unit="people", year=2027
            )
            for e in batch[::10]
        )
        Evidence.partners.through.objects.bulk_create(
            Evidence.partners.through(evidence_id=e.pk, stakeholdertype_id=partner.pk) for e in batch
        )
    return {"records": records, "seconds": time.perf_counter() - started}


def print_review(records, result):
    print(f"Voluntary national review of one State with {records:,} published records in the cycle")
    for step, label in (("draft", "drafting (create + draft every section)"), ("finalise", "finalising (DOCX + PDF)")):
        r = result.get(step) or {}
        value = r.get("error") or f"{ms(r['seconds'])}, {r['peak_mb']:,.0f} MB peak ({r['outcome']})"
        print(f"  {label}: {value}")


def _forked_parts(report_id, claimed_at, tmp, formats):
    """The chord's work without a broker: each format in a forked process, as many at once as
    there are cores (a celery worker's default concurrency), then the finishing step."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from django.db import connections

    from reporting.reports import finish

    connections.close_all()  # each forked process opens its own connection
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
        outcomes = list(pool.map(_forked_part, [(report_id, claimed_at, tmp, fmt) for fmt in formats]))
    if any(outcome != "done" for outcome in outcomes):
        finish(report_id, claimed_at, tmp)
        raise RuntimeError(f"parts: {outcomes}")
    outcome = finish(report_id, claimed_at, tmp)
    if outcome != "complete":
        raise RuntimeError(outcome)


def _forked_part(arguments):
    from django.db import connections

    from reporting.reports import render_part

    connections.close_all()
    try:
        return render_part(*arguments)
    finally:
        connections.close_all()


def measure_exports():
    """Each unfiltered export read to the end through the view: seconds, rows/s, first byte."""
    _setup()
    from django.test import Client

    from commitments.models import Evidence

    client = Client()
    rows = Evidence.objects.filter(is_published=True).count()
    out = {"rows": rows}
    for fmt in ("csv", "json", "xlsx"):
        cpu, started, first, size = time.process_time(), time.perf_counter(), None, 0
        response = client.get(f"/evidence/export.{fmt}")
        for chunk in response.streaming_content:
            first = first if first is not None else time.perf_counter() - started
            size += len(chunk)
        out[fmt] = {
            "status": response.status_code,
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "first_byte": first,
            "bytes": size,
        }
    out["filtered"] = measure_filtered_exports(client)
    # The whole set written ahead for this data version (what reporting.prebuild_pages does after a
    # change), then served from that file to the next downloader.
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from commitments import dataversion, exports
    from commitments.filters import filter_evidence

    version = dataversion.current()
    for fmt in exports.PREBUILT_FORMATS:
        exports.prebuilt_path(fmt, version).unlink(missing_ok=True)
        cpu, started = time.process_time(), time.perf_counter()
        exports.write_prebuilt(fmt, version, filter_evidence(QueryDict(), AnonymousUser())[1])
        written = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}
        cpu, started, first, size = time.process_time(), time.perf_counter(), None, 0
        response = client.get(f"/evidence/export.{fmt}")
        for chunk in response.streaming_content:
            first = first if first is not None else time.perf_counter() - started
            size += len(chunk)
        out[f"{fmt}_file"] = {
            "status": response.status_code,
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "first_byte": first,
            "bytes": size,
            "same": size == out[fmt]["bytes"],
            "written": written,
        }
    return out


FILTERED_EXPORTS = EXPORT_QUERIES  # the same filters as the load scenario's downloads through gunicorn


def _download(client, path):
    cpu, started, size = time.process_time(), time.perf_counter(), 0
    response = client.get(path)
    for chunk in response.streaming_content:
        size += len(chunk)
    return {"status": response.status_code, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def measure_filtered_exports(client):
    """CSV exports of a few filters: each row written from its record (no line written ahead), then
    the lines written (commitments.exports.build_lines, as the pre-building task does), then read."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict

    from commitments import exports
    from commitments.filters import filter_evidence
    from commitments.models import ExportLine

    ExportLine.objects.all().delete()
    out = {"queries": {}}
    for query in FILTERED_EXPORTS:
        rows = filter_evidence(QueryDict(query), AnonymousUser())[1].count()
        out["queries"][query] = {"rows": rows, "written": _download(client, f"/evidence/export.csv?{query}")}
    cpu, started = time.process_time(), time.perf_counter()
    lines = exports.build_lines()
    out["build"] = {"lines": lines, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}
    for query in FILTERED_EXPORTS:
        out["queries"][query]["lines"] = _download(client, f"/evidence/export.csv?{query}")
    return out


# --- Output ----------------------------------------------------------------------------------


def ms(seconds):
    return "n/a" if seconds is None else f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def report_cell(r):
    if not r or r.get("error"):
        return (r or {}).get("error", "not available")
    if r.get("outcome") != "complete":
        return f"{r.get('outcome')}: {r.get('error_text', '')}"
    cell = f"{ms(r['seconds'])}, {r['peak_mb']:,.0f} MB peak"
    if r.get("cpu_seconds") is not None:
        # The work, wherever it ran: on N cores the compilation cannot take less than work / N.
        parts = ", ".join(f"{fmt} {ms(s)}" for fmt, s in sorted((r.get("parts") or {}).items()))
        cell += f"; {r['cpu_seconds']:.1f} s of CPU on {r['cores']} cores (reading {ms(r['prepare_seconds'])}; {parts})"
    if r.get("again_seconds") is not None:
        how = "same files" if r.get("again_same_files") else "compiled again"
        cell += f"; again, data unchanged: {ms(r['again_seconds'])} ({how})"
    return cell


def rows_for(r):
    if r.get("error"):
        return [(label, "error") for label, _v in rows_for(EMPTY)[:-1]] + [("error", r["error"])]
    api = "not available" if r.get("api_list") is None else f"{ms(r['api_list'])} ({r.get('api_queries')} queries)"
    return [
        ("records (published)", f"{r['records']:,} ({r['published']:,})"),
        ("dashboard data, no filter", ms(r["data_none"])),
        ("  one hand-written SQL", ms(r["sql_none"])),
        ("  ratio (target <= 1.5x)", ratio(r["data_none"], r["sql_none"])),
        (f"dashboard data, {FILTERS}", ms(r["data_filtered"])),
        ("  one hand-written SQL", ms(r["sql_filtered"])),
        ("  ratio (target <= 1.5x)", ratio(r["data_filtered"], r["sql_filtered"])),
        ("  same totals as the SQL", "yes" if r["check_none"] and r["check_filtered"] else "NO"),
        ("queries per GET /dashboards/", str(r["dashboard_queries"])),
        ("GET /dashboards/ (whole page)", ms(r["dashboard_page"])),
        ("GET /api/v1/evidence/ median (< 50 ms)", api),
        ("national report (< 2 s)", report_cell(r.get("report_national"))),
        ("global biennial (< 60 s, < 500 MB)", report_cell(r.get("report_global"))),
        *export_rows(r.get("exports")),
        *plans_pledges_rows(r.get("plans_pledges")),
    ]


PLAN_PLEDGE_PAGES = [
    ("state_page", "state profile with plan, /states/ISO/"),
    ("state_dashboard", "  its dashboard profile"),
    ("plan_page", "  its plan's page"),
    ("pledge_list", "pledge list /pledges/ (< 100 ms)"),
    ("pledge_list_filtered", "pledge list filtered kind+objective"),
    ("pledge_list_deep", "pledge list ?page=50"),
    ("pledge_api", "pledge API list /api/v1/pledges/"),
]


def page_cell(x):
    if not x:
        return "n/a"
    if x.get("status") != 200:
        return f"HTTP {x.get('status')}"
    cell = f"{ms(x['seconds'])}, {x['queries']} q; cold {ms(x['cold'])}, {x['cold_queries']} q"
    return f"{cell}; cached {ms(x['cached'])}" if "cached" in x else cell


def plans_pledges_rows(p):
    p = p or {"error": "not measured"}
    if p.get("error") and "pledges" not in p:
        return [("pledges (published)", "error"), *[(label, p["error"][:60]) for _k, label in PLAN_PLEDGE_PAGES]]
    rows = [
        ("pledges (published)", f"{p['pledges']:,} ({p['pledges_published']:,})"),
        ("plan items (in published plans)", f"{p['items']:,} ({p['items_published']:,})"),
        ("State with most plan items", f"{p.get('state', '-')}, {p.get('state_items', 0):,} items"),
    ]
    return rows + [(label, page_cell(p.get(key))) for key, label in PLAN_PLEDGE_PAGES]


def export_rows(e):
    rows = []
    for fmt in ("csv", "json", "xlsx"):
        x = (e or {}).get(fmt)
        if not x or x.get("status") != 200:
            rows.append((f"export .{fmt}, every record", (e or {}).get("error", "error")))
            continue
        n = e["rows"]
        cell = f"{ms(x['seconds'])}, {n / x['seconds']:,.0f} rows/s ({n / max(x['cpu'], 1e-9):,.0f}/CPU s)"
        rows.append((f"export .{fmt}, every record (>= 50,000 rows/s)", cell))
    filtered = (e or {}).get("filtered") or {}
    if filtered.get("build"):
        b = filtered["build"]
        rows.append(("CSV lines written ahead", f"{b['lines']:,} lines in {ms(b['seconds'])}, once per record"))
    for query, q in filtered.get("queries", {}).items():
        n = q["rows"]
        for how, label in (("written", "each row written"), ("lines", "lines written ahead")):
            x = q.get(how) or {}
            if x.get("status") != 200:
                rows.append((f"export .csv?{query}, {label}", "error"))
                continue
            speed = f"{n / x['seconds']:,.0f} rows/s ({n / max(x['cpu'], 1e-9):,.0f}/CPU s)"
            cell = f"{n:,} rows, {ms(x['seconds'])}, {speed}"
            rows.append((f"export .csv?{query}, {label} (>= 50,000 rows/s)", cell))
    for fmt in ("csv", "json"):
        x = (e or {}).get(f"{fmt}_file")
        if not x or x.get("status") != 200:
            continue
        n, w = e["rows"], x["written"]
        same = "same bytes" if x["same"] else "SIZE DIFFERS"
        rows.append((f"export .{fmt}, file written ahead", f"{ms(w['seconds'])} to write, once per data version"))
        rows.append(
            (f"export .{fmt}, served from that file", f"{ms(x['seconds'])}, {n / x['seconds']:,.0f} rows/s, {same}")
        )
    return rows


EMPTY = {
    **dict.fromkeys(["records", "published", "dashboard_queries"], 0),
    **dict.fromkeys(["data_none", "sql_none", "data_filtered", "sql_filtered", "dashboard_page", "api_list"]),
    **dict.fromkeys(["check_none", "check_filtered"], False),
}


def print_table(sizes, results):
    columns = {size: rows_for(results[size]) for size in sizes}
    labels = [label for label, _value in columns[sizes[0]]]
    width = max(len(label) for label in labels)
    widths = {size: max(len(f"{size:,} records"), *(len(v) for _l, v in columns[size])) + 2 for size in sizes}
    header = "".ljust(width) + "".join(f"{size:,} records".rjust(widths[size]) for size in sizes)
    print(header)
    print("-" * len(header))
    for i, label in enumerate(labels):
        print(label.ljust(width) + "".join(columns[size][i][1].rjust(widths[size]) for size in sizes))


if __name__ == "__main__":
    main()
