"""One error body for every API failure: {"error": {"code", "message", "fields"}}.

The services raise Django's PermissionDenied and ValidationError and the workflow's own
WorkflowError / StaleEdit; they are mapped here to 403, 400 and 409 so views stay thin.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from commitments.services import StaleEdit, WorkflowError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The record is not in a state that allows this.")


def _django_validation_fields(exc):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(detail):
    """DRF's nested detail -> {field: [messages]} (nested fields joined with dots)."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            nested = _flatten(value)
            if isinstance(nested, dict):
                out.update({f"{key}.{k}": v for k, v in nested.items()})
            else:
                out[str(key)] = nested
        return out
    if isinstance(detail, list):
        if any(isinstance(item, dict) for item in detail):
            out = {}
            for index, item in enumerate(detail):
                nested = _flatten(item)
                if isinstance(nested, dict):
                    out.update({f"{index}.{k}": v for k, v in nested.items()})
            return out
        return [str(item) for item in detail]
    return [str(detail)]


def error_body(code, message, fields=None, **extra):
    return {"error": {"code": code, "message": str(message), "fields": fields or {}, **extra}}


def exception_handler(exc, context):
    if isinstance(exc, StaleEdit) or getattr(exc, "stale", False):
        # Evidence's StaleEdit names its record `evidence`; other apps' (plans, pledges) `obj`.
        current = exc.evidence if isinstance(exc, StaleEdit) else exc.obj
        body = error_body("stale_edit", exc, current_version=current.version, changes=exc.changes)
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, WorkflowError):
        return Response(error_body("workflow", exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_fields(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        response.data = error_body("invalid", _("Some values are not valid."), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", detail)
    return response


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    current_version = serializers.IntegerField(required=False)
    changes = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()
