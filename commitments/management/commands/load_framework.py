"""Load the compact's framework and the reporting entities from fixtures/, idempotently."""

from django.core.management.base import BaseCommand, CommandError

from commitments.framework import SourceError
from commitments.loading import load_framework


class Command(BaseCommand):
    help = "Load or update the framework and Member States from fixtures/ (safe to run again)."

    def handle(self, *args, **options):
        try:
            results = load_framework()
        except SourceError as exc:  # an incomplete official translation: refused, nothing written
            raise CommandError(str(exc)) from exc
        for name, result in results.items():
            self.stdout.write(
                f"{name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            )
        if any(r.changed for r in results.values()):
            self.stdout.write(self.style.SUCCESS("Framework loaded."))
        else:
            self.stdout.write("Framework already up to date: nothing changed.")
