from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Review cycle and reports")

    def ready(self):
        from django.core.cache import cache
        from django.db.models.signals import post_delete, post_save

        from commitments import cycles
        from commitments.signals import published_evidence_changed

        from . import cycle
        from .models import Milestone, ReviewCycle
        from .tasks import request_open_data_refresh

        # Evidence is dated to the cycle of its validation, by the Forum's actual days.
        cycles.ENDS_PROVIDER = cycle.actual_ends

        def forget_banner(**kwargs):
            cache.delete(cycle.BANNER_CACHE_KEY)

        for model in (ReviewCycle, Milestone):
            post_save.connect(forget_banner, sender=model, dispatch_uid=f"banner-{model.__name__}-save")
            post_delete.connect(forget_banner, sender=model, dispatch_uid=f"banner-{model.__name__}-delete")

        # The open data package follows the published evidence (debounced, see reporting.tasks).
        published_evidence_changed.connect(request_open_data_refresh, dispatch_uid="opendata-refresh")
