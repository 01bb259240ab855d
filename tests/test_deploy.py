"""The deployment files in deploy/: checked as far as this machine allows, without a Docker engine or a database.

What really runs here: gunicorn.conf.py (executed, then gunicorn boots the real app with it and serves a static
file collected exactly as the Dockerfile collects them), and `systemd-analyze verify` on the units. The compose
file, the Dockerfile and the nginx site are parsed and checked against the settings and against each other.
"""

import configparser
import os
import re
import runpy
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from gunicorn.config import KNOWN_SETTINGS

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = ("gcm-web.service", "gcm-worker.service", "gcm-beat.service")
APP_SERVICES = ("web", "worker", "beat")
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
GUNICORN_VARS = (
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_MAX_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_LOG_LEVEL",
    "FORWARDED_ALLOW_IPS",
)


def settings_variables():
    """The environment variables monitor/settings.py reads (the same patterns as tests/test_settings.py)."""
    src = (ROOT / "monitor" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', src)) | set(re.findall(r'envbool\("([A-Z_]+)"', src))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG"} <= names, "the patterns broke"
    return names


def gunicorn_variables():
    names = set(re.findall(r'_env_(?:str|int)\("([A-Z_]+)"', GUNICORN_CONF.read_text()))
    assert names == set(GUNICORN_VARS), "gunicorn.conf.py reads variables this test does not know"
    return names


def clean_env(**extra):
    """A minimal environment for a subprocess: none of the suite's own settings leak into it."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "ENV_FILE": "", **extra}


# ----------------------------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose():
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def service_env(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def command_text(service):
    cmd = service.get("command")
    return " ".join(cmd) if isinstance(cmd, list) else (cmd or "")


def test_compose_has_the_five_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    assert compose["services"]["postgres"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"] == "redis:7"
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert "ping" in compose["services"]["redis"]["healthcheck"]["test"]
    assert "pgdata" in compose["volumes"] and "media" in compose["volumes"]


def test_compose_sets_only_variables_the_application_reads(compose):
    known = settings_variables() | gunicorn_variables()
    for name in APP_SERVICES:
        env = service_env(compose["services"][name])
        assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG"} <= set(env), name
        assert set(env) <= known, f"{name} sets variables nothing reads: {sorted(set(env) - known)}"
        assert env["DEBUG"] == "false"
        # compose refuses to start without a SECRET_KEY instead of running with an empty one.
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        # An empty value would be taken literally by the settings (an empty DATABASE_URL stops start-up).
        assert all(env[v] for v in ("DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"))


def test_compose_urls_point_at_the_compose_services(compose):
    services = compose["services"]
    pg = service_env(services["postgres"])
    for name in APP_SERVICES:
        env = service_env(services[name])
        db = urlparse(env["DATABASE_URL"])
        assert db.scheme in ("postgres", "postgresql") and db.hostname == "postgres" and db.port == 5432
        assert (db.username, db.password, db.path.lstrip("/")) == (
            pg["POSTGRES_USER"],
            pg["POSTGRES_PASSWORD"],
            pg["POSTGRES_DB"],
        )
        redis_url = urlparse(env["REDIS_URL"])
        assert redis_url.scheme == "redis" and redis_url.hostname == "redis" and redis_url.port == 6379


def test_compose_builds_the_app_from_the_deploy_dockerfile(compose):
    for name in APP_SERVICES:
        build = compose["services"][name]["build"]
        assert (DEPLOY / build["context"]).resolve() == ROOT
        assert (ROOT / build["dockerfile"]) == DEPLOY / "Dockerfile"
        assert (ROOT / build["dockerfile"]).is_file()


def test_compose_commands_and_start_order(compose):
    services = compose["services"]
    web = command_text(services["web"])
    steps = [
        web.index("manage.py migrate --noinput"),
        web.index("manage.py load_framework"),
        web.index("gunicorn -c deploy/gunicorn.conf.py monitor.wsgi:application"),
    ]
    assert steps == sorted(steps), "migrate and load_framework must run before gunicorn starts"
    assert "set -e" in web, "a failed migration must stop the container, not start gunicorn"
    assert service_env(services["web"])["GUNICORN_BIND"].endswith(":8000")
    assert any(str(p).endswith(":8000") for p in services["web"]["ports"])
    assert command_text(services["worker"]).startswith("celery -A monitor worker")
    beat = command_text(services["beat"])
    assert beat.startswith("celery -A monitor beat")
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in beat
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert {"postgres", "redis"} <= set(depends), name
        for target, rule in depends.items():
            assert rule["condition"] == "service_healthy", (name, target)
            assert services[target].get("healthcheck"), f"{name} waits for {target}, which has no healthcheck"
    assert services["worker"]["volumes"] == services["web"]["volumes"], "worker and web must share the uploads"


# ----------------------------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def collectstatic_build_env():
    """The variables the Dockerfile sets for its collectstatic step."""
    runs = [args for instr, args in dockerfile_instructions() if instr == "RUN" and "collectstatic" in args]
    assert len(runs) == 1, "the Dockerfile must collect static files once"
    prefix = runs[0].split("python manage.py collectstatic")[0]
    return dict(word.split("=", 1) for word in shlex.split(prefix) if "=" in word)


def test_dockerfile_base_image_packages_and_command():
    instructions = dockerfile_instructions()
    froms = [args for instr, args in instructions if instr == "FROM"]
    assert froms == ["python:3.11-slim-bookworm"]
    runs = " ".join(args for instr, args in instructions if instr == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in runs
    assert "pip install -r requirements.txt" in runs
    assert ("USER", "gcm") in instructions, "the application must not run as root"
    cmd = [args for instr, args in instructions if instr == "CMD"]
    assert cmd and "monitor.wsgi:application" in cmd[-1] and "deploy/gunicorn.conf.py" in cmd[-1]
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".env", ".venv", "db.sqlite3*", "var", ".git"} <= set(ignore), "secrets and local data stay out"


def test_dockerfile_collectstatic_key_satisfies_the_settings():
    env = collectstatic_build_env()
    assert env["DEBUG"] == "false"
    assert len(env["SECRET_KEY"]) >= 40 and not env["SECRET_KEY"].startswith("django-insecure")
    env_lines = " ".join(args for instr, args in dockerfile_instructions() if instr == "ENV")
    assert "SECRET_KEY" not in env_lines, "the build-time key must not be baked into the image"


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """collectstatic run the way the Dockerfile runs it (DEBUG=false, its build-time key)."""
    static_root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=clean_env(**collectstatic_build_env(), STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return static_root


def test_dockerfile_collectstatic_step_runs(collected_static):
    manifest = collected_static / "staticfiles.json"
    assert manifest.is_file(), "the production storage writes a manifest of hashed names"
    assert list(collected_static.rglob("*.css.gz")), "whitenoise precompresses the collected files"


# ----------------------------------------------------------------------------------------------- gunicorn


@pytest.fixture
def gunicorn_env(monkeypatch):
    for name in GUNICORN_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def load_gunicorn_conf():
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_conf_defaults(gunicorn_env):
    conf = load_gunicorn_conf()
    assert conf["bind"] == "127.0.0.1:8000"
    cores = len(os.sched_getaffinity(0))
    assert conf["workers"] == min(cores + 1, 8) and 1 <= conf["workers"] <= 8
    assert conf["timeout"] == 60
    # Threaded: a long streamed download does not stop the heartbeat; each worker is warmed before traffic.
    assert conf["worker_class"] == "gthread" and conf["threads"] == 4 and callable(conf["post_worker_init"])
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]


def test_gunicorn_conf_caps_workers_on_big_machines(gunicorn_env):
    gunicorn_env.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert load_gunicorn_conf()["workers"] == 8
    gunicorn_env.setenv("GUNICORN_MAX_WORKERS", "12")
    assert load_gunicorn_conf()["workers"] == 12


def test_gunicorn_conf_reads_the_environment(gunicorn_env):
    gunicorn_env.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    gunicorn_env.setenv("GUNICORN_WORKERS", "3")
    gunicorn_env.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    conf = load_gunicorn_conf()
    assert (conf["bind"], conf["workers"], conf["forwarded_allow_ips"]) == ("0.0.0.0:9000", 3, "10.0.0.5")
    gunicorn_env.setenv("GUNICORN_WORKERS", "")  # an empty line in /etc/gcm/env keeps the default
    assert load_gunicorn_conf()["workers"] >= 1


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_gunicorn_conf_refuses_bad_worker_counts(gunicorn_env, value):
    gunicorn_env.setenv("GUNICORN_WORKERS", value)
    with pytest.raises(ValueError, match="GUNICORN_WORKERS"):
        load_gunicorn_conf()


def test_gunicorn_conf_names_only_real_settings(gunicorn_env):
    """gunicorn silently ignores a misspelt setting, so check every name against its list."""
    known = {setting.name for setting in KNOWN_SETTINGS}
    names = {k for k, v in load_gunicorn_conf().items() if not k.startswith("_") and not callable(v)}
    names -= {"os"}
    assert names, "no settings found"
    assert names <= known, f"not gunicorn settings: {sorted(names - known)}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_app_with_this_config(collected_static, tmp_path):
    """gunicorn, this config and the real WSGI app with production settings, serving a collected file."""
    port = free_port()
    env = clean_env(
        DEBUG="false",
        SECRET_KEY="s" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        STATIC_ROOT=str(collected_static),
        MEDIA_ROOT=str(tmp_path / "media"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "monitor.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    manifest = (collected_static / "staticfiles.json").read_text()
    hashed = re.search(r'"(css/[^"]+\.[0-9a-f]{12}\.css)"', manifest).group(1)
    url = f"http://127.0.0.1:{port}/static/{hashed}"
    try:
        # The worker warms up (imports every view) before it accepts: a connection may wait meanwhile.
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"gunicorn exited:\n{proc.stdout.read()}"
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    status, headers, body = response.status, response.headers, response.read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "gunicorn did not answer within 90 s"
                time.sleep(0.2)
        assert status == 200
        assert body == (collected_static / hashed).read_bytes()
        assert "immutable" in headers["Cache-Control"] or "max-age=315360000" in headers["Cache-Control"]
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert f"GET /static/{hashed}" in output, "the access log goes to stdout"
    assert "Worker warmed up" in output


# ----------------------------------------------------------------------------------------------- systemd


def read_unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def exec_start(name):
    return shlex.split(read_unit(name)["Service"]["ExecStart"])


def test_units_run_as_gcm_from_srv_gcm_with_hardening():
    for name in UNITS:
        service = read_unit(name)["Service"]
        assert service["User"] == "gcm", name
        assert service["WorkingDirectory"] == "/srv/gcm", name
        assert service["EnvironmentFile"] == "/etc/gcm/env", name
        assert service["Restart"] == "on-failure", name
        assert service["NoNewPrivileges"] == "true" and service["PrivateTmp"] == "true", name
        assert service["ProtectSystem"] in ("full", "strict"), name
        assert "/srv/gcm/var" in service["ReadWritePaths"].split(), name
        assert "ExecStartPre" not in service, f"{name}: migrations are a deploy step, not a start step"
        assert "migrate" not in service["ExecStart"], name
        assert read_unit(name)["Install"]["WantedBy"] == "gcm.target", name


def test_web_unit_starts_gunicorn_with_this_config():
    argv = exec_start("gcm-web.service")
    assert argv[0] == "/srv/gcm/.venv/bin/gunicorn"
    assert argv[1:] == ["-c", "deploy/gunicorn.conf.py", "monitor.wsgi:application"]
    assert (ROOT / argv[2]).is_file(), "the config path is relative to WorkingDirectory, the checkout"


def test_worker_unit_starts_celery_worker_and_lets_tasks_finish():
    argv = exec_start("gcm-worker.service")
    assert argv[0] == "/srv/gcm/.venv/bin/celery" and argv[1:4] == ["-A", "monitor", "worker"]
    service = read_unit("gcm-worker.service")["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed", "only the main process gets SIGTERM, so running tasks finish"
    hard_limit = int(
        re.search(r'"CELERY_TASK_TIME_LIMIT", default=(\d+)', (ROOT / "monitor" / "settings.py").read_text())[1]
    )
    assert int(service["TimeoutStopSec"]) >= 600 and int(service["TimeoutStopSec"]) > hard_limit


def test_beat_unit_starts_celery_beat_with_the_database_scheduler():
    argv = exec_start("gcm-beat.service")
    assert argv[0] == "/srv/gcm/.venv/bin/celery" and argv[1:4] == ["-A", "monitor", "beat"]
    scheduler = argv[argv.index("--scheduler") + 1]
    assert scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert read_unit("gcm-beat.service")["Service"]["Restart"] == "on-failure"


def test_target_pulls_in_the_three_services():
    target = read_unit("gcm.target")
    assert set(target["Unit"]["Wants"].split()) == set(UNITS)
    assert target["Install"]["WantedBy"] == "multi-user.target"
    for name in UNITS:
        assert read_unit(name)["Unit"]["PartOf"] == "gcm.target"


def test_units_pass_systemd_analyze_verify(tmp_path):
    """`systemd-analyze verify` in a scratch root that holds the units, the system's own units, and
    stand-ins for the programs the units run (verify checks that each one exists and is executable)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (Debian package systemd)"
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    system_units = root / "usr/lib/systemd/system"
    system_units.mkdir(parents=True)
    for unit in Path("/usr/lib/systemd/system").iterdir():
        if unit.is_file() and not unit.is_symlink():
            shutil.copy(unit, system_units)
    names = [*UNITS, "gcm.target"]
    for name in names:
        shutil.copy(DEPLOY / "systemd" / name, root / "etc/systemd/system")
        if name.endswith(".service"):
            service = read_unit(name)["Service"]
            for key in ("ExecStart", "ExecReload", "ExecStop"):
                if key in service:
                    # the program path without its systemd prefixes (-@:+!), made relative to the scratch root
                    program = root / shlex.split(service[key])[0].lstrip("-@:+!").lstrip("/")
                    program.parent.mkdir(parents=True, exist_ok=True)
                    program.write_text("#!/bin/sh\n")
                    program.chmod(0o755)
    result = subprocess.run([analyze, "verify", f"--root={root}", *names], capture_output=True, text=True, timeout=120)
    # verify reports unknown keys and unparsable values as warnings with exit status 0: any output is a failure.
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr


# ----------------------------------------------------------------------------------------------- nginx


def parse_nginx(text):
    """A small nginx config parser: a list of (directive, args, children) where children is None for `x y;`."""
    text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    tokens = re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', text)
    stack, current, words = [], [], []
    for token in tokens:
        if token == ";":
            current.append((words[0], words[1:], None))
            words = []
        elif token == "{":
            block = []
            current.append((words[0], words[1:], block))
            stack.append(current)
            current, words = block, []
        elif token == "}":
            assert not words, f"missing ';' before '}}' after {words}"
            current = stack.pop()
        else:
            words.append(token)
    assert not stack and not words, "unbalanced braces or a directive without ';'"
    return current


def walk(nodes):
    for node in nodes:
        yield node
        if node[2]:
            yield from walk(node[2])


@pytest.fixture(scope="module")
def nginx_conf():
    return parse_nginx((DEPLOY / "nginx" / "gcm.conf").read_text())


def tls_server(conf):
    servers = [n for n in conf if n[0] == "server" and any(d[0] == "listen" and "ssl" in d[1] for d in n[2])]
    assert len(servers) == 1
    return servers[0][2]


def locations(server):
    return {tuple(n[1]): n[2] for n in server if n[0] == "location"}


def test_nginx_proxies_to_gunicorn_with_forwarded_headers(nginx_conf):
    upstream = next(n for n in nginx_conf if n[0] == "upstream")
    assert ("server", ["127.0.0.1:8000"], None) in upstream[2]
    server = tls_server(nginx_conf)
    root = locations(server)[("/",)]
    assert ("proxy_pass", [f"http://{upstream[1][0]}"], None) in root
    headers = {d[1][0]: d[1][1] for d in root if d[0] == "proxy_set_header"}
    assert headers["Host"] == "$host" and headers["X-Forwarded-Host"] == "$host"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$remote_addr", "the edge proxy must not pass on a client's forged list"


def test_nginx_upload_limit_and_compression(nginx_conf):
    server = tls_server(nginx_conf)
    assert ("client_max_body_size", ["25m"], None) in server
    assert ("gzip", ["on"], None) in server
    gzip_types = next(d[1] for d in server if d[0] == "gzip_types")
    assert {"text/css", "application/javascript", "application/json"} <= set(gzip_types)
    security = {d[1][0] for d in server if d[0] == "add_header"}
    assert "Strict-Transport-Security" in security


def test_nginx_serves_static_with_long_cache_and_never_exposes_media(nginx_conf):
    server = tls_server(nginx_conf)
    locs = locations(server)
    static = locs[("/static/",)]
    assert ("alias", ["/srv/gcm/var/static/"], None) in static
    cache = next(d[1][1] for d in static if d[0] == "add_header" and d[1][0] == "Cache-Control")
    cache_map = next(n for n in nginx_conf if n[0] == "map" and n[1][1] == cache)
    assert any("max-age=31536000" in " ".join(d[1]) for d in cache_map[2])
    # Uploads are confidential and served by Django with permission checks: nginx refuses /media/ outright.
    media = locs[("/media/",)]
    assert media == [("return", ["404"], None)]
    for directive, args, _ in walk(nginx_conf):
        if directive in ("alias", "root"):
            assert "media" not in args[0], f"{directive} {args[0]} would serve uploads without permission checks"


# ----------------------------------------------------------------------------------------------- README


def test_readme_covers_the_deploy_steps():
    readme = (DEPLOY / "README.md").read_text()
    for step in (
        "migrate --noinput",
        "load_framework",
        "collectstatic",
        "setup_periodic_tasks",
        "systemctl enable",
        "pg_dump",
        ".env.example",
        "docker compose",
    ):
        assert step in readme, step
