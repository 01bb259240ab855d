"""API views: the framework read-only, evidence read and written through the services.

Querysets start from `permissions.visible_evidence`; lists go through the shared
`EvidenceFilterSet` (published records unless `mine=true`). Writes call
`commitments.services`, exactly as the pages do; its exceptions become 400/403/409 responses
in `errors.exception_handler`.
"""

import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from commitments import extensions, permissions, selectors, services
from commitments.filters import AwareDateTimeField, EvidenceFilterSet, action_code
from commitments.models import (
    Action,
    GuidingPrinciple,
    Instrument,
    MemberState,
    Objective,
    Organisation,
    StakeholderType,
)
from commitments.readers import PublicAnswerCache

from . import serializers as s
from .errors import ErrorSerializer, error_body
from .pagination import EvidencePagination


def errors(*codes):
    descriptions = {
        400: "Invalid parameters or content",
        401: "Authentication needed",
        403: "Not allowed",
        404: "Not found (or not visible to you)",
        409: "Conflict: wrong review state, or the record changed since you read it",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


READ_LIST = {200: None, **errors(400, 404)}
READ_ONE = {200: None, **errors(404)}


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: the API's own 404 body, in JSON."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


class FrameworkViewSet(PublicAnswerCache, viewsets.ReadOnlyModelViewSet):
    """The compact and its reference lists: public, read-only."""

    permission_classes = [AllowAny]
    filter_backends = []

    def lookup_value(self, value):
        return value

    def get_object(self):
        """Any malformed identifier is simply not found (404), never a server error."""
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            return self.get_queryset().get(**{self.lookup_field: self.lookup_value(value)})
        except (ObjectDoesNotExist, ValueError, TypeError, DjangoValidationError, OverflowError) as exc:
            raise Http404 from exc


def _schema(serializer):
    return extend_schema_view(
        list=extend_schema(responses={**READ_LIST, 200: serializer(many=True)}),
        retrieve=extend_schema(responses={**READ_ONE, 200: serializer}),
    )


@_schema(s.InstrumentSerializer)
class InstrumentViewSet(FrameworkViewSet):
    queryset = Instrument.objects.order_by("symbol")
    serializer_class = s.InstrumentSerializer
    lookup_field = "symbol"
    # Symbols hold slashes (A/RES/73/195): the path takes them as they are or encoded (%2F).
    lookup_value_regex = ".+"


@_schema(s.GuidingPrincipleSerializer)
class GuidingPrincipleViewSet(FrameworkViewSet):
    queryset = GuidingPrinciple.objects.all()
    serializer_class = s.GuidingPrincipleSerializer
    lookup_field = "letter"


@_schema(s.ObjectiveSerializer)
class ObjectiveViewSet(FrameworkViewSet):
    queryset = Objective.objects.prefetch_related("actions")
    serializer_class = s.ObjectiveSerializer
    lookup_field = "number"


@_schema(s.ActionSerializer)
class ActionViewSet(FrameworkViewSet):
    """Actions by code slug: /actions/13a/ is action 13(a)."""

    queryset = Action.objects.select_related("objective")
    serializer_class = s.ActionSerializer
    lookup_field = "code"
    lookup_url_kwarg = "slug"

    def lookup_value(self, value):
        return action_code(value)


@_schema(s.MemberStateSerializer)
class MemberStateViewSet(FrameworkViewSet):
    queryset = MemberState.objects.all()
    serializer_class = s.MemberStateSerializer
    lookup_field = "iso3"

    def lookup_value(self, value):
        return value.upper()


@_schema(s.StakeholderTypeSerializer)
class StakeholderTypeViewSet(FrameworkViewSet):
    queryset = StakeholderType.objects.all()
    serializer_class = s.StakeholderTypeSerializer
    lookup_field = "slug"


@_schema(s.OrganisationSerializer)
class OrganisationViewSet(FrameworkViewSet):
    """Reporting organisations: active ones (the secretariat also sees inactive ones)."""

    serializer_class = s.OrganisationSerializer

    def get_queryset(self):
        queryset = Organisation.objects.select_related("stakeholder_type", "country")
        if permissions.is_secretariat(self.request.user):
            return queryset
        return queryset.filter(is_active=True)


# --- Evidence -----------------------------------------------------------------------------------


class StrictFilterBackend(DjangoFilterBackend):
    """The shared FilterSet, minus the HTML form's leniency: an empty parameter is an error, not 'any'."""

    def get_filterset_kwargs(self, request, queryset, view):
        empty = sorted({name for name, values in request.query_params.lists() if "" in values})
        if empty:
            message = _("Leave this parameter out rather than sending it empty.")
            raise ValidationError({name: [message] for name in empty})
        return super().get_filterset_kwargs(request, queryset, view)


EVIDENCE = s.EvidenceSerializer
WRITE_ERRORS = errors(400, 401, 403, 404, 409)


def _transition_schema(summary, request=None, code=200):
    return extend_schema(summary=summary, request=request, responses={code: EVIDENCE, **WRITE_ERRORS})


@extend_schema_view(
    list=extend_schema(
        summary="Evidence matching the filters (published records; mine=true adds your entity's own)",
        responses={**READ_LIST, 200: EVIDENCE(many=True)},
    ),
    retrieve=extend_schema(
        summary="The latest revision of a record you may see", responses={**READ_ONE, 200: EVIDENCE}
    ),
)
class EvidenceViewSet(PublicAnswerCache, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EVIDENCE
    filter_backends = [StrictFilterBackend]
    # JSON only: form encodings cannot carry the nested links and results faithfully.
    parser_classes = [JSONParser]
    filterset_class = EvidenceFilterSet
    pagination_class = EvidencePagination
    lookup_field = "record"

    def get_queryset(self):
        return (
            permissions.visible_evidence(self.request.user)
            .select_related("member_state", "organisation__stakeholder_type", "organisation__country", "primary_action")
            .prefetch_related(
                "other_actions",
                "principles",
                "partners",
                "groups_reached",
                "links",
                "results__measure__item",
                "framework_targets__item",
            )
            .prefetch_related(*(name for part in extensions.EVIDENCE_PARTS for name in part.prefetch))
        )

    def get_object(self):
        """The record's latest revision the user may see: the public sees the published one."""
        try:
            record = uuid.UUID(str(self.kwargs["record"]))
        except ValueError as exc:
            raise Http404 from exc
        evidence = self.get_queryset().filter(record=record).live_first().first()
        if evidence is None:
            raise Http404
        return evidence

    def _respond(self, evidence, code=status.HTTP_200_OK):
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(EVIDENCE(evidence, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Records taken down from publication (withdrawn), for incremental harvesting",
        description="With `?updated_since=` on the evidence list, a harvester keeps a copy current: fetch what "
        "changed since its last visit, and drop the records listed here since that time.",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="ISO 8601 with time zone; withdrawals at or after it. All of them without it.",
            )
        ],
        responses={**READ_LIST, 200: s.WithdrawnRecordSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], filter_backends=[])
    def withdrawn(self, request):
        since = None
        if "since" in request.query_params:
            field = AwareDateTimeField()
            try:
                since = field.clean(request.query_params["since"])
            except DjangoValidationError as exc:
                raise ValidationError({"since": exc.messages}) from exc
        rows = selectors.withdrawn_records(since)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.WithdrawnRecordSerializer(page, many=True).data)

    @extend_schema(
        summary="Record a new draft for your entity",
        request=s.EvidenceWriteSerializer,
        responses={201: EVIDENCE, **errors(400, 401, 403)},
    )
    def create(self, request):
        payload = s.EvidenceWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_create(user=request.user, data=payload.service_data())
        return self._respond(evidence, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a draft or returned record; `version` is the version you read",
        request=s.EvidenceUpdateSerializer,
        responses={200: EVIDENCE, **WRITE_ERRORS},
    )
    def partial_update(self, request, record=None):
        evidence = self.get_object()
        payload = s.EvidenceUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        if "version" not in payload.validated_data:
            raise ValidationError({"version": ["Send the version you read, so no one's changes are overwritten."]})
        evidence = services.evidence_update(
            user=request.user,
            evidence=evidence,
            data=payload.service_data(),
            expected_version=payload.validated_data["version"],
        )
        return self._respond(evidence)

    @_transition_schema("Submit for review")
    @action(detail=True, methods=["post"])
    def submit(self, request, record=None):
        return self._respond(services.evidence_submit(user=request.user, evidence=self.get_object()))

    @_transition_schema("Return to the entity with a comment", s.ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, record=None):
        payload = s.ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_return(
            user=request.user, evidence=self.get_object(), comment=payload.validated_data["comment"]
        )
        return self._respond(evidence)

    @_transition_schema("Validate and publish", s.CommentSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request, record=None):
        payload = s.CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_validate(
            user=request.user, evidence=self.get_object(), comment=payload.validated_data["comment"]
        )
        return self._respond(evidence)

    @_transition_schema("Withdraw (records are never deleted)", s.CommentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, record=None):
        payload = s.CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_withdraw(
            user=request.user, evidence=self.get_object(), reason=payload.validated_data["comment"]
        )
        return self._respond(evidence)

    @_transition_schema("Open a new revision of a validated record", s.CommentSerializer, code=201)
    @action(detail=True, methods=["post"])
    def reopen(self, request, record=None):
        payload = s.CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_reopen(
            user=request.user, evidence=self.get_object(), reason=payload.validated_data["comment"]
        )
        return self._respond(evidence, status.HTTP_201_CREATED)
