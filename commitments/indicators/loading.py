"""Load an indicator framework document (YAML, JSON or CSV) by code, keeping every link.

The document format (docs in README, 'Indicator frameworks'):

    framework: {code: sdg, name: ..., version: "2025", source: ..., licence: ...,
                names: {fr: ...}, source_url: ...}
    items:
      - {code: "10", kind: goal, titles: {en: ..., fr: ...}}
      - {code: "10.7", kind: target, parent: "10", titles: {en: ...}}
      - {code: "10.7.1", kind: indicator, parent: "10.7", titles: {en: ...}}

A CSV has one row per item with the columns code, kind, parent, title_en (required) and
title_<lang> for any other language; the framework's own fields come from the command line.
Items are matched by code: a changed title updates in place, an item missing from the new
version is kept and marked retired (links from actions, evidence and results stay valid), an
item that comes back is reinstated.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from .models import LANGUAGES, FrameworkItem, IndicatorFramework

KINDS = {choice.value for choice in FrameworkItem.Kind}
FRAMEWORK_FIELDS = ("code", "name", "version", "source", "licence")


class FrameworkFileError(ValueError):
    """The document cannot be loaded; nothing was written. The message says what to fix."""


@dataclass
class LoadResult:
    framework: IndicatorFramework = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    reinstated: int = 0
    messages: list = field(default_factory=list)

    @property
    def changed(self):
        return self.created + self.updated + self.retired + self.reinstated


def read_document(path, **framework):
    """Parse a YAML/JSON/CSV file into the document form; CSV takes `framework` fields."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return {"framework": framework, "items": _csv_items(text)}
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FrameworkFileError(f"{path.name} is not valid {path.suffix[1:].upper() or 'YAML'}: {exc}") from exc
    if not isinstance(document, dict):
        raise FrameworkFileError(f"{path.name}: expected 'framework' and 'items' at the top level.")
    document.setdefault("framework", {})
    document["framework"] = {**document["framework"], **{k: v for k, v in framework.items() if v}}
    return document


def _csv_items(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "code" not in rows[0] or "title_en" not in rows[0]:
        raise FrameworkFileError("The CSV needs a header row with at least the columns code, kind and title_en.")
    items = []
    for row in rows:
        titles = {k[6:].lower(): v.strip() for k, v in row.items() if k and k.startswith("title_") and v and v.strip()}
        item = {"code": (row.get("code") or "").strip(), "kind": (row.get("kind") or "").strip(), "titles": titles}
        if (row.get("parent") or "").strip():
            item["parent"] = row["parent"].strip()
        items.append(item)
    return items


def _limits(model, names):
    """The database's length limits (PostgreSQL enforces them; SQLite does not), by field name."""
    return {name: model._meta.get_field(name).max_length for name in names}


def validate(document):
    """Every problem of the document at once, in plain words (empty list: it can be loaded)."""
    problems = []
    meta = document.get("framework") or {}
    problems += [f"framework: '{name}' is required" for name in FRAMEWORK_FIELDS if not str(meta.get(name, "")).strip()]
    problems += [
        f"framework: '{name}' is longer than {limit} characters"
        for name, limit in _limits(IndicatorFramework, FRAMEWORK_FIELDS + ("source_url",)).items()
        if len(str(meta.get(name) or "")) > limit
    ]
    items = document.get("items")
    if not isinstance(items, list) or not items:
        return [*problems, "items: the framework has no items"]
    seen = set()
    for n, item in enumerate(items, 1):
        where = f"item {n} ({item.get('code', '?')})" if isinstance(item, dict) else f"item {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected code, kind and titles")
            continue
        code = str(item.get("code", "")).strip()
        if not code or len(code) > 20:
            problems.append(f"{where}: a code of 1 to 20 characters is required")
        elif code in seen:
            problems.append(f"{where}: code {code} appears twice")
        seen.add(code)
        if item.get("kind") not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(sorted(KINDS))}")
        titles = item.get("titles")
        if not isinstance(titles, dict) or not str(titles.get("en", "")).strip():
            problems.append(f"{where}: an English title (titles.en) is required")
        elif set(titles) - set(LANGUAGES):
            problems.append(f"{where}: unknown title languages {sorted(set(titles) - set(LANGUAGES))}")
    codes = {str(i.get("code", "")).strip() for i in items if isinstance(i, dict)}
    problems += [
        f"item {i.get('code')}: parent {i['parent']} is not in the file"
        for i in items
        if isinstance(i, dict) and i.get("parent") and str(i["parent"]) not in codes
    ]
    return problems


