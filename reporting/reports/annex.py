"""The data annex: every record of a report as a row, streamed from the database in chunks, and
the spool that reads it once for every format."""

import marshal
import os

from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce

from commitments.exports import chunked
from commitments.models import Evidence

from ..report_layout import ANNEX_COLUMNS, GOOD_PRACTICE_COLUMNS, good_practice_row

# The HTML and PDF show the data annex and the good practices only up to these many rows (the
# first by the annex's order); the XLSX and the CSV/JSON files always have every row. WeasyPrint
# on a table of hundreds of thousands of rows would take hours and gigabytes.
ANNEX_PREVIEW_ROWS = 200
GOOD_PRACTICES_PREVIEW_ROWS = 200
# Rows read from the database per round trip while streaming the annex; the many-to-many
# labels of a chunk come in one query per relation (`evidence_id IN (chunk)`), never per row
# and never one list of every id (SQLite allows 32,766 variables per statement at most).
ANNEX_CHUNK_ROWS = 2000
# Read from the database for each annex row; the many-to-many labels are added per chunk.
_ANNEX_FIELDS = [
    "pk",
    "record",
    "revision",
    "entity_name",
    "member_state__iso3",
    "organisation__stakeholder_type__name",
    "title",
    "description",
    "primary_action__objective__number",
    "primary_action__code",
    "status",
    "level",
    "start_date",
    "end_date",
    "challenges",
    "good_practice",
    "review_state",
    "validated_at",
    "cycle",
]
# (ManyToMany field, label of a related row given (pk, *values)): joined by "; ", sorted.
_M2M = {
    "other_actions": ("code",),
    "principles": ("letter", "name"),
    "partners": ("name",),
    "groups_reached": ("name",),
}


def annex_queryset(queryset):
    """The annex's rows as value tuples in their stable order: objective, action, entity, record."""
    return (
        queryset.annotate(entity_name=Coalesce(F("member_state__name"), F("organisation__name")))
        .order_by("primary_action__objective__number", "primary_action__letter", "entity_name", "record", "pk")
        .values_list(*_ANNEX_FIELDS)
    )


def _m2m_labels():
    """{field: {related pk: label}}: the small reference tables, read once per stream."""
    labels = {}
    for name, columns in _M2M.items():
        model = Evidence._meta.get_field(name).related_model
        if name == "principles":
            rows = model.objects.values_list("pk", *columns)
            labels[name] = {pk: f"({letter}) {title}" for pk, letter, title in rows}
        else:
            labels[name] = dict(model.objects.values_list("pk", *columns))
    return labels


def _m2m_tables():
    """[(field name, through table, evidence column, target column)] of the annex's relations."""
    result = []
    for name in _M2M:
        field = Evidence._meta.get_field(name)
        through = field.remote_field.through._meta
        result.append(
            (
                name,
                through.db_table,
                through.get_field(field.m2m_field_name()).column,
                through.get_field(field.m2m_reverse_field_name()).column,
            )
        )
    return result


def _m2m_of(ids, labels, m2m_tables):
    """{field: {evidence id: "label; label"}} for one chunk of evidence ids: one plain
    `evidence_id IN (chunk)` query per relation, `= ANY(array)` on PostgreSQL (the ORM's
    per-value preparation of a 2,000-item IN list cost more than the query itself)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":  # one array parameter: about a quarter faster than 2,000 placeholders
        condition, params = "= ANY(%s)", [list(ids)]
    else:
        condition, params = f"IN ({', '.join(['%s'] * len(ids))})", ids
    result = {}
    with connection.cursor() as cursor:
        for name, table, source, target in m2m_tables:
            cursor.execute(
                f"SELECT {quote(source)}, {quote(target)} FROM {quote(table)} "  # noqa: S608 - names from _meta
                f"WHERE {quote(source)} {condition}",
                params,
            )
            found, names = {}, labels[name]
            for evidence_id, target_id in cursor.fetchall():
                found.setdefault(evidence_id, []).append(names[target_id])
            result[name] = {k: "; ".join(sorted(v)) for k, v in found.items()}
    return result


def annex_rows(queryset, limit=None):
    """Every annex row of `queryset` as a tuple in ANNEX_COLUMNS order, streamed from the database.

    Memory stays bounded by one chunk; queries are one for the rows (read in chunks), four small
    reference tables, and four per chunk of ANNEX_CHUNK_ROWS rows, whatever the number of rows."""
    rows = annex_queryset(queryset)
    if limit is not None:
        rows = rows[:limit]
    labels, m2m_tables = _m2m_labels(), _m2m_tables()
    status = {k: str(v) for k, v in Evidence.Status.choices}
    level = {k: str(v) for k, v in Evidence.Level.choices}
    review = {k: str(v) for k, v in Evidence.ReviewState.choices}
    for chunk in chunked(rows.iterator(chunk_size=ANNEX_CHUNK_ROWS), ANNEX_CHUNK_ROWS):
        m2m = _m2m_of([row[0] for row in chunk], labels, m2m_tables)
        other, principles, partners, groups = (m2m[name] for name in _M2M)
        for (
            pk,
            record,
            revision,
            entity,
            iso3,
            stakeholder_type,
            title,
            description,
            objective,
            code,
            status_value,
            level_value,
            start,
            end,
            challenges,
            good_practice,
            review_state,
            validated_at,
            cycle,
        ) in chunk:
            yield (
                str(record),
                revision,
                entity,
                iso3 or "",
                stakeholder_type or "",
                title,
                description,
                objective,
                code,
                other.get(pk, ""),
                status.get(status_value, status_value),
                level.get(level_value, level_value),
                start.isoformat() if start else "",
                end.isoformat() if end else "",
                principles.get(pk, ""),
                partners.get(pk, ""),
                groups.get(pk, ""),
                challenges,
                good_practice,
                review.get(review_state, review_state),
                validated_at.date().isoformat() if validated_at else "",
                cycle or "",
            )


class AnnexSpool:
    """The report's annex read from the database ONCE, into a temporary file that every format
    then reads (marshal, a chunk of rows per record); the bounded previews and the count of good
    practices are taken on the way. Memory stays bounded by one chunk."""

    def __init__(self, queryset, directory):
        self.path = os.path.join(directory, "annex.spool")
        self.annex_preview, self.good_practices_preview, self.good_practices_total = [], [], 0
        with open(self.path, "wb") as handle:
            for chunk in chunked(annex_rows(queryset), ANNEX_CHUNK_ROWS):
                marshal.dump(chunk, handle)
                for row in chunk:
                    if len(self.annex_preview) < ANNEX_PREVIEW_ROWS:
                        self.annex_preview.append(dict(zip(ANNEX_COLUMNS, row, strict=True)))
                    practice = good_practice_row(row)
                    if practice is not None:
                        self.good_practices_total += 1
                        if len(self.good_practices_preview) < GOOD_PRACTICES_PREVIEW_ROWS:
                            self.good_practices_preview.append(dict(zip(GOOD_PRACTICE_COLUMNS, practice, strict=True)))

    @classmethod
    def reopen(cls, path):
        """A spool written earlier (by the compile that prepared the report), read by a format's task."""
        spool = cls.__new__(cls)
        spool.path = path
        return spool

    def __iter__(self):
        with open(self.path, "rb") as handle:
            while True:
                try:
                    chunk = marshal.load(handle)  # noqa: S302 - written by this compile just before
                except EOFError:
                    return
                yield from chunk


class AnnexQuery:
    """The annex rows of a queryset, read afresh from the database each time it is iterated (the
    content's `rows` when nothing was spooled)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __iter__(self):
        return annex_rows(self.queryset)
