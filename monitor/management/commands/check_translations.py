"""Fail when a marked string lacks a translation, is fuzzy or empty, or mangles a placeholder."""

from django.core.management.base import BaseCommand, CommandError

from monitor.translations import build_template, check_translations


class Command(BaseCommand):
    help = "Check the five catalogues against the strings marked in the code (locale/ is not written)."

    def add_arguments(self, parser):
        parser.add_argument("--locale-dir", help="check the catalogues of another locale tree")

    def handle(self, *args, locale_dir=None, **options):
        template = build_template()
        problems = check_translations(locale_dir=locale_dir, template=template)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(
                f"{len(problems)} translation problem(s) for {len(template)} marked strings: translate them "
                "in locale/<language>/LC_MESSAGES/django.po (see README, Translations)."
            )
        self.stdout.write(f"{len(template)} marked strings translated in every catalogue.")