@transaction.atomic
def load_document(document):
    """Create or update the framework and its items by code; retire what the new version lacks."""
    problems = validate(document)
    if problems:
        raise FrameworkFileError("Nothing was loaded: " + "; ".join(problems[:20]))
    meta = document["framework"]
    framework, _ = IndicatorFramework.objects.get_or_create(
        code=meta["code"], defaults={k: meta[k] for k in ("name", "version", "source", "licence")}
    )
    result = LoadResult(framework=framework)
    fields = {k: meta.get(k, "") for k in ("name", "version", "source", "licence", "source_url")}
    fields["names"] = meta.get("names") or {}
    if any(getattr(framework, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(framework, k, v)
        framework.save()
    version = framework.version
    existing = {item.code: item for item in framework.items.all()}
    new = []
    for order, row in enumerate(document["items"], 1):
        _sync_item(framework, existing, row, order, version, result, new)
    FrameworkItem.objects.bulk_create(new, batch_size=500)  # a first load: 438 SDG items in one go
    _link_parents(framework, document["items"])
    listed = {str(row["code"]).strip() for row in document["items"]}
    for code, item in existing.items():
        if code not in listed and not item.retired:
            item.retired, item.retired_in = True, version
            item.save(update_fields=["retired", "retired_in"])
            result.retired += 1
    return result


def _sync_item(framework, existing, row, order, version, result, new):
    code = str(row["code"]).strip()
    values = {
        "kind": row["kind"],
        "titles": {k: " ".join(str(v).split()) for k, v in row["titles"].items()},
        "short_titles": row.get("short_titles") or {},
        "order": order,
    }
    item = existing.get(code)
    if item is None:
        new.append(FrameworkItem(framework=framework, code=code, first_version=version, **values))
        result.created += 1
        return
    dirty = [name for name, value in values.items() if getattr(item, name) != value]
    if item.retired:
        item.retired, item.retired_in = False, ""
        dirty += ["retired", "retired_in"]
        result.reinstated += 1
    elif dirty:
        result.updated += 1
    else:
        result.unchanged += 1
    for name in dirty:
        if name in values:
            setattr(item, name, values[name])
    if dirty:
        item.save(update_fields=dirty)


def _link_parents(framework, rows):
    items = {item.code: item for item in framework.items.all()}
    changed = []
    for row in rows:
        item = items[str(row["code"]).strip()]
        parent = items.get(str(row.get("parent") or "").strip())
        if item.parent_id != (parent.pk if parent else None):
            item.parent = parent
            changed.append(item)
    FrameworkItem.objects.bulk_update(changed, ["parent"], batch_size=500)


def load_default_links(path):
    """Create the default action -> target links that do not exist yet; never touch `active`.

    A default's note and basis follow the file; a link the secretariat added stays as it is.
    """
    from commitments.models import Action

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    actions = dict(Action.objects.values_list("code", "pk"))
    targets = dict(FrameworkItem.objects.filter(framework__code="sdg").values_list("code", "pk"))
    result = LoadResult()
    from .models import ActionTarget

    existing = {(link.action_id, link.item_id): link for link in ActionTarget.objects.all()}
    for row in document["links"]:
        key = (actions[row["action"]], targets[row["target"]])
        link = existing.get(key)
        if link is None:
            ActionTarget.objects.create(
                action_id=key[0], item_id=key[1], source_note=row["note"], basis=row["basis"], is_default=True
            )
            result.created += 1
        elif link.is_default and (link.source_note, link.basis) != (row["note"], row["basis"]):
            link.source_note, link.basis = row["note"], row["basis"]
            link.save(update_fields=["source_note", "basis"])
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def load_sdg():
    """The SDG framework from fixtures/sdg.json and the default links, as `load_framework` runs it."""
    from .sources import SDG_ACTION_LINKS, SDG_JSON

    framework = load_document(json.loads(SDG_JSON.read_text(encoding="utf-8")))
    return framework, load_default_links(SDG_ACTION_LINKS)
