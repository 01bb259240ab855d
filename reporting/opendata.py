"""The open data package: the framework, the reporting entities and all published evidence as a
Frictionless Data Package (datapackage.json + CSV files with Table Schemas, keys and foreign keys).

`build(directory)` writes the package into a directory; `publish()` builds it in a temporary
directory under MEDIA_ROOT/opendata/, zips it under a temporary name and moves the zip into
place with os.replace, so a download never sees a half-written file.
"""

import csv
import hashlib
import json
import os
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from commitments import exports
from commitments.models import Action, Evidence, GuidingPrinciple, MemberState, Objective, Organisation
from commitments.pledges import exports as pledge_exports
from commitments.pledges.models import NationalPlan, OwnerStatus, Pledge

from . import opendata_sdg

PACKAGE_NAME = "gcm-implementation-monitor"
ZIP_NAME = "gcm-open-data.zip"


def _field(name, kind="string", description="", **constraints):
    field = {"name": name, "type": kind}
    if description:
        field["description"] = description
    if constraints:
        field["constraints"] = constraints
    return field


def _fk(field, resource, reference):
    return {"fields": field, "reference": {"resource": resource, "fields": reference}}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number is never a formula, and -3 must stay a number
    return exports.neutralise(str(value))


def _objectives():
    for o in Objective.objects.order_by("number"):
        yield [o.number, o.title, o.heading, o.paragraph, o.commitment]


def _actions():
    for a in Action.objects.select_related("objective").order_by("objective__number", "letter"):
        yield [a.code, a.objective.number, a.letter, a.subheading, a.text]


def _principles():
    for p in GuidingPrinciple.objects.order_by("letter"):
        yield [p.letter, p.name, p.text]


def _states():
    for s in MemberState.objects.order_by("iso3"):
        yield [s.iso3, s.name, s.official_name, s.m49_code, s.region, s.subregion, s.intermediate_region, s.is_observer]


def _published():
    return Evidence.objects.published().order_by("validated_at", "id")


def _organisations():
    """Active organisations, and any other that has published evidence or pledges (so foreign keys hold)."""
    published = Evidence.objects.published().filter(organisation__isnull=False).values("organisation")
    pledged = Pledge.objects.filter(is_published=True, organisation__isnull=False).values("organisation")
    rows = Organisation.objects.filter(Q(is_active=True) | Q(pk__in=published) | Q(pk__in=pledged)).select_related(
        "stakeholder_type", "country"
    )
    for o in rows.order_by("pk"):
        yield [o.pk, o.name, o.acronym, o.stakeholder_type.slug, o.country.iso3 if o.country else None, o.website]


def _evidence():
    for row in exports.records(_published()):
        yield [
            row["record"],
            row["revision"],
            row["title"],
            row["description"],
            row["entity"],
            row["entity_kind"],
            row["iso3"] if row["entity_kind"] == "state" else None,
            row["organisation"],
            row["primary_action"],
            row["status"],
            row["level"],
            row["start_date"],
            row["end_date"],
            ";".join(row["principles"]),
            ";".join(row["partners"]),
            ";".join(row["groups_reached"]),
            ";".join(row["links"]),
            ";".join(row["results"]),
            row["challenges"],
            row["good_practice"],
            row["cycle"],
            row["validated_at"][:19] + "Z" if row["validated_at"] else None,
        ]


def _evidence_actions():
    through = Evidence.other_actions.through
    for record, code in _published().values_list("record", "primary_action__code").iterator(chunk_size=5000):
        yield [str(record), code, "primary"]
    others = through.objects.filter(evidence__is_published=True).order_by("evidence_id", "action__code")
    for record, code in others.values_list("evidence__record", "action__code").iterator(chunk_size=5000):
        yield [str(record), code, "other"]


def _voluntary_reviews():
    """Published voluntary national reviews (reporting.reviews), one row per published version."""
    from reporting.reviews.filters import published_reviews

    for version in published_reviews({})[1]:
        files = {f.format: f for f in version.files.all()}
        yield [
            version.pk,
            version.review.member_state.iso3,
            version.review.year,
            version.review.milestone.title,
            version.review.cycle,
            version.language,
            version.number,
            version.content.get("title", ""),
            version.published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if version.published_at else None,
            files["docx"].sha256 if "docx" in files else None,
            files["pdf"].sha256 if "pdf" in files else None,
            f"{settings.SITE_URL}/api/v1/reviews/{version.pk}/",
        ]


