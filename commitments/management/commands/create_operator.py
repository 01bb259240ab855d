"""Create an operator: a user with the secretariat role (everything in the site) and, with
--admin, access to Django's admin as a superuser. The password is asked twice (or read from the
environment variable OPERATOR_PASSWORD, for scripts); it must pass the password validators."""

import getpass
import os

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments.models import Profile, Role


class Command(BaseCommand):
    help = "Create a secretariat (operator) account; --admin also makes it a superuser for /admin/."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--admin", action="store_true", help="also a superuser (Django admin)")

    def handle(self, *args, username, email, admin, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already.")
        password = os.environ.get("OPERATOR_PASSWORD") or self.ask_password()
        candidate = User(username=username, email=email)
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            if admin:
                user = User.objects.create_superuser(username=username, email=email, password=password)
            else:
                user = User.objects.create_user(username=username, email=email, password=password)
            Profile.objects.create(user=user, role=Role.SECRETARIAT)
        kind = "secretariat, superuser" if admin else "secretariat"
        self.stdout.write(self.style.SUCCESS(f"Operator {username} created ({kind})."))

    def ask_password(self):
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
