"""`make run`'s script on a fresh database: seeds demo data, serves the framework, stops on Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def wait_for(url, proc, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "scripts/run.sh exited early:\n" + proc.stdout.read()
        try:
            return fetch(url)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout} s")


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.services
def test_run_serves_home_and_action_then_stops_on_ctrl_c(redis_server, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "true",
        "SECRET_KEY": "run-script-test-" + "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_server}/3",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(port),
        "DJANGO_SETTINGS_MODULE": "monitor.settings",
    }
    proc = subprocess.Popen(
        ["scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        status, home = wait_for(f"http://127.0.0.1:{port}/", proc)
        assert status == 200 and home.count('href="/objectives/') == 23
        status, action = fetch(f"http://127.0.0.1:{port}/actions/13a/")
        assert status == 200 and "Use existing relevant human rights mechanisms" in action
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process group
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert "runs at http://127.0.0.1:" in output
    assert "Demo log-ins (development only" in output and "username" in output
    assert "Stopping the monitor" in output
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(proc.pid), "web server, worker or beat still running after Ctrl-C"
