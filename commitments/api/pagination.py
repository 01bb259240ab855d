import functools

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from commitments import dataversion
from commitments.paginator import CountCachingPaginator


def _positive_int(params, name):
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or str(value) != raw.strip():
        raise ValidationError({name: [_("Give a whole number of 1 or more.")]})
    return value


class Pagination(PageNumberPagination):
    """50 a page by default; `page_size` up to 200. A malformed page or page_size is a 400, not ignored."""

    django_paginator_class = CountCachingPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # The count cache is keyed by the data version, which the ETag middleware has read.
        version = dataversion.for_request(request._request)
        self.django_paginator_class = functools.partial(CountCachingPaginator, version=version)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request, paginator):
        return _positive_int(request.query_params, self.page_query_param) or 1

    def get_page_size(self, request):
        size = _positive_int(request.query_params, self.page_size_query_param)
        return min(size, self.max_page_size) if size else self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
