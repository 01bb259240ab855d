"""OpenAPI post-processing: the evidence filters' allowed values, read from the framework.

The filters' choices come from the database (objectives, actions, States ...), which
drf-spectacular does not evaluate; this hook writes them into the schema as enums, so clients
and schema-driven tests know exactly which values are accepted.
"""

import logging

from django.db import Error as DatabaseError

from commitments import filters
from commitments.indicators import selectors as sdg
from commitments.models import Organisation, StakeholderType, TargetGroup


def _values(choices):
    return [value for value, _label in choices]


def _enums():
    return {
        "objective": ("integer", [int(v) for v in _values(filters.objective_choices())]),
        "action": ("string", _values(filters.action_choices())),
        "state": ("string", _values(filters.MemberState.objects.values_list("iso3", "iso3"))),
        "entity_kind": ("string", _values(filters.entity_kind_choices())),
        "region": ("string", _values(filters.region_choices())),
        "subregion": ("string", _values(filters.subregion_choices())),
        "principle": ("string", _values(filters.principle_choices())),
        "sdg_target": ("string", _values(sdg.target_choices())),
        "sdg_indicator": ("string", _values(sdg.indicator_choices())),
        "organisation": ("integer", list(Organisation.objects.filter(is_active=True).values_list("pk", flat=True))),
    }


log = logging.getLogger(__name__)


def evidence_filter_enums(result, generator, request, public):
    try:
        enums = _enums()
    except DatabaseError as exc:  # any django.db.Error, InterfaceError included
        # `manage.py check` (and so `check --deploy` before the first migrate) builds the schema too;
        # without a database the schema is still valid, only without the enums.
        log.warning("OpenAPI schema without the filters' allowed values: %s", exc)
        return result
    for path, operations in result.get("paths", {}).items():
        if not path.endswith("/evidence/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter["name"] == "q":
                    parameter["schema"]["minLength"] = 1  # an empty parameter is refused: leave it out
                    parameter["schema"]["pattern"] = r"^[^\x00]*$"  # forms refuse NUL characters
                if parameter.get("in") != "query" or parameter["name"] not in enums:
                    continue
                kind, values = enums[parameter["name"]]
                if not values:
                    continue
                schema = parameter["schema"]
                target = schema["items"] if schema.get("type") == "array" else schema
                target.clear()
                target.update({"type": kind, "enum": values})
    _write_enums(result.get("components", {}).get("schemas", {}))
    return result


NO_NUL = r"^[^\x00]*$"
TOO_MANY_REQUESTS = {
    "description": "Too many requests: the rate limit for anonymous clients or for your token was reached. "
    "Retry after the number of seconds in the Retry-After header.",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}


def write_rules(result, generator, request, public):
    """What the server checks on writes and every answer, stated in the schema: a PATCH names the
    version it read; no text may hold a NUL character; any request may be throttled (429)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        properties = component.get("properties", {})
        if name.startswith("Patched") and "version" in properties:
            component["required"] = sorted(set(component.get("required", [])) | {"version"})
        if name.endswith("Request"):
            for prop in properties.values():
                target = prop.get("items", prop)
                if target.get("type") == "string" and not ({"enum", "format", "pattern"} & set(target)):
                    target["pattern"] = NO_NUL
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {})["429"] = TOO_MANY_REQUESTS
    return result


def _write_enums(schemas):
    """Codes, letters and slugs accepted in evidence payloads."""
    codes = [value for value, _label in filters.action_choices()]
    codes += [filters.action_code(code) for code in codes]
    values = {
        "primary_action": codes,
        "other_actions": codes,
        "principles": _values(filters.principle_choices()),
        "partners": list(StakeholderType.objects.values_list("slug", flat=True)),
        "groups_reached": list(TargetGroup.objects.values_list("slug", flat=True)),
        "sdg_targets": [code for code, _label in sdg.target_choices() if "." in code],
    }
    for name, component in schemas.items():
        if not name.startswith(("EvidenceWrite", "EvidenceUpdate", "PatchedEvidence")):
            continue
        for field, allowed in values.items():
            prop = component.get("properties", {}).get(field)
            if not prop or not allowed:
                continue
            target = prop["items"] if prop.get("type") == "array" else prop
            target.clear()
            target.update({"type": "string", "enum": allowed})
