from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Voluntary national GCM reviews (para 53): drafted from a State's data, finished with its stakeholders."""

    name = "reporting.reviews"
    label = "reviews"
    verbose_name = _("Voluntary national reviews")
