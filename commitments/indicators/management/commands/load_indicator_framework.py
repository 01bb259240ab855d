"""Load or update an indicator framework from a documented YAML, JSON or CSV file."""

from django.core.management.base import BaseCommand, CommandError

from commitments.indicators.loading import FrameworkFileError, load_document, read_document


class Command(BaseCommand):
    help = (
        "Load an indicator framework (goals / targets / indicators) from FILE, matched by code: safe to run "
        "again; items missing from a new version are kept and marked retired. See README, 'Indicator frameworks'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        for name in ("code", "name", "version", "source", "licence"):
            # --version is Django's own option: the framework's is --framework-version.
            flag = "--framework-version" if name == "version" else f"--{name}"
            parser.add_argument(
                flag, dest=name, default="", help=f"framework {name} (for a CSV, or to override the file)"
            )

    def handle(self, file, **options):
        meta = {k: options[k] for k in ("code", "name", "version", "source", "licence") if options[k]}
        try:
            result = load_document(read_document(file, **meta))
        except FrameworkFileError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        self.stdout.write(
            f"{result.framework.code} {result.framework.version}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.retired} retired, {result.reinstated} reinstated"
        )
