"""OpenAPI post-processing for the pledge list: its filters' allowed values, read from the
framework (as `commitments.api.schema` does for evidence), so schema-driven clients and tests
send only values the shared `PledgeFilterSet` accepts."""

from commitments.api.schema import _enums
from commitments.models import MemberState


def pledge_filter_enums(result, generator, request, public):
    enums = _enums()
    enums["partner"] = ("string", list(MemberState.objects.values_list("iso3", flat=True)))
    for path, operations in result.get("paths", {}).items():
        if not path.endswith("/pledges/"):
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
