"""Exports of any filtered evidence list: CSV, XLSX and JSON, streamed.

The queryset is read as plain values (`values_list(...).iterator(chunk_size=2000)`: one SELECT,
no model instances), and the lists of each chunk of 2,000 records (other actions, principles,
partners, groups, links, results) come in one query per relation, never per row; so a
100,000-record export holds about 2,000 records in memory at a time and streams at tens of
thousands of rows a second. CSV and JSON are written a chunk at a time to the socket; so is
XLSX, a zip written as it streams (commitments.spreadsheet), so no export waits for its last
row before sending its first byte. Served by threaded gunicorn workers (deploy/gunicorn.conf.py),
whose heartbeat does not stop while a long download streams. CSV reads most rows as lines written
ahead for each published record (see "CSV lines written ahead" below): one query for any filter.

Cells are made safe for spreadsheets: any text starting with = + - @ tab or carriage return
gets a leading apostrophe (CSV and XLSX), so it is shown as text, never run as a formula.
"""

import csv
import io
import json
import os
import tempfile
import zlib
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.db.models import BooleanField, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .columns import DATETIME_FORMAT, EVIDENCE_COLUMNS, iso_utc
from .models import Evidence, EvidenceLink, EvidenceResult, ExportLine

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The columns, in order, with their meanings: commitments/columns.py (shared with the open data and the API).
COLUMNS = list(EVIDENCE_COLUMNS)
LIST_COLUMNS = {"other_actions", "principles", "partners", "groups_reached", "links", "results"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Read per record, in this order, with one SELECT read chunk by chunk (no model instances).
_FIELDS = [
    "pk",
    "record",
    "revision",
    "title",
    "description",
    "member_state__name",
    "member_state__iso3",
    "organisation_id",
    "organisation__name",
    "organisation__stakeholder_type__slug",
    "organisation__stakeholder_type__name",
    "organisation__country__iso3",
    "primary_action__code",
    "status",
    "level",
    "start_date",
    "end_date",
    "challenges",
    "good_practice",
    "cycle",
    "validated_at",
    "version",  # not a column: which revision state the row was read at (for the export lines)
]
# The many-to-many relations: (field, attribute shown); their labels are read once per export.
_M2M = [("other_actions", "code"), ("principles", "name"), ("partners", "name"), ("groups_reached", "name")]


def _iso(value):
    return value.isoformat() if value else None


def _labels():
    """{field: {related pk: (rank, label)}}: the small reference tables, in their own order (the
    order a prefetch showed them in); other actions sorted by code."""
    labels = {}
    for name, attribute in _M2M:
        model = Evidence._meta.get_field(name).related_model
        query = model.objects.order_by(attribute) if name == "other_actions" else model.objects.all()
        labels[name] = {pk: (rank, label) for rank, (pk, label) in enumerate(query.values_list("pk", attribute))}
    return labels


def _in(ids):
    """A condition on a chunk of ids and its parameters: one array on PostgreSQL, placeholders
    elsewhere. Written by hand because the ORM prepares each of 2,000 values of an IN list one by
    one, which cost more than the query itself."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _pairs(table, source, target, ids, order=""):
    condition, params = _in(ids)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(source)}, {quote(target)} FROM {quote(table)} "  # noqa: S608 - names from _meta
            f"WHERE {quote(source)} {condition}{order}",
            params,
        )
        return cursor.fetchall()


def _lists_of(ids, labels):
    """{column: {evidence id: [labels]}} for one chunk of records: one query per relation, never per row."""
    result = {}
    for name, _attribute in _M2M:
        field = Evidence._meta.get_field(name)
        through = field.remote_field.through._meta
        source = through.get_field(field.m2m_field_name()).column
        target = through.get_field(field.m2m_reverse_field_name()).column
        found, names = {}, labels[name]
        for evidence_id, target_id in _pairs(through.db_table, source, target, ids):
            found.setdefault(evidence_id, []).append(names[target_id])
        result[name] = {k: [label for _rank, label in sorted(v)] for k, v in found.items()}
    links = {}
    for evidence_id, url in _pairs(EvidenceLink._meta.db_table, "evidence_id", "url", ids, " ORDER BY id"):
        links.setdefault(evidence_id, []).append(url)
    result["links"] = links
    results = {}
    condition, params = _in(ids)
    chunk_results = (
        EvidenceResult.objects.filter(
            RawSQL(f"evidence_id {condition}", params, output_field=BooleanField())  # noqa: S611 - placeholders only
        )
        .order_by("id")
        .values_list("evidence_id", "indicator", "value", "unit", "year")
    )
    for evidence_id, indicator, value, unit, year in chunk_results:
        results.setdefault(evidence_id, []).append(f"{indicator}: {value.normalize():f} {unit} ({year})")
    result["results"] = results
    return result


def row_chunks(queryset, chunk_size=None):
    """Lists of rows (tuples in COLUMNS order; list columns as lists), CHUNK_SIZE at a time.

    One SELECT of plain values read chunk by chunk, then six small queries per chunk for the
    lists (evidence_id IN (chunk)): no model instances, no per-row prefetch."""
    for _values, rows in _chunks(queryset, chunk_size):
        yield rows


def _chunks(queryset, chunk_size=None, labels=None):
    """(values read, rows) per chunk: the values' first item is the pk, the last the version.
    `labels`: the reference tables' labels (_labels()), when the caller has read them."""
    labels = labels or _labels()
    # SQLite: the ORM's converters (text to UUID, naive to aware datetimes, 0/1 to booleans, which
    # the export turns back into text at once) cost a quarter of the export; read the raw values.
    texts = _typed if connection.vendor != "sqlite" else _stored
    for chunk in _batches(queryset.values_list(*_FIELDS), chunk_size or CHUNK_SIZE):
        yield chunk, _rows(chunk, labels, texts)


def chunked(iterable, size):
    """Lists of up to `size` items of `iterable`, in order (itertools.batched, from Python 3.12)."""
    items = iter(iterable)
    while chunk := list(islice(items, size)):
        yield chunk


def _batches(values, size):
    """Lists of up to `size` tuples of a values_list queryset, read as the database gives them.

    PostgreSQL: a server-side cursor (the ORM's iterator), so memory holds one chunk; SQLite:
    the raw rows of one cursor, which SQLite steps through lazily, without the ORM's converters."""
    if connection.vendor != "sqlite":
        yield from chunked(values.iterator(chunk_size=size), size)
        return
    sql, params = values.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from iter(lambda: cursor.fetchmany(size), [])


def _typed(record, start, end, validated_at, good_practice):
    """(record, start, end, validated_at, good_practice) as text from Python values (PostgreSQL)."""
    return (
        str(record),
        start.isoformat() if start else None,
        end.isoformat() if end else None,
        iso_utc(validated_at),
        good_practice,
    )


def _stored(record, start, end, validated_at, good_practice):
    """The same from SQLite's raw values, exactly as the ORM's converters and iso_utc() would
    give: a UUID is stored as 32 hex digits, datetimes as naive UTC."""
    return (
        f"{record[:8]}-{record[8:12]}-{record[12:16]}-{record[16:20]}-{record[20:]}",
        start.isoformat() if start else None,
        end.isoformat() if end else None,
        validated_at.strftime(DATETIME_FORMAT) if validated_at else None,  # stored as naive UTC
        bool(good_practice),
    )


def _rows(chunk, labels, texts):
    lists = _lists_of([values[0] for values in chunk], labels)
    other, principles, partners, groups = (lists[name] for name, _attribute in _M2M)
    links, results = lists["links"], lists["results"]
    empty = []
    rows = []
    for (
        pk,
        record,
        revision,
        title,
        description,
        state_name,
        state_iso3,
        organisation,
        organisation_name,
        type_slug,
        type_name,
        country_iso3,
        code,
        status,
        level,
        start,
        end,
        challenges,
        good_practice,
        cycle,
        validated_at,
        _version,
    ) in chunk:
        record, start, end, validated_at, good_practice = texts(record, start, end, validated_at, good_practice)
        rows.append(
            (
                record,
                revision,
                title,
                description,
                state_name if state_name is not None else organisation_name,
                organisation,
                "state" if state_name is not None else type_slug,
                state_iso3 if state_name is not None else (country_iso3 or ""),
                type_name if organisation is not None else "",
                code,
                other.get(pk, empty),
                status,
                level,
                start,
                end,
                principles.get(pk, empty),
                partners.get(pk, empty),
                groups.get(pk, empty),
                links.get(pk, empty),
                results.get(pk, empty),
                challenges,
                good_practice,
                cycle,
                validated_at,
            )
        )
    return rows


def records(queryset):
    """Each record as a dict (column: value); lists stay lists (the JSON export and the open data)."""
    for chunk in row_chunks(queryset):
        for row in chunk:
            yield dict(zip(COLUMNS, row, strict=True))


def neutralise(value):
    """Text a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def flat(row):
    """A record as spreadsheet cells: lists joined with ';', formulas neutralised."""
    cells = []
    for column in COLUMNS:
        value = row[column]
        if column in LIST_COLUMNS:
            value = ";".join(value)
        cells.append(neutralise(value))
    return cells


# --- Formats ------------------------------------------------------------------------------------


_LIST_INDEX = [COLUMNS.index(c) for c in COLUMNS if c in LIST_COLUMNS]
_GOOD_PRACTICE = COLUMNS.index("good_practice")


def _cells(row):
    """A row as CSV cells: lists joined with ';', None as "", booleans as true/false, text neutralised."""
    cells = list(row)
    for index in _LIST_INDEX:
        cells[index] = ";".join(cells[index])
    cells[_GOOD_PRACTICE] = "true" if cells[_GOOD_PRACTICE] else "false"
    return [
        ("'" + cell if cell.startswith(FORMULA_PREFIXES) else cell)
        if type(cell) is str
        else ("" if cell is None else cell)
        for cell in cells
    ]


def csv_chunks(queryset):
    """UTF-8 with a BOM (so spreadsheets pick the encoding), RFC 4180: CRLF, minimal quoting;
    one block of bytes per chunk of records."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(COLUMNS)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for lines in line_chunks(queryset):
        yield "".join(lines).encode()


# --- CSV lines written ahead ----------------------------------------------------------------------
# Writing a row costs far more than reading it: six lookups per chunk, the row's cells, the CSV
# quoting. So each published record's line is written once (ExportLine, by build_lines(), which the
# pre-building task runs after each change) and an export of any filter reads (pk, line) in one
# query. A line is used only while its record's version, the labels' version (bumped when an
# organisation, a State or the framework is edited: commitments.signals) and the layout below are
# the ones it was written with; any other row (a draft, a record validated a moment ago, a line
# of older labels) is written from the record as before, so an export never depends on the lines.

# Bump LINE_FORMAT whenever _rows() or _cells() change what a line holds: old lines then go unused.
LINE_FORMAT = 1
LAYOUT = zlib.crc32(repr((LINE_FORMAT, COLUMNS)).encode()) & 0x7FFFFFFF  # within PostgreSQL's integer


class _LineWriter:
    """CSV lines, one string per row, written as csv_chunks writes them."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def lines(self, rows):
        buffer, writerow, out = self.buffer, self.writer.writerow, []
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writerow(_cells(row))
            out.append(buffer.getvalue())
        return out


def _is_current(labels, version, prefix=""):
    """A line is current when written from the record's version, these labels and this layout."""
    return Q(**{f"{prefix}version": version, f"{prefix}labels": labels, f"{prefix}layout": LAYOUT})


def _current_line(labels):
    """The record's line, joined only when it is current (else NULL)."""
    return FilteredRelation("export_line", condition=_is_current(labels, F("version"), "export_line__"))


def _line_text(labels):
    """The record's current line as a column of its own (else NULL), for reading on PostgreSQL.

    A subquery, not the join above: PostgreSQL sorts the records' narrow rows first and fetches
    each line after the sort, where the join sorted every line with its record (45 MB per worker
    spilled to disk for region=Africa at 1M) after hashing all 900,000 lines. Read to the end:
    region=Africa (190,960 rows) 3.9 s before, 2.75 s with this (docs/benchmarks.md, ninth round)."""
    lines = ExportLine.objects.filter(_is_current(labels, OuterRef("version")), evidence=OuterRef("pk"))
    return Subquery(lines.values("csv"))


def line_chunks(queryset, chunk_size=None):
    """Lists of CSV lines in the queryset's order: the lines written ahead, and the others
    written from their records (one query per chunk for those, none when every line is there)."""
    from .dataversion import current

    size = chunk_size or CHUNK_SIZE
    labels_version = current().labels
    if connection.vendor == "postgresql":
        found = queryset.annotate(_line=_line_text(labels_version)).values_list("pk", "_line")
    else:  # SQLite joins either way; the subquery was slower for status=completed&sort=title
        found = queryset.annotate(_line=_current_line(labels_version)).values_list("pk", "_line__csv")
    writer, labels = _LineWriter(), None
    # (With DISTINCT, the database adds the ordering's columns after these two: read by position.)
    for chunk in _batches(found, size):
        missing = [row[0] for row in chunk if row[1] is None]
        if not missing:
            yield [row[1] for row in chunk]
            continue
        made, labels = {}, labels or _labels()
        for values, rows in _chunks(Evidence.objects.filter(pk__in=missing).order_by(), size, labels):
            made.update(zip((v[0] for v in values), writer.lines(rows), strict=True))
        yield [row[1] if row[1] is not None else made[row[0]] for row in chunk]


def build_lines(chunk_size=None):
    """Write the line of every published record that lacks a current one, a chunk per transaction
    (so writers wait for one chunk at most), and delete the lines of records no longer published.
    Returns the number of lines written. The labels' version is read first: a line written from
    names read after an edit that bumped it carries the older number and is never used."""
    from .dataversion import current

    size = chunk_size or CHUNK_SIZE
    labels = current().labels
    wanted = list(
        Evidence.objects.filter(is_published=True)
        .annotate(_line=_current_line(labels))
        .filter(_line__version__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    writer, written, names = _LineWriter(), 0, _labels()
    for start in range(0, len(wanted), size):
        records = Evidence.objects.filter(pk__in=wanted[start : start + size], is_published=True).order_by()
        with transaction.atomic():
            for values, rows in _chunks(records, size, names):
                lines = [
                    ExportLine(evidence_id=v[0], version=v[-1], labels=labels, layout=LAYOUT, csv=line)
                    for v, line in zip(values, writer.lines(rows), strict=True)
                ]
                ExportLine.objects.bulk_create(
                    lines,
                    update_conflicts=True,
                    unique_fields=["evidence"],
                    update_fields=["version", "labels", "layout", "csv"],
                )
                written += len(lines)
    ExportLine.objects.filter(evidence__is_published=False).delete()
    return written


def json_chunks(queryset):
    """A JSON array, one block of bytes per chunk of records."""
    yield b"["
    first = True
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for chunk in row_chunks(queryset):
        parts = []
        for row in chunk:
            parts.append(("" if first else ",") + "\n" + dumps(dict(zip(COLUMNS, row, strict=True))))
            first = False
        yield "".join(parts).encode()
    yield b"\n]\n"


def _xlsx_row(row):
    cells = list(row)
    for index in _LIST_INDEX:
        cells[index] = ";".join(cells[index])
    return cells


def xlsx_chunks(queryset):
    """The workbook streamed as it is written (commitments.spreadsheet, the writer the compiled
    reports use): no file, no wait before the first byte, memory of one chunk."""
    from .spreadsheet import stream_workbook

    return stream_workbook("evidence", COLUMNS, ([_xlsx_row(row) for row in chunk] for chunk in row_chunks(queryset)))


WRITERS = {"csv": csv_chunks, "json": json_chunks, "xlsx": xlsx_chunks}


def _disposition(response, name, fmt):
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


def response(queryset, fmt, name="gcm-evidence"):
    """A streamed download of `queryset` in `fmt` (csv, json or xlsx)."""
    return _disposition(StreamingHttpResponse(WRITERS[fmt](queryset), content_type=CONTENT_TYPES[fmt]), name, fmt)


# --- The whole published set, written ahead -------------------------------------------------------
# The unfiltered export is what harvesters download whole. It is written once per data version (by
# the reporting.prebuild_pages task, after the pages) with the same writers, and served from disk;
# a filtered export, or the whole one before its file is written, streams from the database.

PREBUILT_FORMATS = ("csv", "json")


def prebuilt_dir():
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "exports"


def prebuilt_path(fmt, version):
    from .readers import release

    # The time of the change too: a database restored from a backup counts again from an older number.
    changed = f"{version.changed_at:%Y%m%dT%H%M%S%f}"
    return prebuilt_dir() / f"gcm-evidence-v{version.public}-{changed}-{release()}.{fmt}"


def write_prebuilt(fmt, version, queryset):
    """Write the file for `version` (a temporary name, then an atomic rename); remove older ones."""
    path = prebuilt_path(fmt, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".part", delete=False) as out:
        for block in WRITERS[fmt](queryset):
            out.write(block)
    os.replace(out.name, path)
    for old in path.parent.glob(f"gcm-evidence-v*.{fmt}"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def prebuilt_response(fmt, version, name="gcm-evidence"):
    """The file written for `version`, or None (not written yet, or another data version)."""
    if fmt not in PREBUILT_FORMATS:
        return None
    try:
        handle = prebuilt_path(fmt, version).open("rb")
    except OSError:
        return None
    return _disposition(FileResponse(handle, content_type=CONTENT_TYPES[fmt]), name, fmt)
