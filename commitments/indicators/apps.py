from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "commitments.indicators"
    label = "indicators"
    verbose_name = _("Indicator frameworks")
    default_auto_field = "django.db.models.BigAutoField"
