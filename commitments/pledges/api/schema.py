"""OpenAPI post-processing for the pledge and plan lists: their filters' allowed values, read
from the framework (as `commitments.api.schema` does for evidence), so schema-driven clients
and tests send only values the shared `PledgeFilterSet` and `PlanFilterSet` accept."""

import logging

from django.db import Error as DatabaseError

from commitments.api.schema import _enums
from commitments.models import MemberState

log = logging.getLogger(__name__)


def _pledge_enums():
    enums = _enums()
    enums["partner"] = ("string", list(MemberState.objects.values_list("iso3", flat=True)))
    return enums


def pledge_filter_enums(result, generator, request, public):
    try:
        enums = _pledge_enums()
    except DatabaseError as exc:  # any django.db.Error, InterfaceError included
        # As for evidence: `manage.py check` builds the schema too, and the database may be
        # unreachable or refuse the credentials; the schema is then valid, only without the enums.
        log.warning("OpenAPI schema without the pledge filters' allowed values: %s", exc)
        enums = {}
    for path, operations in result.get("paths", {}).items():
        if not path.endswith(("/pledges/", "/plans/")):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                if parameter["name"] in ("q", "occasion"):
                    parameter["schema"]["minLength"] = 1  # an empty parameter is refused: leave it out
                    parameter["schema"]["pattern"] = r"^[^\x00]*$"  # forms refuse NUL characters
                kind, values = enums.get(parameter["name"], (None, None))
                if not values:
                    continue
                schema = parameter["schema"]
                target = schema["items"] if schema.get("type") == "array" else schema
                target.clear()
                target.update({"type": kind, "enum": values})
    return result
