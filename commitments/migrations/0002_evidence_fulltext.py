"""Free-text index of evidence: a GIN index on PostgreSQL, an FTS5 table with triggers on SQLite."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from commitments import fulltext

PG_INDEX = "evidence_fulltext"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        Evidence = apps.get_model("commitments", "Evidence")
        schema_editor.add_index(Evidence, GinIndex(fulltext.search_vector(), name=PG_INDEX))
    elif connection.vendor == "sqlite":
        fulltext.ensure_sqlite_index(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{PG_INDEX}"')
    elif connection.vendor == "sqlite":
        for name in fulltext.SQLITE_TRIGGERS:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        schema_editor.execute(f'DROP TABLE IF EXISTS "{fulltext.FTS_TABLE}"')


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
