"""One FilterSet for published reviews, shared by the public page and the API."""

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ReviewVersion


class PublishedReviewFilterSet(django_filters.FilterSet):
    state = django_filters.CharFilter(
        field_name="review__member_state__iso3", lookup_expr="iexact", label=_("Member State (ISO3)")
    )
    year = django_filters.NumberFilter(field_name="review__year", label=_("Year"))
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES, label=_("Language"))

    class Meta:
        model = ReviewVersion
        fields = ["state", "year", "language"]


def published_reviews(params):
    """(filterset, queryset) of published versions, newest first within each State."""
    queryset = (
        ReviewVersion.objects.filter(is_published=True)
        .select_related("review__member_state", "review__milestone")
        .prefetch_related("files")
        .order_by("review__member_state__name", "-review__year", "language", "-number")
    )
    filterset = PublishedReviewFilterSet(params, queryset=queryset)
    return filterset, filterset.qs if filterset.is_valid() else queryset.none()
