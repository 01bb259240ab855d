"""The evidence side of the SDG framework: target tags on a revision, and what a result measures.

`commitments.services` calls these few functions, so every write path (form, API, workbook)
carries the links through the same checks, the history snapshot and a reopened revision.
In the services' data a revision's tags are `sdg_targets` (a list of target codes, e.g.
["10.7"]) and a result row may add `sdg_indicator` (e.g. "10.7.1") with `sex`, `age` and
`migratory_status` (SDMX codes; "_T" is the total).
"""

import re

from django.utils.translation import gettext as _

from .models import ActionTarget, EvidenceTarget, FrameworkItem, ResultMeasure

SDG = "sdg"
MEASURE_KEYS = ("sdg_indicator", "sex", "age", "migratory_status")
TOTAL = "_T"
# SDMX age codes as the SDG data use them: _T, Y15T24 (15 to 24), Y_GE65 (65+), Y_LT15, Y5.
AGE_CODE = re.compile(r"^(_T|Y\d{1,3}T\d{1,3}|Y_GE\d{1,3}|Y_LT\d{1,3}|Y\d{1,3})$")
CODE_SPLIT = re.compile(r"[\s,;]+")


def sdg_items(kind):
    return FrameworkItem.objects.filter(framework__code=SDG, kind=kind)


def split_codes(text):
    """'10.7, 8.8;17.18' -> ['10.7', '8.8', '17.18'] (a trailing dot or 'SDG ' prefix tolerated)."""
    codes = []
    for token in CODE_SPLIT.split(str(text or "")):
        token = token.strip().rstrip(".").removeprefix("SDG").removeprefix("sdg")
        if token and token not in codes:
            codes.append(token)
    return codes


def suggested_targets(actions):
    """The SDG targets the secretariat links to these actions (active links, current items)."""
    return (
        sdg_items(FrameworkItem.Kind.TARGET)
        .filter(action_links__action__in=actions, action_links__active=True, retired=False)
        .distinct()
        .order_by("order")
    )


def suggested_codes(action_codes):
    links = ActionTarget.objects.filter(action__code__in=list(action_codes), active=True, item__retired=False)
    return list(links.order_by("item__order").values_list("item__code", flat=True).distinct())


# --- Checks, before anything is written ----------------------------------------------------------


def problems(data):
    """{field: [messages]} for unknown target or indicator codes and bad disaggregation codes."""
    errors = {}
    if "sdg_targets" in data:
        codes = [str(code).strip() for code in data["sdg_targets"] or []]
        known = set(sdg_items(FrameworkItem.Kind.TARGET).filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            errors["sdg_targets"] = [
                _("%(codes)s: not an SDG target code (targets look like 10.7 or 10.c).") % {"codes": ", ".join(unknown)}
            ]
    for row in data.get("results") or []:
        problem = measure_problem(row)
        if problem:
            errors.setdefault("results", []).append(problem[1])
    return errors


def measure_problem(row):
    """(field, message) for the first thing wrong with a result's measure, or None."""
    code = str(row.get("sdg_indicator") or "").strip()
    if not code:
        return None
    if not sdg_items(FrameworkItem.Kind.INDICATOR).filter(code=code).exists():
        return "sdg_indicator", _("%(code)s is not an SDG indicator code (indicators look like 10.7.1).") % {
            "code": code
        }
    if (row.get("sex") or TOTAL) not in ResultMeasure.Sex.values:
        return "sex", _("Sex must be _T (both), F or M.")
    if not AGE_CODE.match(row.get("age") or TOTAL):
        return "age", _("Give the age group as an SDMX code: _T (all ages), Y15T24, Y_GE65 or Y_LT15.")
    if (row.get("migratory_status") or TOTAL) not in ResultMeasure.MigratoryStatus.values:
        return "migratory_status", _("Migratory status must be one of %(codes)s.") % {
            "codes": ", ".join(ResultMeasure.MigratoryStatus.values)
        }
    return None


# --- Writes, inside the services' transaction ----------------------------------------------------


def set_targets(evidence, codes):
    """Tag the revision with exactly these SDG target codes (checked by `problems` first)."""
    items = list(sdg_items(FrameworkItem.Kind.TARGET).filter(code__in=[str(c).strip() for c in codes or []]))
    evidence.framework_targets.exclude(item__in=items).delete()
    have = set(evidence.framework_targets.values_list("item_id", flat=True))
    EvidenceTarget.objects.bulk_create(EvidenceTarget(evidence=evidence, item=i) for i in items if i.pk not in have)


def split_result(row):
    """A result row -> (EvidenceResult fields, measure fields or None)."""
    fields = {k: v for k, v in row.items() if k not in MEASURE_KEYS}
    code = str(row.get("sdg_indicator") or "").strip()
    if not code:
        return fields, None
    measure = {
        "code": code,
        "sex": row.get("sex") or TOTAL,
        "age": row.get("age") or TOTAL,
        "migratory_status": row.get("migratory_status") or TOTAL,
    }
    return fields, measure


def save_measures(pairs):
    """(saved EvidenceResult, measure fields or None) pairs -> ResultMeasure rows."""
    pairs = [(result, measure) for result, measure in pairs if measure]
    items = dict(
        sdg_items(FrameworkItem.Kind.INDICATOR).filter(code__in=[m["code"] for _, m in pairs]).values_list("code", "pk")
    )
    ResultMeasure.objects.bulk_create(
        ResultMeasure(
            result=result,
            item_id=items[m["code"]],
            sex=m["sex"],
            age=m["age"],
            migratory_status=m["migratory_status"],
        )
        for result, m in pairs
    )


def copy_to_revision(source, revision, result_pairs):
    """A reopened record's new revision keeps the tags and what each result measures."""
    EvidenceTarget.objects.bulk_create(
        EvidenceTarget(evidence=revision, item_id=item_id)
        for item_id in source.framework_targets.values_list("item_id", flat=True)
    )
    measures = {m.result_id: m for m in ResultMeasure.objects.filter(result__evidence=source)}
    ResultMeasure.objects.bulk_create(
        ResultMeasure(
            result=new,
            item_id=measures[old.pk].item_id,
            sex=measures[old.pk].sex,
            age=measures[old.pk].age,
            migratory_status=measures[old.pk].migratory_status,
        )
        for old, new in result_pairs
        if old.pk in measures
    )


# --- Reads, for snapshots, forms and serializers -------------------------------------------------


def target_codes(evidence):
    return [link.item.code for link in evidence.framework_targets.select_related("item")]


def result_measure(result):
    """The measure keys of a result row ({} when it names no indicator)."""
    try:
        measure = result.measure
    except ResultMeasure.DoesNotExist:
        return {}
    return {
        "sdg_indicator": measure.item.code,
        "sex": measure.sex,
        "age": measure.age,
        "migratory_status": measure.migratory_status,
    }
