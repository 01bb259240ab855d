"""Compiled reports: requesting a version, choosing its evidence, its content as plain data,
and compiling its files once, even when a worker dies half-way.

A report uses the published evidence of its scope validated in its cycle before its data
cut-off. Only a national report may include the State's unpublished working revisions
(`include_unpublished`, for the State's own preparation); such a report is visible only to
that State's people and the secretariat.

The package, lowest first (each module imports only those above it; the renderers in
reporting.render import none of them, only reporting.report_layout):

- access: who may see and compile a report;
- requests: a new version, its scope checked;
- scoping: the evidence a report uses;
- annex: the data annex streamed from the database, and its spool;
- content: everything the report says, as plain data;
- publication: the finished directory moved into place, checksummed, the report complete;
- sameness: a report whose data did not change since a complete version gets that version's files;
- compilation: claiming a version and writing its files once.

The public names are re-exported here, so `from reporting import reports; reports.X` works.
"""

from ..report_layout import (
    ANNEX_COLUMNS,
    DATA_KEYS,
    FULL_ANNEX_NOTE,
    FULL_GOOD_PRACTICES_NOTE,
    GOOD_PRACTICE_COLUMNS,
    STREAMED_TABLES,
    TABLES,
    good_practice_row,
    preview_notes,
    tables,
)
from .access import can_view_report, compile_allowed, visible_reports
from .annex import (
    ANNEX_CHUNK_ROWS,
    ANNEX_PREVIEW_ROWS,
    GOOD_PRACTICES_PREVIEW_ROWS,
    AnnexQuery,
    AnnexSpool,
    annex_queryset,
    annex_rows,
)
from .compilation import TRANSIENT_ERRORS, claim, file_stem, finish, mark_failed, parse_claim, render_part, run_compile
from .content import annex_records, compile_content, stream_tables
from .publication import file_path, publish, report_dir
from .requests import cutoff_of, request_report, scope_key
from .sameness import data_fingerprint, publish_same, same_data
from .scoping import WORKING_STATES, NotIndexed, previous_evidence, report_evidence

__all__ = [
    "data_fingerprint",
    "publish_same",
    "same_data",
    "ANNEX_CHUNK_ROWS",
    "ANNEX_COLUMNS",
    "ANNEX_PREVIEW_ROWS",
    "DATA_KEYS",
    "FULL_ANNEX_NOTE",
    "FULL_GOOD_PRACTICES_NOTE",
    "GOOD_PRACTICES_PREVIEW_ROWS",
    "GOOD_PRACTICE_COLUMNS",
    "STREAMED_TABLES",
    "TABLES",
    "TRANSIENT_ERRORS",
    "WORKING_STATES",
    "AnnexQuery",
    "AnnexSpool",
    "NotIndexed",
    "annex_queryset",
    "annex_records",
    "annex_rows",
    "can_view_report",
    "claim",
    "compile_allowed",
    "compile_content",
    "cutoff_of",
    "file_path",
    "file_stem",
    "finish",
    "good_practice_row",
    "mark_failed",
    "parse_claim",
    "preview_notes",
    "previous_evidence",
    "publish",
    "render_part",
    "report_evidence",
    "report_dir",
    "request_report",
    "run_compile",
    "scope_key",
    "stream_tables",
    "tables",
    "visible_reports",
]
