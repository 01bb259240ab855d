import base64
import binascii
import datetime
import functools

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from commitments import dataversion
from commitments.filters import DEFAULT_SORT, SORTS
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


class EvidencePagination(Pagination):
    """Page numbers, and for deep reading a cursor: `?after=<cursor>` (the `next` link of the
    previous page) continues after the last record seen, in the default order (newest validation
    first), with an indexed range instead of OFFSET and without counting: as fast on the
    thousandth page as on the first, and stable while records are validated meanwhile.
    """

    cursor_query_param = "after"

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            self.keyset = False
            return super().paginate_queryset(queryset, request, view)
        if request.query_params.get("page"):
            raise ValidationError({self.cursor_query_param: [_("Give either page or after, not both.")]})
        if request.query_params.get("sort", DEFAULT_SORT) != DEFAULT_SORT:
            raise ValidationError(
                {self.cursor_query_param: [_("A cursor follows the default order only: leave sort out.")]}
            )
        self.keyset, self.request = True, request
        size = self.get_page_size(request)
        rows = list(queryset.filter(_after(_decode(raw))).order_by(*SORTS[DEFAULT_SORT])[: size + 1])
        self.has_next, self.page_rows = len(rows) > size, rows[:size]
        return self.page_rows

    def get_paginated_response(self, data):
        if not self.keyset:
            response = super().get_paginated_response(data)
            # A numbered page also says how to go on by cursor, in the default order.
            rows = list(self.page.object_list)
            default_order = self.request.query_params.get("sort", DEFAULT_SORT) == DEFAULT_SORT
            has_next = self.page.has_next() and default_order and rows
            response.data["next_cursor"] = self._cursor_link(rows[-1], drop="page") if has_next else None
            return response
        link = self._cursor_link(self.page_rows[-1]) if self.has_next else None
        return Response({"count": None, "next": link, "previous": None, "next_cursor": link, "results": data})

    def _cursor_link(self, last, drop=None):
        url = self.request.build_absolute_uri()
        if drop:
            url = remove_query_param(url, drop)
        return replace_query_param(url, self.cursor_query_param, _encode(last.validated_at, last.pk))

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["nullable"] = True
        result["properties"]["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "format": "uri",
            "description": "The next page by cursor (`after`): for reading deep into the list.",
        }
        return result

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Continue after this cursor (from the `next` link of a cursor page); "
                "no count, default order only, not with `page`.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            },
        ]


def _encode(validated_at, pk):
    text = f"{validated_at.isoformat() if validated_at else '~'}|{pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(raw):
    try:
        when, pk = base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)).decode().split("|")
        return (None if when == "~" else datetime.datetime.fromisoformat(when)), int(pk)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise ValidationError({"after": [_("This cursor is not valid: follow the next link of a page.")]}) from exc


def _after(cursor):
    """Rows after (validated_at, id) in the order newest first, undated (drafts) last."""
    validated_at, pk = cursor
    if validated_at is None:
        return Q(validated_at__isnull=True, pk__lt=pk)
    return Q(validated_at__lt=validated_at) | Q(validated_at=validated_at, pk__lt=pk) | Q(validated_at__isnull=True)
