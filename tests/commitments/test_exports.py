"""Exports: the same records as the list and the API, safe cells, streamed in chunks."""

import csv
import io
import json
import re
import resource
import tracemalloc
import uuid
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from commitments import exports
from commitments.filters import filter_evidence
from commitments.models import Evidence
from tests.factories import EvidenceFactory, bulk_published, make_open_data_world

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "objective=13",
    "action=13a&action=5(a)",
    "state=MAR&state=mex",
    "status=completed&sort=title",
    "principle=f&sort=-title",
    "q=detention",
    "q=data&level=global",
    "region=Africa&sort=state",
    "good_practice=true&sort=validated_at",
]


@pytest.fixture
def world(framework):
    return make_open_data_world()


def html_records(client, query):
    response = client.get(f"/evidence/?{query}")
    assert response.status_code == 200
    return re.findall(r'data-record="([0-9a-f-]{36})"', response.content.decode())


def api_records(client, query):
    response = client.get(f"/api/v1/evidence/?{query}")
    assert response.status_code == 200
    return [row["record"] for row in response.json()["results"]]


def download(client, fmt, query):
    response = client.get(f"/evidence/export.{fmt}?{query}")
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(body):
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def xlsx_rows(body):
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, rows[1:]


@pytest.mark.parametrize("query", QUERIES)
def test_same_query_gives_same_records_everywhere(world, client, query):
    expected = [str(e.record) for e in filter_evidence(QueryDict(query), None)[1]]
    assert html_records(client, query) == expected
    assert api_records(client, query) == expected
    assert [row["record"] for row in csv_rows(download(client, "csv", query))] == expected
    assert [row["record"] for row in json.loads(download(client, "json", query))] == expected
    header, rows = xlsx_rows(download(client, "xlsx", query))
    assert [row[header.index("record")].value for row in rows] == expected
    assert expected or query == "q=data&level=global"


def test_queries_return_records(world, client):
    assert len(html_records(client, "")) == 7
    assert len(html_records(client, "objective=13")) == 4


def test_one_column_per_field_in_each_format(world, client):
    ev = world["published"][0]
    row = next(r for r in csv_rows(download(client, "csv", "")) if r["record"] == str(ev.record))
    assert list(row) == exports.COLUMNS
    assert row["primary_action"] == "13(a)" and row["other_actions"] == "13(h)"
    assert row["iso3"] == "MAR" and row["entity_kind"] == "state" and row["status"] == "completed"
    assert row["principles"] == "Human rights;Child-sensitive"
    assert row["good_practice"] == "true" and row["cycle"] == "3"
    assert row["validated_at"].startswith(ev.validated_at.date().isoformat()) and "T" in row["validated_at"]
    item = next(r for r in json.loads(download(client, "json", "")) if r["record"] == str(ev.record))
    assert item["other_actions"] == ["13(h)"] and item["good_practice"] is True
    org_row = next(r for r in csv_rows(download(client, "csv", "entity_kind=civil-society")))
    assert org_row["entity"] == "Migrant Rights Network" and org_row["iso3"] == "KEN"
    assert org_row["stakeholder_type"] == "Civil society organizations"


def test_csv_is_rfc4180(world, client):
    EvidenceFactory(published=True, title='Quotes " and, commas', description="Two\nlines")
    body = download(client, "csv", "")
    assert b"\r\n" in body and b'"Quotes "" and, commas"' in body
    assert any(r["description"] == "Two\nlines" for r in csv_rows(body))


FORMULAS = ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://evil.example")']


def test_formula_like_cells_are_neutralised(framework, client):
    for text in FORMULAS:
        EvidenceFactory(published=True, title=text, description=text, challenges=text)
    rows = csv_rows(download(client, "csv", ""))
    assert {r["title"] for r in rows} == {"'" + t for t in FORMULAS}
    assert all(r["description"].startswith("'") and r["challenges"].startswith("'") for r in rows)

    header, rows = xlsx_rows(download(client, "xlsx", ""))
    cells = [row[header.index(name)] for row in rows for name in ("title", "description", "challenges")]
    assert len(cells) == 3 * len(FORMULAS)
    assert all(cell.data_type == "s" and cell.value.startswith("'") for cell in cells)
    assert not any(cell.data_type == "f" for row in rows for cell in row)


def test_control_characters_do_not_break_xlsx(framework, client):
    EvidenceFactory(published=True, title="Bell\x07 and NUL-free text\x0b")
    header, rows = xlsx_rows(download(client, "xlsx", ""))
    assert rows[0][header.index("title")].value == "Bell and NUL-free text"


def test_invalid_filters_are_a_clear_400(world, client):
    for fmt in ("csv", "xlsx", "json"):
        response = client.get(f"/evidence/export.{fmt}?objective=99&from=never")
        assert response.status_code == 400
        text = response.content.decode()
        assert "not valid" in text and "objective" in text and "from" in text


