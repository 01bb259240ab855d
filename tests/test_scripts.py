"""The set-up scripts behave on a machine where nothing is running yet.

`make test-postgres` runs `DATABASE_URL=$(scripts/postgres-url.sh) make test-suite`. The shell's
command substitution ends only when every holder of its pipe has closed it, so a server started by
the script must not inherit that pipe. On a fresh machine (cluster down) it once did, and CI waited
until its time limit. These tests put stand-ins for Debian's PostgreSQL tools on the PATH; the
stand-in `pg_ctlcluster` leaves a long-lived process behind, as the real one leaves the server.
"""

import os
import stat
import subprocess
import textwrap

import pytest

from tests.conftest import ROOT

FAKE_TOOLS = {
    # version cluster port status owner datadir logfile
    "pg_lsclusters": 'cat "$FAKE_STATE/clusters"',
    # Start "the server": a background process that keeps the descriptors it inherits, as postgres does.
    "pg_ctlcluster": textwrap.dedent(
        """\
        sleep 30 >/dev/null 2>&1 &  # like the real server: output to its log, other descriptors kept
        echo $! > "$FAKE_STATE/server.pid"
        sed -i 's/ down / online /' "$FAKE_STATE/clusters"
        """
    ),
    "pg_createcluster": 'echo "15 main 5499 down postgres /x /y" > "$FAKE_STATE/clusters"',
    "pg_isready": "exit 0",
    "runuser": 'shift 3; "$@"',
    "sudo": 'shift 2; "$@"',
    "psql": "echo 1",
}


@pytest.fixture
def fake_postgres(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in FAKE_TOOLS.items():
        tool = bin_dir / name
        tool.write_text("#!/usr/bin/env bash\n" + body + "\n")
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    state = tmp_path / "state"
    state.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_STATE": str(state)}
    yield state, env
    pid_file = state / "server.pid"
    if pid_file.exists():
        subprocess.run(["kill", pid_file.read_text().strip()], check=False)


@pytest.mark.parametrize("initial", ["15 main 5499 down postgres /x /y\n", ""], ids=["cluster-down", "no-cluster"])
def test_postgres_url_returns_while_the_server_it_started_keeps_running(fake_postgres, initial):
    state, env = fake_postgres
    (state / "clusters").write_text(initial)
    script = ROOT / "scripts" / "postgres-url.sh"
    # Exactly how the Makefile calls it. The old script hung here for the server's lifetime (30 s).
    result = subprocess.run(
        ["bash", "-c", f'url=$("{script}") && echo "URL=$url"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=15,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "URL=postgres://gcm:gcm@127.0.0.1:5499/gcm"
    assert (state / "server.pid").exists(), "the stand-in server was never started"


def test_ensure_system_installs_nothing_when_fonts_and_libraries_are_there(tmp_path):
    """fc-list and ldconfig print long lists; the wanted entry comes first, as it may. Under
    `pipefail`, `fc-list | grep -q` failed when grep stopped reading early: the fonts were
    installed again by every `make`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    filler = "yes '/usr/share/fonts/x/Other-Font.ttf: Other Font:style=Regular' | head -n 20000"
    tools = {
        "fc-list": f"printf '%s\\n' 'NotoSansArabic.ttf: Noto Sans Arabic' 'NotoSansCJK.ttc: Noto Sans CJK SC' "
        f"'DejaVuSans.ttf: DejaVu Sans'; {filler}",
        "ldconfig": "printf '%s\\n' 'libharfbuzz-subset.so.0' 'libpango-1.0.so.0'; "
        "yes '\tlibother.so.1 (libc6,x86-64) => /lib/libother.so.1' | head -n 20000",
        "apt-get": f'echo "$@" >> {tmp_path}/apt-calls',
    }
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-system.sh"), "fonts"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Installing" not in done.stdout and not (tmp_path / "apt-calls").exists()
