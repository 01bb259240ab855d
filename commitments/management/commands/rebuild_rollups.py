"""manage.py rebuild_rollups: recount the published-evidence rollups from the evidence."""

from django.core.management.base import BaseCommand

from commitments import dataversion, rollups


class Command(BaseCommand):
    help = "Recount the published-evidence rollups (commitments.rollups) from the evidence itself."

    def handle(self, *args, **options):
        rows = rollups.rebuild()
        dataversion.bump(public=True)
        self.stdout.write(self.style.SUCCESS(f"Rollups rebuilt: {rows:,} rows."))
