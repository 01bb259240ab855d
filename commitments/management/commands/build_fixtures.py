"""Regenerate the fixture files from the compact's text and the country data."""

from django.core.management.base import BaseCommand, CommandError

from commitments import framework


class Command(BaseCommand):
    help = (
        "Derive fixtures/*.json from fixtures/source (with any official translation in fixtures/source/<lang>/)"
        " and country_converter; --check only compares."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if a committed file differs.")

    def handle(self, *args, check=False, **options):
        stale = []
        try:
            files = framework.derived_files()  # all derived before any is written
        except framework.SourceError as exc:
            raise CommandError(f"Nothing was written: {exc}") from exc
        for path, content in files.items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == content:
                self.stdout.write(f"{path.name}: up to date")
            elif check:
                stale.append(path.name)
            else:
                path.write_text(content, encoding="utf-8")
                self.stdout.write(self.style.SUCCESS(f"{path.name}: written"))
        if stale:
            raise CommandError(f"Fixtures differ from their sources: {', '.join(stale)}")
