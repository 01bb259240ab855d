"""CSV lines written ahead (commitments.exports.build_lines): a filtered CSV export reads each
published record's line in one query instead of writing it, and is byte for byte the export
written from the records; a line is never used once its record, its names or the layout moved on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from commitments import dataversion, exports, services
from commitments.filters import filter_evidence
from commitments.models import Action, Evidence, ExportLine, GuidingPrinciple
from tests.commitments.test_exports import QUERIES
from tests.factories import EvidenceFactory, OrganisationFactory, Role, bulk_published, make_open_data_world, make_user

pytestmark = pytest.mark.django_db


def export(query="", user=None):
    _filterset, queryset = filter_evidence(QueryDict(query), user or AnonymousUser())
    return b"".join(exports.csv_chunks(queryset))


def lines_used(query=""):
    """How many rows of the export were read from current lines (written rows need a query each chunk)."""
    _filterset, queryset = filter_evidence(QueryDict(query), AnonymousUser())
    with CaptureQueriesContext(connection) as ctx:
        rows = sum(len(lines) for lines in exports.line_chunks(queryset))
    return rows, len(ctx.captured_queries)


@pytest.fixture
def world(framework):
    world = make_open_data_world()
    tricky = EvidenceFactory(
        published=True,
        title='=HYPERLINK("http://x") and a "quoted" title',
        description="Two lines,\r\nwith a comma; a semicolon and émigré, 移民, مهاجر",
        challenges="-1 day",
    )
    tricky.principles.set(GuidingPrinciple.objects.all()[:3])
    tricky.links.create(url="https://example.org/a,b")
    tricky.results.create(indicator="People reached", value="12.50", unit="persons", year=2025)
    return world


@pytest.mark.parametrize("query", QUERIES)
def test_an_export_from_lines_is_the_export_written_from_the_records(world, query):
    written = export(query)
    assert exports.build_lines() == Evidence.objects.filter(is_published=True).count()
    assert export(query) == written


def test_a_built_export_reads_the_lines_in_one_query_at_any_size(framework):
    bulk_published(2_500)
    exports.build_lines()
    small_rows, small_queries = lines_used()
    bulk_published(5_000, start=2_500)
    assert exports.build_lines() == 5_000  # only the new ones
    assert exports.build_lines() == 0
    rows, queries = lines_used()
    # The data version and the rows with their lines: no reference tables, no lists, no records.
    assert (small_rows, rows) == (2_500, 7_500) and small_queries == queries == 2


def test_a_renamed_organisation_is_exported_with_its_new_name_at_once(world):
    organisation = world["organisation"]
    exports.build_lines()
    assert b"Migrant Rights Network" in export()
    organisation.name = "Network for the Rights of Migrants"
    organisation.save()  # the admin, a secretariat edit: the labels' version moves
    body = export()
    assert b"Network for the Rights of Migrants" in body and b"Migrant Rights Network" not in body
    rows, queries = lines_used()
    assert queries > 2  # rows written from the records until the lines are written again
    assert exports.build_lines() == Evidence.objects.filter(is_published=True).count()
    assert lines_used() == (rows, 2) and export() == body


def test_a_new_state_or_organisation_keeps_the_lines_and_a_framework_edit_retires_them(world):
    exports.build_lines()
    before = dataversion.current().labels
    OrganisationFactory(name="A new organisation")
    assert dataversion.current().labels == before  # names no published record
    principle = GuidingPrinciple.objects.order_by("pk").first()
    principle.save()
    assert dataversion.current().labels == before + 1
    assert exports.build_lines() == Evidence.objects.filter(is_published=True).count()


def test_a_line_written_from_names_read_before_an_edit_is_never_used(world, monkeypatch):
    organisation = world["organisation"]
    real = exports._LineWriter.lines

    def rename_meanwhile(self, rows):
        lines = real(self, rows)  # written from the names read before the edit below
        if organisation.name == "Migrant Rights Network":
            organisation.name = "Renamed while the lines were written"
            organisation.save()
        return lines

    monkeypatch.setattr(exports._LineWriter, "lines", rename_meanwhile)
    exports.build_lines()
    monkeypatch.setattr(exports._LineWriter, "lines", real)
    body = export()
    assert b"Renamed while the lines were written" in body and b"Migrant Rights Network" not in body


def test_a_new_revision_and_a_withdrawal_are_in_the_next_export(framework):
    contributor = make_user(Role.CONTRIBUTOR, state="MAR")
    focal, second = make_user(Role.FOCAL_POINT, state="MAR"), make_user(Role.FOCAL_POINT, state="MAR")
    data = {
        "title": "Consular registration of nationals abroad",
        "description": "Online consular registration.",
        "primary_action": Action.objects.get(code="1(a)"),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
    }
    record = services.evidence_submit(user=contributor, evidence=services.evidence_create(user=contributor, data=data))
    record = services.evidence_validate(user=focal, evidence=record)
    exports.build_lines()
    assert b"Online consular registration." in export("state=MAR")

    revision = services.evidence_reopen(user=contributor, evidence=record)
    revision = services.evidence_update(
        user=contributor,
        evidence=revision,
        data={**data, "description": "Consular registration online and by post."},
        expected_version=revision.version,
    )
    revision = services.evidence_submit(user=contributor, evidence=revision)
    revision = services.evidence_validate(user=second, evidence=revision)
    body = export("state=MAR")
    assert b"Consular registration online and by post." in body and b"Online consular registration." not in body

    services.evidence_withdraw(user=focal, evidence=revision, reason="Published by mistake.")
    assert b"Consular registration" not in export("state=MAR")
    exports.build_lines()
    assert not ExportLine.objects.filter(evidence__is_published=False).exists()  # no line kept for nothing


def test_a_line_of_another_version_or_layout_is_not_used_and_a_current_one_is(world):
    exports.build_lines()
    body = export()
    ExportLine.objects.update(csv="a stale line\r\n", layout=exports.LAYOUT + 1)
    assert export() == body
    ExportLine.objects.update(layout=exports.LAYOUT, version=0)
    assert export() == body
    # The same planted line at the current version and layout is read as it is: the lines are used.
    ExportLine.objects.filter(evidence__title="Consular help desk").update(
        version=Evidence.objects.get(title="Consular help desk").version
    )
    assert export().count(b"a stale line\r\n") == 1


def test_drafts_a_signed_in_reader_may_export_are_written_from_the_records(world):
    exports.build_lines()
    reader = make_user(Role.CONTRIBUTOR, state="MAR")
    body = export("mine=1", user=reader).decode("utf-8-sig")
    assert "Own draft on detention" in body and "Alternatives to detention for families" in body
    assert not ExportLine.objects.filter(evidence__is_published=False).exists()
    ExportLine.objects.all().delete()
    assert export("mine=1", user=reader).decode("utf-8-sig") == body


def test_postgresql_plans_the_export_cursor_for_every_row():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting (monitor.settings); SQLite steps through its rows as read")
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone()[0] == "1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