RESOURCES = [
    {
        "name": "objectives",
        "title": "The 23 objectives (para 16) and their commitments (paras 17-39)",
        "rows": _objectives,
        "schema": {
            "fields": [
                _field("number", "integer", required=True, unique=True),
                _field("title", required=True),
                _field("heading"),
                _field("paragraph", "integer"),
                _field("commitment"),
            ],
            "primaryKey": ["number"],
        },
    },
    {
        "name": "actions",
        "title": "The 187 actions, by code",
        "rows": _actions,
        "schema": {
            "fields": [
                _field("code", required=True, unique=True, description="e.g. 13(a)"),
                _field("objective", "integer", required=True),
                _field("letter", required=True),
                _field("subheading"),
                _field("text", required=True),
            ],
            "primaryKey": ["code"],
            "foreignKeys": [_fk(["objective"], "objectives", ["number"])],
        },
    },
    {
        "name": "principles",
        "title": "The ten guiding principles (para 15)",
        "rows": _principles,
        "schema": {
            "fields": [_field("letter", required=True, unique=True), _field("name", required=True), _field("text")],
            "primaryKey": ["letter"],
        },
    },
    {
        "name": "member_states",
        "title": "UN Member States and observer States with their M49 classification",
        "rows": _states,
        "schema": {
            "fields": [
                _field("iso3", required=True, unique=True, pattern="[A-Z]{3}"),
                _field("name", required=True),
                _field("official_name"),
                _field("m49_code", required=True),
                _field("region"),
                _field("subregion"),
                _field("intermediate_region"),
                _field("is_observer", "boolean"),
            ],
            "primaryKey": ["iso3"],
        },
    },
    {
        "name": "organisations",
        "title": "Reporting stakeholder organisations",
        "rows": _organisations,
        "schema": {
            "fields": [
                _field("id", "integer", required=True, unique=True),
                _field("name", required=True),
                _field("acronym"),
                _field("stakeholder_type", required=True),
                _field("country", description="ISO3 of the country the organisation is based in"),
                _field("website"),
            ],
            "primaryKey": ["id"],
            "foreignKeys": [_fk(["country"], "member_states", ["iso3"])],
        },
    },
    {
        "name": "evidence",
        "title": "Published evidence of implementation (the validated revision of each record)",
        "rows": _evidence,
        "schema": {
            "fields": [
                _field("record", required=True, unique=True, description="Stable identifier of the record (UUID)"),
                _field("revision", "integer", required=True),
                _field("title", required=True),
                _field("description"),
                _field("entity", required=True),
                _field("entity_kind", required=True, description="'state' or the organisation's stakeholder type"),
                _field("iso3", description="The reporting Member State"),
                _field("organisation", "integer", description="The reporting organisation"),
                _field("primary_action", required=True),
                _field("status", required=True, enum=[c for c, _ in Evidence.Status.choices]),
                _field("level", required=True, enum=[c for c, _ in Evidence.Level.choices]),
                _field("start_date", "date"),
                _field("end_date", "date"),
                _field("principles", description="Guiding principles applied, separated by ';'"),
                _field("partners", description="Partner stakeholder types, separated by ';'"),
                _field("groups_reached", description="Separated by ';'"),
                _field("links", description="Separated by ';'"),
                _field("results", description="indicator: value unit (year), separated by ';'"),
                _field("challenges"),
                _field("good_practice", "boolean"),
                _field("cycle", "integer", description="Review cycle (1 ends with IMRF 2022, 2 with IMRF 2026 ...)"),
                _field("validated_at", "datetime"),
            ],
            "primaryKey": ["record"],
            "foreignKeys": [
                _fk(["iso3"], "member_states", ["iso3"]),
                _fk(["organisation"], "organisations", ["id"]),
                _fk(["primary_action"], "actions", ["code"]),
            ],
        },
    },
    {
        "name": "evidence_actions",
        "title": "Actions each published record implements (primary and others)",
        "rows": _evidence_actions,
        "schema": {
            "fields": [
                _field("record", required=True),
                _field("action", required=True),
                _field("role", required=True, enum=["primary", "other"]),
            ],
            "primaryKey": ["record", "action"],
            "foreignKeys": [_fk(["record"], "evidence", ["record"]), _fk(["action"], "actions", ["code"])],
        },
    },
    *opendata_sdg.RESOURCES,
    {
        "name": "voluntary_reviews",
        "title": "Voluntary national GCM reviews the States published (para 53), with their files' SHA-256",
        "rows": _voluntary_reviews,
        "schema": {
            "fields": [
                _field("id", "integer", required=True, unique=True),
                _field("iso3", required=True, description="The reviewing Member State"),
                _field("year", "integer", required=True, description="Year of the review"),
                _field("milestone", required=True, description="The regional review or IMRF it was prepared for"),
                _field("cycle", "integer", required=True),
                _field("language", required=True),
                _field("version", "integer", required=True),
                _field("title", required=True),
                _field("published_at", "datetime"),
                _field("docx_sha256"),
                _field("pdf_sha256"),
                _field("url", description="The review in the API, with links to its files"),
            ],
            "primaryKey": ["id"],
            "foreignKeys": [_fk(["iso3"], "member_states", ["iso3"])],
        },
    },
]


