"""The indicator frameworks in the open data package: frameworks, items, and every link
(action -> target, evidence -> target, result -> indicator), with each framework's source and
licence named, plus the SDMX-CSV file of quantitative results (`reporting.sdmx_csv`).

Resources here are specs in the same form as `reporting.opendata.RESOURCES`.
"""

from decimal import Decimal

from commitments.indicators.models import (
    LANGUAGES,
    ActionTarget,
    EvidenceTarget,
    FrameworkItem,
    IndicatorFramework,
    ResultMeasure,
)

from . import sdmx_csv

SDMX_FILE = "sdg_results.sdmx.csv"


def _field(name, kind="string", description="", **constraints):
    spec = {"name": name, "type": kind, **({"description": description} if description else {})}
    return {**spec, "constraints": constraints} if constraints else spec


def _fk(fields, resource, reference):
    return {"fields": fields, "reference": {"resource": resource, "fields": reference}}


def sources():
    """Each loaded framework as a package source, with its licence."""
    return [
        {
            "title": f"{f.name} ({f.version}): {f.source}, {f.licence}",
            **({"path": f.source_url} if f.source_url else {}),
        }
        for f in IndicatorFramework.objects.order_by("code")
    ]


def licences():
    """The frameworks' licences: the first word as the licence identifier (e.g. MIT), all of it as the title."""
    return [
        {"name": f.licence.split()[0], "title": f"{f.name}: {f.licence}"}
        for f in IndicatorFramework.objects.order_by("code")
        if f.licence.strip()
    ]


def _frameworks():
    for f in IndicatorFramework.objects.order_by("code"):
        yield [f.code, f.name, f.version, f.source, f.source_url, f.licence]


def _items():
    rows = FrameworkItem.objects.select_related("framework", "parent").order_by("framework__code", "order")
    for item in rows.iterator(chunk_size=2000):
        titles = [item.titles.get(lang, "") for lang in LANGUAGES]
        parent = item.parent.code if item.parent else None
        yield [item.framework.code, item.code, item.kind, parent, *titles, item.retired, item.retired_in or None]


def _action_targets():
    rows = ActionTarget.objects.select_related("action", "item__framework").order_by("action__code", "item__order")
    for link in rows:
        yield [link.action.code, link.item.framework.code, link.item.code, link.basis, link.source_note, link.active]


def _evidence_targets():
    rows = (
        EvidenceTarget.objects.filter(evidence__is_published=True)
        .order_by("evidence_id", "item__order")
        .values_list("evidence__record", "item__framework__code", "item__code")
    )
    for record, framework, code in rows.iterator(chunk_size=5000):
        yield [str(record), framework, code]


def _result_measures():
    rows = (
        ResultMeasure.objects.filter(result__evidence__is_published=True)
        .select_related("result__evidence", "item__framework")
        .order_by("result__evidence_id", "result_id")
    )
    for m in rows.iterator(chunk_size=2000):
        r = m.result
        yield [
            str(r.evidence.record),
            r.indicator,
            Decimal(f"{r.value.normalize():f}"),  # a number (not neutralised), never 1E+2
            r.unit,
            r.year,
            m.item.framework.code,
            m.item.code,
            m.sex,
            m.age,
            m.migratory_status,
        ]


FRAMEWORK_KEY = ["framework", "code"]

RESOURCES = [
    {
        "name": "indicator_frameworks",
        "title": "Indicator frameworks beside the compact (the SDGs, ...), with source and licence",
        "rows": _frameworks,
        "schema": {
            "fields": [
                _field("code", required=True, unique=True),
                _field("name", required=True),
                _field("version", required=True),
                _field("source", required=True),
                _field("source_url"),
                _field("licence", required=True),
            ],
            "primaryKey": ["code"],
        },
    },
    {
        "name": "framework_items",
        "title": "Goals, targets and indicators of each framework, with titles in the six UN languages",
        "rows": _items,
        "licenses": licences,
        "schema": {
            "fields": [
                _field("framework", required=True),
                _field("code", required=True, description="e.g. 10.7 (target) or 10.7.1 (indicator)"),
                _field("kind", required=True, enum=[k.value for k in FrameworkItem.Kind]),
                _field("parent", description="Code of the goal or target it belongs to"),
                *[_field(f"title_{lang}") for lang in LANGUAGES],
                _field("retired", "boolean", description="No longer in the framework's current version"),
                _field("retired_in", description="The version that retired it"),
            ],
            "primaryKey": FRAMEWORK_KEY,
            "foreignKeys": [_fk(["framework"], "indicator_frameworks", ["code"])],
        },
    },
    {
        "name": "action_targets",
        "title": "Actions of the compact linked to SDG targets, with where each link comes from",
        "rows": _action_targets,
        "schema": {
            "fields": [
                _field("action", required=True),
                _field("framework", required=True),
                _field("target", required=True),
                _field("basis", required=True, enum=["cited", "subject", "added"]),
                _field("source_note", required=True),
                _field("active", "boolean"),
            ],
            "primaryKey": ["action", "framework", "target"],
            "foreignKeys": [
                _fk(["action"], "actions", ["code"]),
                _fk(["framework", "target"], "framework_items", FRAMEWORK_KEY),
            ],
        },
    },
    {
        "name": "evidence_targets",
        "title": "SDG targets each published record contributes to (confirmed by its reporter)",
        "rows": _evidence_targets,
        "schema": {
            "fields": [
                _field("record", required=True),
                _field("framework", required=True),
                _field("target", required=True),
            ],
            "primaryKey": ["record", "framework", "target"],
            "foreignKeys": [
                _fk(["record"], "evidence", ["record"]),
                _fk(["framework", "target"], "framework_items", FRAMEWORK_KEY),
            ],
        },
    },
    {
        "name": "result_indicators",
        "title": "Quantitative results of published records and the framework indicator each measures",
        "rows": _result_measures,
        "schema": {
            "fields": [
                _field("record", required=True),
                _field("label", required=True, description="The reporter's own name of the measure"),
                _field("value", "number", required=True),
                _field("unit"),
                _field("year", "integer", required=True),
                _field("framework", required=True),
                _field("indicator", required=True),
                _field("sex", enum=ResultMeasure.Sex.values),
                _field("age", description="SDMX age code"),
                _field("migratory_status", enum=ResultMeasure.MigratoryStatus.values),
            ],
            "foreignKeys": [
                _fk(["record"], "evidence", ["record"]),
                _fk(["framework", "indicator"], "framework_items", FRAMEWORK_KEY),
            ],
        },
    },
]


def sdmx_resource(directory, site_url):
    """Write the SDMX-CSV file into `directory`; its descriptor entry (without hash and size)."""
    with open(directory / SDMX_FILE, "w", newline="", encoding="utf-8") as handle:
        sdmx_csv.write(handle, site_url)
    text = {"type": "string"}
    return {
        "name": "sdg_results_sdmx",
        "title": f"Quantitative results against SDG indicators as SDMX-CSV 2.0 ({sdmx_csv.STRUCTURE_ID})",
        "path": SDMX_FILE,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "application/vnd.sdmx.data+csv; version=2.0.0",
        "encoding": "utf-8",
        "schema": {"fields": [{"name": name, **text} for name in sdmx_csv.HEADER]},
    }
