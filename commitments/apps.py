from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Global Compact commitments")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import fulltext, signals

        # SQLite table rebuilds drop the free-text triggers; put them back after each migrate.
        post_migrate.connect(fulltext.ensure_index, sender=self)
        signals.connect()
