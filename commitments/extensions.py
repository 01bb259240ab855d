"""Parts of the evidence pages that other apps contribute, so commitments never imports them.

An app nested in commitments (e.g. `commitments.pledges`, whose evidence "delivers on" its
State's plan items and pledges) registers an `EvidencePart` and page sections in its
`AppConfig.ready()`. The evidence services, form, API and pages call every registered part:
its value is validated against the record's entity, written in the same transaction, kept in
the history snapshot and copied when a validated record is reopened, like the record's actions.
"""

EVIDENCE_PARTS = []
# name -> callable(request, entity) returning HTML, drawn on State / organisation pages.
ENTITY_SECTIONS = []
# callable(request, entity) returning HTML, drawn on the reporting entity's workspace.
WORKSPACE_SECTIONS = []


class EvidencePart:
    """One extra piece of an evidence revision. Subclasses override what they contribute."""

    name = ""
    label = ""
    prefetch = ()

    def form_field(self, user, evidence):
        """A form field for the evidence form (or None)."""
        return None

    def initial(self, evidence):
        return None

    def api_write_field(self):
        return None

    def api_read_field(self):
        return None

    def clean(self, user, entity, value):
        """The value as `apply` takes it; raises ValidationError({name: [...]}) if refused."""
        return value

    def apply(self, evidence, value):
        pass

    def snapshot(self, evidence):
        return None

    def copy(self, source, revision):
        """Carry the part over to a new revision opened from `source`."""

    def detail_html(self, request, evidence):
        return ""


# Sheets other apps add to the entity's evidence workbook (commitments.workbook), each an object with
#   write(wb, user, entity)              adds its sheets to the workbook being built;
#   instructions(entity)                 more paragraphs for the Instructions sheet;
#   read(wb, user, entity, problems)     reads its sheets of an upload, appending workbook.Problem
#                                        (with its sheet's name) to `problems`; returns what to save or None;
#   save(user, pending, summary)         writes it, inside the import's transaction, noting each row in the
#                                        workbook.ImportSummary; a ValidationError undoes the whole import.
WORKBOOK_SHEETS = []


def register_part(part):
    if all(p.name != part.name for p in EVIDENCE_PARTS):
        EVIDENCE_PARTS.append(part)


def clean_parts(user, entity, data):
    """Each registered part's value in `data`, cleaned for the record's entity (in place)."""
    from django.core.exceptions import ValidationError

    errors = {}
    for part in EVIDENCE_PARTS:
        if part.name in data:
            try:
                data[part.name] = part.clean(user, entity, data[part.name])
            except ValidationError as exc:
                errors.update(exc.message_dict if hasattr(exc, "error_dict") else {part.name: exc.messages})
    if errors:
        raise ValidationError(errors)


def sections(registry, request, entity):
    """Each registered section's HTML (render_to_string output, already marked safe by Django)."""
    return [render(request, entity) for render in registry]


# Demo data of other apps: objects with `seed(seed, pledges=None, plan_items=None) -> str` (a
# summary line; the counts are seed_demo's --pledges and --plan-items, None when not given) and
# `delete()`, called by `manage.py seed_demo` after the evidence is generated and before it is deleted.
DEMO_SEEDERS = []
