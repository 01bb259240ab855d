"""Many readers at once: `make bench BENCH_ARGS="--readers 50 --seconds 30 --sizes 10000"`.

Starts the production server as it runs in production (gunicorn with deploy/gunicorn.conf.py,
DEBUG off, the shared cache on its own redis-server) on a seeded database, then lets --readers
anonymous readers request pages in a closed loop (each sends its next request when the last
answer arrives, no think time) for --seconds, over the page mix: dashboards (global,
filtered, a State's, an objective's), the evidence list (first and deeper pages), the API list
and record pages, each with a random State, objective, page or record. It prints throughput,
latency percentiles, errors and the server's CPU time per request (from /proc, all gunicorn
processes). Only 127.0.0.1 is contacted; every phase is bounded in time.
"""

import csv
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTIVES = 23
PAGE_MIX = [  # (name, weight)
    ("dashboard global", 2),
    ("dashboard filtered", 2),
    ("dashboard State", 2),
    ("dashboard objective", 2),
    ("evidence list", 3),
    ("API list", 2),
    ("record page", 3),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Server:
    """gunicorn (production settings and config) and a redis-server, started and stopped here."""

    def __init__(self, database_url, code_root=ROOT, redis=True, workdir=None):
        self.workdir = Path(workdir or ROOT / "var" / "bench")
        self.port, self.code_root, self.procs = free_port(), Path(code_root), []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "monitor.settings",
            "ENV_FILE": "",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_COOKIES": "false",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(self.workdir / "static"),
            "ALLOWED_HOSTS": "127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_LOG_LEVEL": "warning",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(self.code_root),
            # As behind the project's nginx: each reader is counted by the address nginx passes on
            # (X-Real-IP), so each has its own throttle history, as 50 people would. The rates are
            # raised all the same (a reader here reads about as fast as the anonymous limit allows).
            "BEHIND_PROXY": "true",
            "API_ANON_RATE": "1000000/min",
            "API_USER_RATE": "1000000/min",
        }
        redis_port = free_port() if redis else 1  # port 1: nothing listens, the cache is "down"
        self.env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        self.redis_port = redis_port if redis else None

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.redis_port:
            binary = shutil.which("redis-server")
            if not binary:
                raise RuntimeError("redis-server is missing (scripts/ensure-system.sh redis)")
            args = [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_port(self.redis_port, self.procs[-1], 10)
        # The manifest (names with hashes) without the compressed copies, which a deployment makes
        # once and take minutes on this machine; pages only need the names.
        collect = (
            "from django.conf import settings; from django.core.management import call_command; "
            "settings.STORAGES = {**settings.STORAGES, 'staticfiles': "
            "{'BACKEND': 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}; "
            "call_command('collectstatic', interactive=False, verbosity=0)"
        )
        manage = [sys.executable, str(self.code_root / "manage.py")]
        subprocess.run(
            [*manage, "shell", "-c", collect],
            env=self.env,
            cwd=self.code_root,
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(self.code_root / "deploy" / "gunicorn.conf.py")]
        self.gunicorn = subprocess.Popen(
            [*gunicorn, "monitor.wsgi:application"],
            env=self.env,
            cwd=self.code_root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(self.gunicorn)
        wait_port(self.port, self.gunicorn, 60)
        return self

    def prebuild(self):
        """What the worker's reporting.prebuild_pages task does after a change: the most read pages built."""
        done = subprocess.run(
            [sys.executable, str(self.code_root / "manage.py"), "prebuild_pages", "--force"],
            env=self.env,
            cwd=self.code_root,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        return (done.stdout or done.stderr).strip().splitlines()[-1:] or ["?"]

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def cpu_seconds(self):
        """CPU time of gunicorn: the master, its live workers, and the workers it has reaped."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        master = self.gunicorn.pid
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(pid_dir.name), int(fields[1])
            if pid == master:
                total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
            elif ppid == master:
                total += int(fields[11]) + int(fields[12])
        return total / tick


def get(port, path, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "text/html,application/json", "Accept-Language": "en"})
        response = conn.getresponse()
        body = response.read()
        return response.status, body
    finally:
        conn.close()


def sample_records(port, count=500):
    """Record ids to read, from the API itself (any database)."""
    status, body = get(port, "/api/v1/evidence/?page_size=200")
    records = []
    data = json.loads(body) if status == 200 else {"results": [], "next": None}
    while data and len(records) < count:
        records += [row["record"] for row in data["results"]]
        cursor = data.get("next_cursor") or data.get("next")
        if not cursor:
            break
        path = cursor.split("127.0.0.1", 1)[-1].split(":", 1)[-1]
        path = path[path.index("/") :]
        status, body = get(port, path)
        data = json.loads(body) if status == 200 else None
    return records, _states(port)


def _states(port):
    status, body = get(port, "/api/v1/states/?page_size=200")
    if status != 200:
        return ["MAR"]
    data = json.loads(body)
    rows = data["results"] if isinstance(data, dict) else data
    return [row.get("iso3") for row in rows if row.get("iso3")] or ["MAR"]


def pick(rng, records, states):
    name = rng.choices([n for n, _w in PAGE_MIX], weights=[w for _n, w in PAGE_MIX])[0]
    if name == "dashboard global":
        return name, "/dashboards/"
    if name == "dashboard filtered":
        region = rng.choice(["Africa", "Americas", "Asia", "Europe", "Oceania"])
        return name, f"/dashboards/?region={region}&status={rng.choice(['completed', 'under_way', 'advanced'])}"
    if name == "dashboard State":
        return name, f"/dashboards/states/{rng.choice(states)}/"
    if name == "dashboard objective":
        return name, f"/dashboards/objectives/{rng.randint(1, OBJECTIVES)}/"
    if name == "evidence list":
        page = rng.choice([1, 1, 1, 2, 3, rng.randint(4, 200)])
        return name, "/evidence/" + (f"?page={page}" if page > 1 else "")
    if name == "API list":
        return name, "/api/v1/evidence/" + rng.choice(["", "?state=" + rng.choice(states), "?objective=13"])
    return name, f"/evidence/{rng.choice(records)}/" if records else "/evidence/"


# As the project's nginx passes requests on (deploy/nginx/gcm.conf): the host without the port,
# and the scheme readers used (with BEHIND_PROXY=true, Django trusts X-Forwarded-Proto).
HEADERS = {
    "Accept": "text/html,application/json",
    "Accept-Language": "en",
    "Host": "127.0.0.1",
    "X-Forwarded-Proto": "https",
}


def reader(port, deadline, records, states, seed, out):
    """One reader: like a browser, it keeps its connection open between requests (HTTP/1.1
    keep-alive, which gunicorn's threaded workers honour for `keepalive` seconds) and opens a new
    one when the server has closed it."""
    rng = random.Random(seed)
    headers = {**HEADERS, "X-Real-IP": f"10.0.{seed // 250 % 250}.{seed % 250 + 1}"}
    conn = None
    while time.monotonic() < deadline:
        name, path = pick(rng, records, states)
        started = time.monotonic()
        for attempt in (1, 2):  # a kept connection the server closed meanwhile is opened again once
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, deadline - started + 30))
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                conn = None
                status = type(exc).__name__
                if attempt == 2:
                    break
            except OSError as exc:
                if conn is not None:
                    conn.close()
                conn = None
                status = type(exc).__name__
                break
        out.append((name, time.monotonic() - started, status))
    if conn is not None:
        conn.close()


def load(port, readers, seconds, records, states, cpu, seed=0):
    """The closed loop: `readers` threads until `seconds` have passed; answers still in flight finish."""
    results = [[] for _ in range(readers)]
    cpu_before, own_before, started = cpu(), time.process_time(), time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=reader, args=(port, deadline, records, states, seed + n, results[n]), daemon=True)
        for n in range(readers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed, cpu_used = time.monotonic() - started, cpu() - cpu_before
    return [row for rows in results for row in rows], elapsed, cpu_used, time.process_time() - own_before


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(rows, elapsed, cpu_used, own_cpu=None):
    latencies = [t for _n, t, _s in rows]
    errors = [s for _n, _t, s in rows if s != 200]
    lines = [
        f"requests {len(rows):,} in {elapsed:.1f} s: {len(rows) / elapsed:.1f} req/s; errors {len(errors)}"
        + (f" ({', '.join(sorted({str(e) for e in errors}))})" if errors else ""),
        f"latency ms: p50 {percentile(latencies, 50) * 1000:.0f}, p95 {percentile(latencies, 95) * 1000:.0f}, "
        f"p99 {percentile(latencies, 99) * 1000:.0f}, max {max(latencies, default=0) * 1000:.0f}",
        f"server CPU per request: {cpu_used / max(1, len(rows)) * 1000:.1f} ms ({cpu_used:.1f} s in all)"
        + ("" if own_cpu is None else f"; the load generator used {own_cpu:.1f} s of CPU on the same cores"),
        "",
        f"{'page':<22}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    for name, _w in PAGE_MIX:
        times = [t for n, t, _s in rows if n == name]
        errs = sum(1 for n, _t, s in rows if n == name and s != 200)
        lines.append(
            f"{name:<22}{len(times):>10}{percentile(times, 50) * 1000:>9.0f}"
            f"{percentile(times, 95) * 1000:>9.0f}{percentile(times, 99) * 1000:>9.0f}{errs:>8}"
        )
    return lines


def run_load(database_url, *, readers, seconds, warmup=5.0, code_root=ROOT, redis=True, prebuild=True):
    server = Server(database_url, code_root=code_root, redis=redis).start()
    built = ["pages not pre-built (--no-prebuild)"]
    try:
        if prebuild and redis:
            built = ["pre-built: " + " ".join(server.prebuild())]
        records, states = sample_records(server.port)
        # Warm-up, not counted: every worker imports the project on its first requests.
        load(server.port, min(readers, 8), warmup, records, states, server.cpu_seconds)
        # First the readers meet pages, lists and API answers not read yet (each is built on its first
        # read); then the same readers again, with those answers in the cache (the steady state).
        first = load(server.port, readers, seconds, records, states, server.cpu_seconds)
        again = load(server.port, readers, seconds, records, states, server.cpu_seconds, seed=readers)
        downloads = exports_over_http(server.port)
    finally:
        server.stop()
    workers = server.env.get("GUNICORN_WORKERS") or "default"
    header = [
        f"Load: {readers} readers, closed loop, {seconds:.0f} s after a {warmup:.0f} s warm-up; "
        f"gunicorn deploy/gunicorn.conf.py (workers: {workers}), DEBUG off, cache: "
        + ("redis" if redis else "redis unreachable"),
        f"code: {code_root}; {len(records)} records and {len(states)} States sampled",
        *built,
    ]
    return [
        *header,
        "",
        "First pass (answers built on their first read):",
        *summary(*first),
        "",
        "Second pass (as many readers again, other random pages of the same mix; most answers in the cache):",
        *summary(*again),
        "",
        "Filtered CSV exports, one download at a time (the lines written ahead when pages were pre-built):",
        *downloads,
    ]


def run_paired(database_url, *, readers, seconds, code_roots, rounds=6, warmup=5.0):
    """Two checkouts compared in pairs: both served at once (each its own gunicorn and redis, pages
    pre-built, a first pass read), then short loads alternating between them, the order swapped
    each round. This machine's speed drifts by a third between runs minutes apart; a pair run
    back to back meets the same drift. The machine's CPU per request counts the database too."""
    from reporting.bench import machine_cpu_seconds

    servers, lines = {}, []
    try:
        for name, root in zip("AB", code_roots, strict=True):
            servers[name] = Server(database_url, code_root=root).start()
            lines.append(f"{name}: {root}; pre-built: {' '.join(servers[name].prebuild())}")
        records, states = sample_records(servers["A"].port)
        for server in servers.values():
            load(server.port, min(readers, 8), warmup, records, states, server.cpu_seconds)
            load(server.port, readers, seconds, records, states, server.cpu_seconds)
        lines.append(f"{rounds} rounds of {seconds:.0f} s, {readers} readers, after a first pass of each")
        results = {"A": [], "B": []}
        for number in range(rounds):
            for name in "AB" if number % 2 == 0 else "BA":
                server = servers[name]
                before = machine_cpu_seconds()
                rows, elapsed, _cpu, _own = load(
                    server.port, readers, seconds, records, states, server.cpu_seconds, seed=1000 + number * readers
                )
                latencies = [t for _n, t, _s in rows]
                row = (
                    len(rows) / elapsed,
                    percentile(latencies, 50) * 1000,
                    percentile(latencies, 99) * 1000,
                    (machine_cpu_seconds() - before) / max(1, len(rows)) * 1000,
                    sum(1 for _n, _t, status in rows if status != 200),
                )
                results[name].append(row)
                lines.append(
                    f"round {number} {name}: {row[0]:.1f} req/s, p50 {row[1]:.0f} ms, p99 {row[2]:.0f} ms, "
                    f"machine CPU {row[3]:.2f} ms per request, errors {row[4]}"
                )
        for name, rows in results.items():
            lines.append(
                f"{name} median: {statistics.median(r[0] for r in rows):.1f} req/s, "
                f"p99 {statistics.median(r[2] for r in rows):.0f} ms, "
                f"machine CPU {statistics.median(r[3] for r in rows):.2f} ms per request"
            )
        pairs = list(zip(results["A"], results["B"], strict=True))
        lines.append(
            f"B against A: p99 lower in {sum(b[2] < a[2] for a, b in pairs)} rounds of {rounds}, "
            f"throughput higher in {sum(b[0] > a[0] for a, b in pairs)}, "
            f"machine CPU per request lower in {sum(b[3] < a[3] for a, b in pairs)}"
        )
    finally:
        for server in servers.values():
            server.stop()
    return lines


EXPORT_QUERIES = ("region=Africa", "status=completed&sort=title", "principle=f")


def exports_over_http(port):
    """Each filtered CSV export downloaded whole from gunicorn: rows (parsed after), seconds, rows/s."""
    lines = []
    for query in EXPORT_QUERIES:
        started = time.perf_counter()
        status, body = get(port, f"/evidence/export.csv?{query}", timeout=600)
        seconds = time.perf_counter() - started
        if status != 200:
            lines.append(f"  {query}: HTTP {status}")
            continue
        rows = sum(1 for _row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))) - 1
        size = f"{len(body) / 1e6:,.1f} MB"
        lines.append(f"  {query}: {rows:,} rows, {size} in {seconds * 1000:,.0f} ms: {rows / seconds:,.0f} rows/s")
    return lines
