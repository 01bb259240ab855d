"""Pre-built reader pages: after a change, the most read pages are rendered once into the cache, so the
first reader of the new data version finds them built; nothing is built twice for one version."""

import datetime
import time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commitments import dataversion
from reporting import prebuild, tasks
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def queries_of(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def published(framework, media):
    EvidenceFactory(published=True)  # a record of Morocco
    dataversion.bump(public=True)


def test_the_first_reader_after_a_change_finds_the_pages_built(published):
    done = prebuild.prebuild(languages=["en", "fr", "ar"])
    assert done["failed"] == [] and done["pages"] == 3 * len(prebuild.reader_paths()) + len(prebuild.api_paths())
    assert "/dashboards/states/MAR/" in prebuild.reader_paths()
    reader = Client()
    for path in ["/", "/dashboards/", "/dashboards/objectives/13/", "/fr/dashboards/", "/ar/evidence/"]:
        assert queries_of(reader, path) == 1, path  # the data version, nothing else: the page was built


def test_the_api_lists_are_built_for_readers_behind_the_proxy(published, settings, low_api_rates):
    """As nginx passes them on (Host without the port, X-Forwarded-Proto), JSON or a browser's Accept;
    the pre-builder's own requests are not throttled (its 30 lists exceed the low rate here)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert len(prebuild.api_paths()) > 3
    done = prebuild.prebuild(languages=["en"])
    assert done["failed"] == []
    harvester = Client(HTTP_HOST=prebuild._host(), HTTP_X_FORWARDED_PROTO="https")
    for path, accept in [
        ("/api/v1/evidence/?state=MAR", "application/json"),
        ("/api/v1/evidence/?objective=13", "text/html,application/json"),
        ("/api/v1/evidence/", "application/json"),
    ]:
        with CaptureQueriesContext(connection) as ctx:
            response = harvester.get(path, HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert len(ctx.captured_queries) == 1, (path, [q["sql"] for q in ctx.captured_queries])
        assert response.json()["next"] is None or response.json()["next"].startswith("https://")
    with CaptureQueriesContext(connection) as ctx:  # another State: not built ahead, built on this read
        other = harvester.get("/api/v1/evidence/?state=KEN", HTTP_ACCEPT="application/json", REMOTE_ADDR="10.0.0.2")
        assert other.status_code == 200
    assert len(ctx.captured_queries) > 1


def test_nothing_is_built_twice_for_one_version_and_a_change_builds_again(published):
    assert prebuild.prebuild(languages=["en"]) is not None
    assert prebuild.prebuild(languages=["en"]) is None  # the task every minute: nothing to do
    assert tasks.prebuild_pages() is None
    dataversion.bump(public=True)  # a validation, a withdrawal, an edit readers see
    again = prebuild.prebuild(languages=["en"])
    assert again is not None and again["version"] == dataversion.current().public


def test_one_run_at_a_time(published):
    cache.add(prebuild.LOCK, 1, 60)  # another worker is building
    assert prebuild.prebuild(languages=["en"]) is None
    cache.delete(prebuild.LOCK)
    assert prebuild.prebuild(languages=["en"]) is not None


def test_a_long_run_keeps_its_lock_and_a_killed_one_frees_it_soon(published, monkeypatch):
    """The lock is renewed while a run builds (the exports take minutes at a million records), and
    expires soon after a run that stopped without releasing it (a worker killed half-way)."""
    monkeypatch.setattr(prebuild, "LOCK_SECONDS", 1)
    monkeypatch.setattr(prebuild, "RENEW_SECONDS", 0.2)
    seen = {}

    def slow_exports(version):
        time.sleep(1.6)  # past LOCK_SECONDS: held only if renewed
        seen["held"] = not cache.add(prebuild.LOCK, "another run", 1)
        return []

    monkeypatch.setattr(prebuild, "_write_exports", slow_exports)
    assert prebuild.prebuild(languages=["en"], force=True) is not None
    assert seen == {"held": True}
    assert cache.get(prebuild.LOCK) is None  # released by the run that held it
    cache.add(prebuild.LOCK, "a run killed half-way", prebuild.LOCK_SECONDS)
    assert prebuild.prebuild(languages=["en"], force=True) is None
    time.sleep(1.2)
    assert prebuild.prebuild(languages=["en"], force=True) is not None


def test_a_run_never_releases_a_lock_it_no_longer_holds(published, monkeypatch):
    def lost_lock(version):
        cache.set(prebuild.LOCK, "the next run", 60)  # ours expired (the cache was flushed), another took it
        return []

    monkeypatch.setattr(prebuild, "_write_exports", lost_lock)
    assert prebuild.prebuild(languages=["en"], force=True) is not None
    assert cache.get(prebuild.LOCK) == "the next run"


def test_a_change_while_building_leaves_the_version_to_the_next_run(published, monkeypatch):
    real = dataversion.current
    calls = {"n": 0}

    def moving():
        calls["n"] += 1
        return real() if calls["n"] < 3 else type(real())(real().public + 1, real().private + 1, real().changed_at)

    monkeypatch.setattr(dataversion, "current", moving)
    done = prebuild.prebuild(languages=["en"])
    assert done["pages"] < len(prebuild.reader_paths())
    monkeypatch.setattr(dataversion, "current", real)
    assert prebuild.prebuild(languages=["en"]) is not None  # not marked as built: the next run builds


def test_the_command_says_what_it_did(published):
    out = StringIO()
    call_command("prebuild_pages", "--language", "en", stdout=out)
    assert "pages built in" in out.getvalue()
    out = StringIO()
    call_command("prebuild_pages", "--language", "en", stdout=out)
    assert out.getvalue().startswith("Nothing to do")


def test_the_schedule_runs_it_every_minute():
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", stdout=StringIO())
    assert PeriodicTask.objects.get(task="reporting.prebuild_pages").crontab.minute == "*"


def body(response):
    return b"".join(response.streaming_content)


def test_the_whole_export_is_served_from_the_file_written_for_this_version(published, media, client):
    from django.http import FileResponse

    live = {fmt: body(client.get(f"/evidence/export.{fmt}")) for fmt in ("csv", "json")}
    prebuild.prebuild(languages=["en"])
    for fmt in ("csv", "json"):
        response = client.get(f"/evidence/export.{fmt}")
        assert isinstance(response, FileResponse) and response["Content-Disposition"].endswith(f'.{fmt}"')
        assert body(response) == live[fmt]  # the same bytes as the export streamed from the database
    filtered = client.get("/evidence/export.csv?state=MAR")
    assert not isinstance(filtered, FileResponse) and b"MAR" in body(filtered)
    assert not isinstance(client.get("/evidence/export.xlsx"), FileResponse)  # XLSX always streams


def test_after_a_change_the_export_streams_until_the_new_file_is_written(published, media, client):
    from django.http import FileResponse

    prebuild.prebuild(languages=["en"])
    EvidenceFactory(published=True, title="Published after the file was written")
    dataversion.bump(public=True)
    response = client.get("/evidence/export.csv")
    assert not isinstance(response, FileResponse) and b"Published after the file was written" in body(response)
    prebuild.prebuild(languages=["en"])
    files = sorted(p.name for p in (media / "exports").iterdir())
    assert len(files) == 2 and all(f"-v{dataversion.current().public}-" in name for name in files)  # old ones gone
    assert b"Published after the file was written" in body(client.get("/evidence/export.csv"))


def test_a_change_during_the_writing_keeps_no_file(published, media, monkeypatch):
    from commitments import exports

    real = exports.write_prebuilt

    def write_then_change(fmt, version, queryset):
        path = real(fmt, version, queryset)
        dataversion.bump(public=True)  # a validation while the file was written
        return path

    monkeypatch.setattr(exports, "write_prebuilt", write_then_change)
    assert prebuild.prebuild(languages=["en"]) is not None
    assert not list((media / "exports").glob("*.csv")) and not list((media / "exports").glob("*.json"))


def test_a_database_restored_from_a_backup_never_gets_a_newer_file(published, client):
    """A restore counts the version again from an older number: the file names the change's time too."""
    from django.http import FileResponse

    from commitments.models import DataVersion

    prebuild.prebuild(languages=["en"])
    row = DataVersion.objects.get()
    DataVersion.objects.update(changed_at=row.changed_at - datetime.timedelta(days=30))  # same number, older data
    assert not isinstance(client.get("/evidence/export.csv"), FileResponse)


def test_pre_building_writes_the_csv_line_of_every_published_record(published, client):
    from commitments.models import Evidence, ExportLine

    EvidenceFactory(published=True, title="A second published record")
    EvidenceFactory(title="A draft has no line")
    filtered = body(client.get("/evidence/export.csv?state=MAR"))
    prebuild.prebuild(languages=["en"])
    published_ids = set(Evidence.objects.filter(is_published=True).values_list("pk", flat=True))
    assert set(ExportLine.objects.values_list("evidence_id", flat=True)) == published_ids
    with CaptureQueriesContext(connection) as ctx:
        assert body(client.get("/evidence/export.csv?state=MAR")) == filtered
    assert not [q for q in ctx.captured_queries if "commitments_evidence_principles" in q["sql"]]  # no lists read
