"""One consistent view of the database for every read of a compilation (a report's files, a
voluntary review's version). Only reads go inside: no write, no `transaction.atomic()`.

A report reads its records several times: the annex spool (every row), then the figures (grouped
queries), the commitments and the previous cycle. Each statement on its own sees the data of its
own moment (PostgreSQL's READ COMMITTED; SQLite outside a transaction), so a record withdrawn
between the spool and the figures would leave a report whose totals do not match its annex, and
a contribution sent between a review's sections and its contributions would enter a finalised
version undecided.
Inside `consistent_reads()` every read sees the database as it was at the first one:
- PostgreSQL: a REPEATABLE READ, READ ONLY transaction (one snapshot; no lock, writers go on);
- SQLite: a deferred transaction, which in WAL mode reads one snapshot and takes no write lock
  (the site's transactions are IMMEDIATE, which would hold writers off for the whole read).
Already inside a transaction (the test suite's, a caller's), that transaction is the view.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def consistent_reads(using=DEFAULT_DB_ALIAS):
    connection = connections[using]
    if connection.in_atomic_block or not connection.get_autocommit():
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            if connection.connection is not None and connection.connection.in_transaction:
                with connection.cursor() as cursor:
                    cursor.execute("COMMIT")  # nothing was written: ending the read is all it does
    else:
        yield