STATUS_ENUM = list(OwnerStatus.values)
RESOURCES += [
    {
        "name": "national_plans",
        "title": "Published national implementation plans (para 53), the current version of each",
        "rows": pledge_exports.open_plans,
        "schema": {
            "fields": [
                _field("plan", required=True, unique=True, description="Stable identifier of the plan (UUID)"),
                _field("version", "integer", required=True),
                _field("iso3", required=True),
                _field("title", required=True),
                _field("instrument", required=True, enum=list(NationalPlan.Instrument.values)),
                _field("adopted_on", "date"),
                _field("period_start", "date"),
                _field("period_end", "date"),
                _field("lead_institution"),
                _field("contributing_institutions", description="Separated by ';'"),
                _field("document_url"),
            ],
            "primaryKey": ["plan"],
            "foreignKeys": [_fk(["iso3"], "member_states", ["iso3"])],
        },
    },
    {
        "name": "plan_items",
        "title": "The priorities of the published plans, with their targets and the owner's status",
        "rows": pledge_exports.open_plan_items,
        "schema": {
            "fields": [
                _field("item", required=True, unique=True, description="Stable identifier across plan versions"),
                _field("plan", required=True),
                _field("priority", required=True),
                _field("objectives", description="Objective numbers, separated by ';'"),
                _field("actions", description="Action codes, separated by ';'"),
                _field("target_what"),
                _field("target_amount"),
                _field("target_date", "date"),
                _field("responsible_institution"),
                _field("budget", "number"),
                _field("currency"),
                _field("status", required=True, enum=STATUS_ENUM, description="Set by the State, not inferred"),
                _field("status_reason"),
            ],
            "primaryKey": ["item"],
            "foreignKeys": [_fk(["plan"], "national_plans", ["plan"])],
        },
    },
    {
        "name": "pledges",
        "title": "Published pledges of Member States and stakeholders",
        "rows": pledge_exports.open_pledges,
        "schema": {
            "fields": [
                _field("identifier", required=True, unique=True, description="e.g. GCM-P-2026-000123"),
                _field("title", required=True),
                _field("description"),
                _field("iso3", description="The pledging Member State"),
                _field("organisation", "integer", description="The pledging organisation"),
                _field("kind", required=True, enum=list(Pledge.Kind.values)),
                _field("objectives", description="Separated by ';'"),
                _field("actions", description="Separated by ';'"),
                _field("target_what"),
                _field("target_amount"),
                _field("target_date", "date"),
                _field("occasion"),
                _field("status", required=True, enum=STATUS_ENUM, description="Set by the owner, not inferred"),
                _field("status_reason"),
                _field("partners", description="entity:answer (invited/confirmed/declined), separated by ';'"),
                _field("matches", description="The pledge this one answers"),
                _field("validated_at", "datetime"),
            ],
            "primaryKey": ["identifier"],
            "foreignKeys": [
                _fk(["iso3"], "member_states", ["iso3"]),
                _fk(["organisation"], "organisations", ["id"]),
            ],
        },
    },
    {
        "name": "evidence_delivers_on",
        "title": "Which plan items and pledges each published evidence record delivers on",
        "rows": pledge_exports.open_deliveries,
        "schema": {
            "fields": [_field("record", required=True), _field("plan_item"), _field("pledge")],
            "foreignKeys": [
                _fk(["record"], "evidence", ["record"]),
                _fk(["plan_item"], "plan_items", ["item"]),
                _fk(["pledge"], "pledges", ["identifier"]),
            ],
        },
    },
]


def _write_csv(path, fields, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(fields)
        for row in rows:
            writer.writerow([_text(value) for value in row])
    return _digest(path)


def _digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(65536), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def build(directory):
    """Write datapackage.json and one CSV per resource into `directory`; returns the descriptor path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    for spec in RESOURCES:
        filename = f"{spec['name']}.csv"
        fields = [f["name"] for f in spec["schema"]["fields"]]
        sha256, size = _write_csv(directory / filename, fields, spec["rows"]())
        resources.append(
            {
                "name": spec["name"],
                "title": spec["title"],
                "path": filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": size,
                "hash": f"sha256:{sha256}",
                "schema": spec["schema"],
                **({"licenses": spec["licenses"]()} if "licenses" in spec else {}),
            }
        )
    sdmx = opendata_sdg.sdmx_resource(directory, settings.SITE_URL)
    sha256, size = _digest(directory / sdmx["path"])
    resources.append({**sdmx, "bytes": size, "hash": f"sha256:{sha256}"})
    descriptor = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "GCM Implementation Monitor: open data",
        "description": "The Global Compact for Safe, Orderly and Regular Migration (A/RES/73/195), the Member "
        "States and stakeholders that report on it, and the published evidence of its implementation.",
        "created": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "homepage": settings.SITE_URL,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        # The indicator frameworks' titles keep their own licence (the SDGs: open-sdg, MIT).
        "sources": opendata_sdg.sources(),
        "resources": resources,
    }
    path = directory / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def output_dir():
    return Path(settings.MEDIA_ROOT) / "opendata"


def latest():
    """The published zip, or None."""
    path = output_dir() / ZIP_NAME
    return path if path.is_file() else None


def publish():
    """Rebuild the package and atomically replace MEDIA_ROOT/opendata/gcm-open-data.zip."""
    target_dir = output_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".build-") as work:
        package = Path(work) / "package"
        build(package)
        temporary = Path(work) / ZIP_NAME
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(package.iterdir()):
                archive.write(item, item.name)
        os.replace(temporary, target_dir / ZIP_NAME)
    return target_dir / ZIP_NAME
