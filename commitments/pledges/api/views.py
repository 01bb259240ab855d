"""API of plans and pledges: read what you may see (the public: published), write your own.

Same rules as the evidence API: querysets start from `permissions.visible_*`, the pledge and
plan lists go through the shared `PledgeFilterSet` and `PlanFilterSet`, writes call the
services, whose exceptions become 400/403/409 responses in `commitments.api.errors.exception_handler`.
"""

import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from commitments.api.views import READ_LIST, READ_ONE, WRITE_ERRORS, StrictFilterBackend, errors
from commitments.readers import PublicAnswerCache

from .. import permissions, services
from ..filters import PlanFilterSet, PledgeFilterSet
from ..models import NationalPlan, Pledge
from . import serializers as s


class _Workflow:
    """submit / return / validate / withdraw, shared by plans and pledges."""

    def _respond(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.serializer_class(obj, context=self.get_serializer_context()).data, status=code)

    def _comment(self, request):
        payload = s.PledgeCommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data["comment"]

    @extend_schema(request=None, responses=WRITE_ERRORS)
    @action(detail=True, methods=["post"])
    def submit(self, request, **kwargs):
        return self._respond(services.submit(user=request.user, obj=self.get_object()))

    @extend_schema(request=s.PledgeCommentSerializer, responses=WRITE_ERRORS)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, **kwargs):
        obj = self.get_object()
        return self._respond(services.return_(user=request.user, obj=obj, comment=self._comment(request)))

    @extend_schema(request=s.PledgeCommentSerializer, responses=WRITE_ERRORS)
    @action(detail=True, methods=["post"])
    def validate(self, request, **kwargs):
        obj = self.get_object()
        return self._respond(services.validate(user=request.user, obj=obj, comment=self._comment(request)))

    @extend_schema(request=s.PledgeCommentSerializer, responses=WRITE_ERRORS)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, **kwargs):
        obj = self.get_object()
        return self._respond(services.withdraw(user=request.user, obj=obj, reason=self._comment(request)))


def _version(payload):
    if "version" not in payload.validated_data:
        raise ValidationError({"version": ["Send the version you read, so no one's changes are overwritten."]})
    return payload.validated_data["version"]


def _read_schema(serializer):
    step = extend_schema(responses={200: serializer, **WRITE_ERRORS})
    return extend_schema_view(
        list=extend_schema(responses={**READ_LIST, 200: serializer(many=True)}),
        retrieve=extend_schema(responses={**READ_ONE, 200: serializer}),
        submit=step,
        return_=step,
        validate=step,
        withdraw=step,
    )


@_read_schema(s.PledgeSerializer)
class PledgeViewSet(
    PublicAnswerCache, _Workflow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pledges by identifier (GCM-P-2026-000123)."""

    serializer_class = s.PledgeSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = PledgeFilterSet
    parser_classes = [JSONParser]
    lookup_field = "identifier"
    lookup_value_regex = r"GCM-P-\d{4}-\d{6}"

    def get_queryset(self):
        return (
            permissions.visible_pledges(self.request.user)
            .select_related("member_state", "organisation", "matches")
            .prefetch_related(
                "objectives", "actions", "partners__member_state", "partners__organisation", "deliveries__evidence"
            )
            .order_by("-id")
        )

    def get_object(self):
        """Any pledge the user may see (not only the list's published ones)."""
        pledge = self.get_queryset().filter(identifier=self.kwargs["identifier"]).first()
        if pledge is None:
            raise Http404
        return pledge

    @extend_schema(request=s.PledgeWriteSerializer, responses={201: s.PledgeSerializer, **errors(400, 401, 403)})
    def create(self, request):
        payload = s.PledgeWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._respond(services.pledge_create(user=request.user, data=payload.service_data()), 201)

    @extend_schema(request=s.PledgeWriteSerializer, responses={200: s.PledgeSerializer, **WRITE_ERRORS})
    def partial_update(self, request, identifier=None):
        pledge = self.get_object()
        payload = s.PledgeWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        pledge = services.pledge_update(
            user=request.user, pledge=pledge, data=payload.service_data(), expected_version=_version(payload)
        )
        return self._respond(pledge)

    @extend_schema(request=s.StatusSerializer, responses={200: s.PledgeSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, identifier=None):
        payload = s.StatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pledge = services.pledge_set_status(user=request.user, pledge=self.get_object(), **payload.validated_data)
        return self._respond(pledge)


@_read_schema(s.PlanSerializer)
class PlanViewSet(
    PublicAnswerCache, _Workflow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """National implementation plans by record; the latest version you may see (?revision=N for another)."""

    serializer_class = s.PlanSerializer
    # The list only (get_object below does not filter): published plans unless mine=true.
    filter_backends = [StrictFilterBackend]
    filterset_class = PlanFilterSet
    parser_classes = [JSONParser]
    lookup_field = "record"

    def get_queryset(self):
        queryset = permissions.visible_plans(self.request.user).select_related("member_state")
        queryset = queryset.prefetch_related("items__objectives", "items__actions")
        return queryset.order_by("member_state__iso3", "-revision")

    def get_object(self):
        try:
            record = uuid.UUID(str(self.kwargs["record"]))
        except ValueError as exc:
            raise Http404 from exc
        rows = self.get_queryset().filter(record=record)
        revision = self.request.query_params.get("revision")
        if revision is not None:
            rows = rows.filter(revision=int(revision)) if revision.isdigit() else rows.none()
        plan = rows.order_by("-revision").first()
        if plan is None:
            raise Http404
        return plan

    @extend_schema(request=s.PlanWriteSerializer, responses={201: s.PlanSerializer, **errors(400, 401, 403)})
    def create(self, request):
        payload = s.PlanWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data, items = payload.service_data()
        return self._respond(services.plan_create(user=request.user, data=data, items=items or []), 201)

    @extend_schema(request=s.PlanWriteSerializer, responses={200: s.PlanSerializer, **WRITE_ERRORS})
    def partial_update(self, request, record=None):
        plan = self.get_object()
        payload = s.PlanWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data, items = payload.service_data()
        plan = services.plan_update(
            user=request.user, plan=plan, data=data, items=items, expected_version=_version(payload)
        )
        return self._respond(plan)

    @extend_schema(request=s.PledgeCommentSerializer, responses={201: s.PlanSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, record=None):
        plan = self.get_object()
        comment = self._comment(request)
        return self._respond(services.plan_reopen(user=request.user, plan=plan, reason=comment), 201)


__all__ = ["NationalPlan", "Pledge"]
