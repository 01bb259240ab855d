"""Exports of any filtered evidence list: CSV, XLSX and JSON, streamed.

The queryset is read with `iterator(chunk_size=2000)`, which also runs the prefetches chunk by
chunk, so a 100,000-record export holds about 2,000 records in memory at a time. CSV and JSON
are written row by row to the socket. An XLSX file is a zip and cannot be written to a socket
as it goes: openpyxl's write-only mode spills each worksheet's rows to a temporary file, the
finished workbook is saved into a SpooledTemporaryFile (in memory up to 8 MB, on disk beyond)
and then streamed in 64 KB blocks, so memory stays flat there too.

Cells are made safe for spreadsheets: any text starting with = + - @ tab or carriage return
gets a leading apostrophe (CSV and XLSX), so it is shown as text, never run as a formula.
"""

import csv
import io
import json
import tempfile

from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .columns import EVIDENCE_COLUMNS, iso_utc

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


def for_export(queryset):
    """The joins and prefetches a row needs: a fixed number of queries per chunk."""
    return queryset.select_related(
        "member_state",
        "organisation__stakeholder_type",
        "organisation__country",
        "primary_action",
    ).prefetch_related("other_actions", "principles", "partners", "groups_reached", "links", "results")


def _iso(value):
    return value.isoformat() if value else None


def record(evidence):
    """One record as plain values; lists stay lists (joined with ';' in CSV and XLSX)."""
    state, organisation = evidence.member_state, evidence.organisation
    country = organisation.country if organisation else None
    return {
        "record": str(evidence.record),
        "revision": evidence.revision,
        "title": evidence.title,
        "description": evidence.description,
        "entity": (state or organisation).name,
        "organisation": organisation.pk if organisation else None,
        "entity_kind": "state" if state else organisation.stakeholder_type.slug,
        "iso3": state.iso3 if state else (country.iso3 if country else ""),
        "stakeholder_type": organisation.stakeholder_type.name if organisation else "",
        "primary_action": evidence.primary_action.code,
        "other_actions": sorted(a.code for a in evidence.other_actions.all()),
        "status": evidence.status,
        "level": evidence.level,
        "start_date": _iso(evidence.start_date),
        "end_date": _iso(evidence.end_date),
        "principles": [p.name for p in evidence.principles.all()],
        "partners": [p.name for p in evidence.partners.all()],
        "groups_reached": [g.name for g in evidence.groups_reached.all()],
        "links": [link.url for link in evidence.links.all()],
        "results": [f"{r.indicator}: {r.value.normalize():f} {r.unit} ({r.year})" for r in evidence.results.all()],
        "challenges": evidence.challenges,
        "good_practice": evidence.good_practice,
        "cycle": evidence.cycle,
        "validated_at": iso_utc(evidence.validated_at),
    }


def records(queryset):
    for evidence in for_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield record(evidence)


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


def csv_chunks(queryset, batch=500):
    """UTF-8 with a BOM (so spreadsheets pick the encoding), RFC 4180: CRLF, minimal quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for index, row in enumerate(records(queryset), 1):
        cells = flat(row)
        cells[COLUMNS.index("good_practice")] = "true" if row["good_practice"] else "false"
        writer.writerow(["" if cell is None else cell for cell in cells])
        if index % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def json_chunks(queryset, batch=200):
    """A JSON array, written one record at a time."""
    yield b"["
    parts, first = [], True
    for row in records(queryset):
        parts.append(("" if first else ",") + "\n" + json.dumps(row, ensure_ascii=False))
        first = False
        if len(parts) >= batch:
            yield "".join(parts).encode()
            parts = []
    yield ("".join(parts) + "\n]\n").encode()


def _xlsx_cell(value):
    if isinstance(value, str):
        # Control characters are not allowed in XLSX; they would make openpyxl fail.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_file(queryset):
    """The workbook in a spooled temporary file, positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("evidence")
    sheet.append(COLUMNS)
    for row in records(queryset):
        # Neutralised after cleaning, so a value that only starts with '=' once cleaned is caught too.
        sheet.append([neutralise(_xlsx_cell(cell)) for cell in flat(row)])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by xlsx_chunks
    workbook.save(spool)
    spool.seek(0)
    return spool


def xlsx_chunks(queryset, block=64 * 1024):
    spool = xlsx_file(queryset)
    try:
        while data := spool.read(block):
            yield data
    finally:
        spool.close()


WRITERS = {"csv": csv_chunks, "json": json_chunks, "xlsx": xlsx_chunks}


def response(queryset, fmt, name="gcm-evidence"):
    """A streamed download of `queryset` in `fmt` (csv, json or xlsx)."""
    stream = StreamingHttpResponse(WRITERS[fmt](queryset), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    stream["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return stream
