"""The one dictionary of evidence columns: names and meanings shared by the exports (CSV, JSON,
XLSX), the open data package's evidence table and the API's field descriptions; and the one
datetime format they all use (ISO 8601, UTC, to the second: 2026-03-02T10:30:05Z)."""

import datetime

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

EVIDENCE_COLUMNS = {
    "record": "Stable identifier of the record (UUID); the same across its revisions.",
    "revision": "Revision number of the record (1, 2 ...); a validated record edited later gets a new revision.",
    "title": "Title of the measure.",
    "description": "What was done.",
    "entity": "Name of the reporting entity (a Member State or a stakeholder organisation).",
    "organisation": "Identifier of the reporting organisation (empty for a State).",
    "entity_kind": "'state' for a Member State, otherwise the organisation's stakeholder type (slug).",
    "iso3": "ISO 3166 alpha-3 code of the reporting State (or of the country an organisation is based in).",
    "stakeholder_type": "Stakeholder type of the reporting organisation (empty for a State).",
    "primary_action": "The action the measure mainly implements, by code, e.g. 13(a).",
    "other_actions": "Other actions it implements, by code (a list; ';'-separated in CSV and XLSX).",
    "status": "Implementation status: planned, under_way, advanced or completed.",
    "level": "Level of the measure: local, national, regional or global.",
    "start_date": "Start date (ISO 8601 date).",
    "end_date": "End date (ISO 8601 date).",
    "principles": "Guiding principles applied (para 15), by name (a list).",
    "partners": "Partner stakeholder types involved (a list).",
    "groups_reached": "Groups of migrants reached (a list).",
    "links": "Web addresses of documents about the measure (a list).",
    "results": "Quantitative results as 'indicator: value unit (year)' (a list).",
    "challenges": "Challenges met.",
    "good_practice": "Whether the reporting entity offers it as a good practice (true/false).",
    "cycle": "Review cycle of its validation: 1 ends with IMRF 2022, 2 with IMRF 2026, and so on.",
    "validated_at": "When it was validated and published (ISO 8601, UTC: 2026-03-02T10:30:05Z).",
}


def iso_utc(value):
    """A datetime in the one format, or None."""
    return value.astimezone(datetime.UTC).strftime(DATETIME_FORMAT) if value else None
