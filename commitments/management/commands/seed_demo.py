"""Fill the database with demonstration data: organisations, evidence and one log-in per role.

    manage.py seed_demo --records 20000 --seed 1 [--if-empty] [--reset] [--pledges N --plan-items M]

Deterministic for a seed and size. Demo evidence bypasses the review workflow (no history);
every row is marked is_demo. Refused when DEBUG is false unless --allow-production is given,
and demo users (with printed passwords) are only ever created when DEBUG is true.
"""

import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from commitments import demo, extensions
from commitments.models import Evidence


class Command(BaseCommand):
    help = "Generate demonstration evidence, organisations and demo log-ins (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=20000, help="evidence records to generate")
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same data")
        parser.add_argument("--organisations", type=int, default=2000, help="demo organisations to create")
        parser.add_argument(
            "--pledges", type=int, help="pledges to generate in bulk (default: the small demo set of plans and pledges)"
        )
        parser.add_argument(
            "--plan-items", type=int, help="plan items to generate in bulk, over plans of the States with evidence"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if there is any evidence already")
        parser.add_argument("--reset", action="store_true", help="delete earlier demo data first")
        parser.add_argument(
            "--allow-production", action="store_true", help="allow seeding with DEBUG=false (no demo users)"
        )

    def handle(
        self, *args, records, seed, organisations, if_empty, reset, allow_production, pledges, plan_items, **options
    ):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to seed demo data with DEBUG=false. Pass --allow-production if you mean it.")
        if records < 0 or organisations < 1:
            raise CommandError("--records must be 0 or more and --organisations 1 or more.")
        if (pledges is not None and pledges < 0) or (plan_items is not None and plan_items < 0):
            raise CommandError("--pledges and --plan-items must be 0 or more.")
        if if_empty and Evidence.objects.exists():
            self.stdout.write("The database already has evidence: demo data not seeded (--if-empty).")
            self.how_to_sign_in()
            return
        if demo.has_demo_data() or demo.Organisation.objects.filter(is_demo=True).exists():
            if not reset:
                raise CommandError("Demo data exists already. Pass --reset to replace it.")
            for seeder in extensions.DEMO_SEEDERS:  # what refers to demo evidence goes first
                seeder.delete()
            demo.delete_demo()
            self.stdout.write("Earlier demo data deleted.")
        started = time.monotonic()
        try:
            result = demo.generate(records, seed=seed, organisations=organisations, progress=self.progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.records:,} evidence records ({result.published:,} published) and "
                f"{result.organisations:,} organisations with seed {seed} in {elapsed:.1f} s."
            )
        )
        for seeder in extensions.DEMO_SEEDERS:
            self.stdout.write(self.style.SUCCESS(seeder.seed(seed, pledges=pledges, plan_items=plan_items)))
        self.users()

    def how_to_sign_in(self):
        """On every later start: the demo log-ins that exist (their passwords were shown once) and
        how to make or reset an account."""
        names = [username for username, _role, _state in demo.DEMO_USERS]
        existing = list(get_user_model().objects.filter(username__in=names).values_list("username", flat=True))
        self.stdout.write("\nHow to sign in:")
        if existing:
            names = ", ".join(sorted(existing))
            self.stdout.write(f"  demo log-ins: {names} (passwords were printed on the first start)")
            self.stdout.write("  new password for one: .venv/bin/python manage.py changepassword demo-secretariat")
        self.stdout.write("  an operator (secretariat role, and /admin/ with --admin):")
        self.stdout.write("    .venv/bin/python manage.py create_operator NAME --email you@example.org --admin")

    def progress(self, done, total):
        if total >= 50000 and (done % 100000 == 0 or done == total):
            self.stdout.write(f"  {done:,} / {total:,}")

    def users(self):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is false: no demo log-ins created.")
            return
        users = demo.create_demo_users(lambda: secrets.token_urlsafe(12))
        self.stdout.write("\nDemo log-ins (development only; passwords are shown once):")
        for username, role, entity, password in users:
            where = f" ({entity})" if entity else ""
            self.stdout.write(f"  {role}{where}: username {username}  password {password}")
