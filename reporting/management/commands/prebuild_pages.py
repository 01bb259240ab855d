"""Render the most read reader pages into the shared cache for the current data version."""

from django.core.management.base import BaseCommand

from reporting import prebuild


class Command(BaseCommand):
    help = (
        "Pre-build the most read pages (home, dashboards, objective pages, the evidence list) in every language "
        "into the shared cache, as the reporting.prebuild_pages task does every minute after a change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", action="append", help="only this language (repeatable)")
        parser.add_argument("--force", action="store_true", help="build even if this data version was built")

    def handle(self, *args, language=None, force=False, **options):
        done = prebuild.prebuild(languages=language, force=force)
        if done is None:
            self.stdout.write("Nothing to do: the pages of this data version are built (or another run is building).")
            return
        self.stdout.write(
            f"Data version {done['version']}: {done['pages']} pages built in {done['seconds']:.1f} s"
            + (
                f"; {len(done['failed'])} answered with an error: {', '.join(done['failed'][:5])}"
                if done["failed"]
                else ""
            )
        )
