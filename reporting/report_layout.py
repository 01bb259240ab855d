"""What a compiled report's tables are: their columns, headings and order, and the notes on the
bounded previews. Shared by the compiler (reporting.reports) and the renderers (reporting.render),
which read only the plain content they are given and never import the compiler back.
"""

from django.utils.translation import gettext_lazy

FULL_ANNEX_NOTE = gettext_lazy("The full data annex of %(n)s records is in the XLSX and CSV/JSON files of this report.")
FULL_GOOD_PRACTICES_NOTE = gettext_lazy(
    "The full list of %(n)s good practices is in the XLSX and CSV/JSON files of this report."
)

ANNEX_COLUMNS = [
    "record",
    "revision",
    "reporting_entity",
    "member_state",
    "stakeholder_type",
    "title",
    "description",
    "objective",
    "primary_action",
    "other_actions",
    "status",
    "level",
    "start_date",
    "end_date",
    "principles",
    "partners",
    "groups_reached",
    "challenges",
    "good_practice",
    "review_state",
    "validated_on",
    "cycle",
]
GOOD_PRACTICE_COLUMNS = ["record", "reporting_entity", "title", "primary_action", "status"]
_GOOD_PRACTICE_INDEX = [ANNEX_COLUMNS.index(c) for c in GOOD_PRACTICE_COLUMNS]
_GOOD_PRACTICE_FLAG = ANNEX_COLUMNS.index("good_practice")


def good_practice_row(row):
    """The good-practice columns of an annex row, or None if the record is not offered as one."""
    return [row[i] for i in _GOOD_PRACTICE_INDEX] if row[_GOOD_PRACTICE_FLAG] else None


# Tables, in order: (key, sheet/file name, heading). XLSX and CSV/JSON use them; the last two
# ("streamed") have a row per record and are written from `stream_tables`, never held in memory.
TABLES = [
    ("summary", "summary", gettext_lazy("Summary")),
    ("objectives", "objectives", gettext_lazy("Coverage by objective")),
    ("status", "status", gettext_lazy("Implementation status")),
    ("change", "change", gettext_lazy("Change since the previous cycle")),
    ("principles", "principles", gettext_lazy("Guiding principles applied")),
    ("participation", "participation", gettext_lazy("Whole-of-society participation")),
    ("good_practices", "good_practices", gettext_lazy("Good practices")),
    ("annex", "records", gettext_lazy("Data annex: every record used")),
]
STREAMED_TABLES = {"good_practices": GOOD_PRACTICE_COLUMNS, "annex": ANNEX_COLUMNS}
# The content keys written as they are into data.json (besides the streamed tables).
DATA_KEYS = ["scope", "totals", "coverage", "objectives", "status", "change", "principles", "participation"]


def tables(content):
    """[(key, name, heading, columns, rows)] in a fixed order; rows are lists, except for the
    streamed tables, whose rows are None (write them from `stream_tables`)."""
    summary = [
        {"measure": k, "value": v}
        for k, v in sorted({**content["scope"], **content["totals"], **content["coverage"]}.items())
    ]
    result = []
    for key, name, heading in TABLES:
        if key in STREAMED_TABLES:
            result.append((key, name, str(heading), STREAMED_TABLES[key], None))
            continue
        rows = summary if key == "summary" else content[key]
        columns = list(rows[0]) if rows else _EMPTY_COLUMNS.get(key, [])
        result.append((key, name, str(heading), columns, [[row[c] for c in columns] for row in rows]))
    return result


_EMPTY_COLUMNS = {
    "principles": ["principle", "name", "records"],
    "participation": ["entity_type", "records"],
}


def stream_tables(content):
    """(key, row) for every row of the streamed tables, in one pass over the report's records:
    ("annex", row) for each record and ("good_practices", row) after each good practice. The
    rows come from the content's `rows` (the compiler's spool, or a query read afresh)."""
    for row in content["rows"]:
        yield "annex", row
        practice = good_practice_row(row)
        if practice is not None:
            yield "good_practices", practice


def preview_notes(content):
    """The sentences saying where the full annex and good-practice list are, when the HTML/PDF cut them."""
    notes = {}
    if content["annex_total"] > len(content["annex_preview"]):
        notes["annex"] = FULL_ANNEX_NOTE % {"n": content["annex_total"]}
    if content["good_practices_total"] > len(content["good_practices_preview"]):
        notes["good_practices"] = FULL_GOOD_PRACTICES_NOTE % {"n": content["good_practices_total"]}
    return notes