def test_export_queries_do_not_grow_with_rows(framework, client):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            for fmt in ("csv", "json", "xlsx"):
                download(client, fmt, "")
        return len(ctx.captured_queries)

    EvidenceFactory.create_batch(5, published=True)
    small = count()
    EvidenceFactory.create_batch(25, published=True)
    assert count() == small


def peak_memory(client, fmt):
    tracemalloc.start()
    try:
        response = client.get(f"/evidence/export.{fmt}")
        size = sum(len(chunk) for chunk in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_100k_records_stream_in_chunks_and_every_export_completes_with_every_row(framework, client):
    bulk_published(100_000)
    assert Evidence.objects.count() == 100_000

    # Every format, whole: every row, and queries by chunk (never by row).
    chunks = -(-100_000 // exports.CHUNK_SIZE)
    records = set(Evidence.objects.values_list("record", flat=True))
    for fmt in ("csv", "json", "xlsx"):
        with CaptureQueriesContext(connection) as ctx:
            body = download(client, fmt, "")
        # A chunk's ids: IN (...) placeholders, or one array on PostgreSQL (= ANY(...)). The CSV
        # export, with no line written ahead, reads each chunk's records by id, then their lists.
        lists = [q for q in ctx.captured_queries if "IN (" in q["sql"] or "= ANY(" in q["sql"]]
        per_chunk = 7 if fmt == "csv" else 6
        assert len(lists) == per_chunk * chunks and len(ctx.captured_queries) - len(lists) <= 8, fmt
        if fmt == "csv":
            exported = [row["record"] for row in csv_rows(body)]
        elif fmt == "json":
            exported = [row["record"] for row in json.loads(body)]
        else:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                assert archive.testzip() is None
                sheet = archive.read("xl/worksheets/sheet1.xml").decode()
            assert sheet.count("<row ") == 100_001 and sheet.endswith("</sheetData></worksheet>")
            exported = re.findall(r'<c r="A\d+" t="inlineStr"><is><t xml:space="preserve">([0-9a-f-]{36})<', sheet)
        assert len(exported) == 100_000 and {uuid.UUID(r) for r in exported} == records, fmt

    # Lazy: the first bytes come after one chunk of rows (one SELECT + the lists of that chunk), not all rows.
    response = client.get("/evidence/export.csv")
    stream = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as ctx:
        first = next(stream) + next(stream)
    assert first.startswith(b"\xef\xbb\xbfrecord,")
    # The data version, the rows and their lines, four reference tables, the chunk's records, six lists.
    assert 1 <= len(ctx.captured_queries) <= 2 + 4 + 1 + 6
    in_lists = [q["sql"].count(",") for q in ctx.captured_queries if "IN (" in q["sql"] or "= ANY(" in q["sql"]]
    assert in_lists and max(in_lists) < exports.CHUNK_SIZE + 50  # the lists cover one chunk only
    # What the WSGI server does when a client goes away mid-download: the cursor is closed.
    response.close()


def test_whole_export_runs_a_fixed_set_of_queries_per_chunk_in_flat_memory(framework, client):
    def export():
        with CaptureQueriesContext(connection) as ctx:
            size = sum(len(chunk) for chunk in client.get("/evidence/export.csv").streaming_content)
        return size, ctx.captured_queries

    bulk_published(2_500)
    export()  # the process's peak now includes one full chunk of records
    before = max_rss_mb()
    bulk_published(10_000, start=2_500)
    size, queries = export()
    assert size > 12_500 * 150
    chunks = 12_500 // exports.CHUNK_SIZE + 1
    selects = [q for q in queries if 'FROM "commitments_evidence"' in q["sql"] and "IN (" not in q["sql"]]
    assert len(selects) == 1  # one cursor, read chunk by chunk (then each chunk's records by id)
    assert len(queries) <= 1 + 7 * chunks + 6
    # Five times the records, and the peak memory barely moves: one chunk is alive at a time.
    assert max_rss_mb() - before < 25, (before, max_rss_mb())


def test_xlsx_streams_as_it_is_written_and_opens_in_a_spreadsheet(framework, client):
    bulk_published(4_500)
    tracemalloc.start()
    try:
        response = client.get("/evidence/export.xlsx")
        with CaptureQueriesContext(connection) as ctx:
            stream = iter(response.streaming_content)
            head = next(stream) + next(stream)  # the fixed parts, then the first chunk of rows
        first_chunk_queries = len(ctx.captured_queries)
        body = head + b"".join(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert head[:2] == b"PK" and first_chunk_queries <= 1 + 4 + 6  # sent before the last row is read
    header, rows = xlsx_rows(body)
    assert header == exports.COLUMNS and len(rows) == 4_500
    good = header.index("good_practice")
    assert {row[good].data_type for row in rows} == {"b"}
    assert peak < 40 * 1024 * 1024, peak
