"""Free-text search over evidence titles and descriptions, indexed on both database backends.

PostgreSQL: a GIN index on `to_tsvector('simple', title || ' ' || description)`, queried with
the very same expression so the planner uses it. SQLite: an FTS5 table over the same two
columns, kept in sync by triggers. Both use the 'simple' rules (no stemming, case folded,
accents kept), and the query is reduced to plain words ANDed together, so a word query finds
the same records on either backend, and no user input can reach the FTS query syntax.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

WORD = re.compile(r"[^\W_]+")
FTS_TABLE = "commitments_evidence_fts"
CONFIG = "simple"

# Spelled out, not formatted: the only SQL here is these constants (and a bound MATCH value).
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS commitments_evidence_fts USING fts5(title, description, "
    "content='commitments_evidence', content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
)
SQLITE_TRIGGERS = {
    "commitments_evidence_fts_ai": """CREATE TRIGGER IF NOT EXISTS commitments_evidence_fts_ai
        AFTER INSERT ON commitments_evidence BEGIN
        INSERT INTO commitments_evidence_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    "commitments_evidence_fts_ad": """CREATE TRIGGER IF NOT EXISTS commitments_evidence_fts_ad
        AFTER DELETE ON commitments_evidence BEGIN
        INSERT INTO commitments_evidence_fts(commitments_evidence_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    "commitments_evidence_fts_au": """CREATE TRIGGER IF NOT EXISTS commitments_evidence_fts_au
        AFTER UPDATE OF title, description ON commitments_evidence BEGIN
        INSERT INTO commitments_evidence_fts(commitments_evidence_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO commitments_evidence_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
}
SQLITE_REBUILD = "INSERT INTO commitments_evidence_fts(commitments_evidence_fts) VALUES ('rebuild')"
SQLITE_MATCH = "SELECT rowid FROM commitments_evidence_fts WHERE commitments_evidence_fts MATCH %s"


MAX_WORDS = 20


def words(text):
    """The plain words of a query (at most 20): punctuation, operators and quotes are dropped."""
    return WORD.findall(text or "")[:MAX_WORDS]


def search_vector():
    return SearchVector("title", "description", config=CONFIG)


def ensure_sqlite_index(connection):
    """Create the FTS5 table and its triggers if missing, and rebuild the index if they were.

    SQLite migrations that rebuild the evidence table drop its triggers; this runs after every
    `migrate` (post_migrate) so the index never silently goes stale.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = {
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
                [f"{FTS_TABLE}%"],
            ).fetchall()
        }
        if set(SQLITE_TRIGGERS) | {FTS_TABLE} <= existing:
            return
        cursor.execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(SQLITE_REBUILD)


def ensure_index(sender=None, using="default", **kwargs):
    """post_migrate receiver."""
    ensure_sqlite_index(connections[using])


def search(queryset, text):
    """Records whose title or description contain every word of `text`."""
    terms = words(text)
    if not terms:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        query = SearchQuery(" ".join(terms), config=CONFIG, search_type="plain")
        return queryset.annotate(fulltext=search_vector()).filter(fulltext=query)
    if vendor == "sqlite":
        # Each word quoted as an FTS5 string: operators, columns and quotes in input stay literal.
        match = " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
        rows = RawSQL(SQLITE_MATCH, [match])  # noqa: S611 - a constant with a bound parameter
        return queryset.filter(pk__in=rows)
    condition = Q()
    for term in terms:
        condition &= Q(title__icontains=term) | Q(description__icontains=term)
    return queryset.filter(condition)
