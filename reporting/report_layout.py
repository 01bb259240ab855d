"""What a compiled report's tables are: their columns, headings and order, and the notes on the
bounded previews. Shared by the compiler (reporting.reports) and the renderers (reporting.render),
which read only the plain content they are given and never import the compiler back.
"""

from django.utils.translation import gettext_lazy

FULL_ANNEX_NOTE = gettext_lazy("The full data annex of %(n)s records is in the XLSX and CSV/JSON files of this report.")
FULL_GOOD_PRACTICES_NOTE = gettext_lazy(
    "The full list of %(n)s good practices is in the XLSX and CSV/JSON files of this report."
)
FULL_PLAN_ITEMS_NOTE = gettext_lazy(
    "The first %(shown)s of %(n)s plan items are listed here; all are in the XLSX and CSV/JSON files of this report."
)
FULL_PLEDGES_NOTE = gettext_lazy(
    "The first %(shown)s of %(n)s pledges are listed here; all are in the XLSX and CSV/JSON files of this report."
)
# The plan items and the pledges shown in the HTML and PDF (a State may hold thousands: at a million
# records the demo's largest State had 3,400, a 22-second PDF); the XLSX and data files hold all.
COMMITMENTS_PREVIEW_ROWS = 200

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
    ("sdg_targets", "sdg_targets", gettext_lazy("Contribution to the 2030 Agenda: records by SDG target")),
    ("sdg_indicators", "sdg_indicators", gettext_lazy("Contribution to the 2030 Agenda: results by SDG indicator")),
    # National reports only (None elsewhere, and then not written): para 53's stakeholders.
    (
        "stakeholders_in_state",
        "stakeholders_in_state",
        gettext_lazy("Contributions of stakeholders based in the State"),
    ),
    # National reports only: the State's plan items and pledges, every one (the HTML/PDF show the first).
    ("plan_items", "plan_items", gettext_lazy("Plan items")),
    ("pledges", "pledges", gettext_lazy("Pledges")),
    ("good_practices", "good_practices", gettext_lazy("Good practices")),
    ("annex", "records", gettext_lazy("Data annex: every record used")),
]
STREAMED_TABLES = {"good_practices": GOOD_PRACTICE_COLUMNS, "annex": ANNEX_COLUMNS}
# The content keys written as they are into data.json (besides the streamed tables).
DATA_KEYS = [
    "scope",
    "totals",
    "coverage",
    "objectives",
    "status",
    "change",
    "principles",
    "participation",
    "sdg_targets",
    "sdg_indicators",
    "stakeholders_in_state",
    "commitments",
]


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
        if key == "summary":
            rows = summary
        elif key in _COMMITMENT_TABLES:
            national = (content.get("commitments") or {}).get("national")
            rows = None if national is None else national[_COMMITMENT_TABLES[key]]
        else:
            rows = content.get(key)
        if rows is None:
            continue  # a section this kind of report does not have
        columns = list(rows[0]) if rows else _EMPTY_COLUMNS.get(key, [])
        result.append((key, name, str(heading), columns, [[row[c] for c in columns] for row in rows]))
    return result


_COMMITMENT_TABLES = {"plan_items": "items", "pledges": "pledges"}
_EMPTY_COLUMNS = {
    "plan_items": ["plan", "priority", "objectives", "actions", "target", "target_date", "overdue", "status"],
    "pledges": ["identifier", "title", "kind", "objectives", "target", "target_date", "overdue", "status"],
    "principles": ["principle", "name", "records"],
    "participation": ["entity_type", "records"],
    "sdg_targets": ["target", "title", "records"],
    "sdg_indicators": ["indicator", "title", "results", "entities", "first_year", "last_year"],
    "stakeholders_in_state": [
        "organisation",
        "stakeholder_type",
        "title",
        "primary_action",
        "status",
        "validated_on",
        "record",
    ],
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
    national = (content.get("commitments") or {}).get("national") or {}
    for key, note in (("items", FULL_PLAN_ITEMS_NOTE), ("pledges", FULL_PLEDGES_NOTE)):
        n = len(national.get(key) or [])
        if n > COMMITMENTS_PREVIEW_ROWS:
            notes[key] = note % {"shown": COMMITMENTS_PREVIEW_ROWS, "n": n}
    return notes
