"""Load the committed fixtures into the database by natural key, changing only what differs."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from . import dataversion, framework, rollups
from .indicators.loading import load_sdg
from .models import (
    Action,
    GuidingPrinciple,
    Instrument,
    MemberState,
    Objective,
    Paragraph,
    StakeholderType,
    TargetGroup,
)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_keys: list = field(default_factory=list)

    @property
    def changed(self):
        return self.created + self.updated


def sync(model, key, rows):
    """Create or update one row per dict in `rows`, matched on the natural key field `key`."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    result = SyncResult()
    new = []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            new.append(model(**row))
            result.created += 1
            result.changed_keys.append(row[key])
            continue
        dirty = [name for name, value in row.items() if getattr(obj, name) != value]
        if dirty:
            for name in dirty:
                setattr(obj, name, row[name])
            obj.save(update_fields=dirty)
            result.updated += 1
            result.changed_keys.append(row[key])
        else:
            result.unchanged += 1
    # New rows in one statement per batch (a first load writes about a thousand): no per-row signal,
    # so the caller bumps the data version once (load_framework does).
    model.objects.bulk_create(new, batch_size=500)
    return result


def _without(row, *names):
    return {k: v for k, v in row.items() if k not in names}


def load_translations(data):
    """{language: framework_<lang>.json} for every official translation derived, each checked whole.

    A file that does not cover every principle, objective, action and paragraph of the English
    fixture (or covers others) is refused, naming what differs, before anything is written.
    """
    expected = {
        "principles": {p["letter"] for p in data["principles"]},
        "objectives": {str(o["number"]) for o in data["objectives"]},
        "actions": {a["code"] for o in data["objectives"] for a in o["actions"]},
        "paragraphs": {str(p["number"]) for p in data["paragraphs"]},
    }
    translations = {}
    for language in framework.TRANSLATION_LANGUAGES:
        path = framework.translation_fixture(language)
        if not path.exists():
            continue
        translation = framework.load_fixture(path)
        problems = []
        for part, keys in expected.items():
            found = set(translation.get(part, {}))
            if missing := sorted(keys - found):
                problems.append(f"{part} missing: {', '.join(missing)}")
            if extra := sorted(found - keys):
                problems.append(f"{part} not in the compact: {', '.join(extra)}")
        if problems:
            raise framework.SourceError(f"{path.name} is refused, nothing was loaded: {'; '.join(problems)}")
        translations[language] = translation
    return translations


def _in_languages(translations, part, key):
    """The `translations` value of one object: {language: {field: text}} over the loaded languages."""
    return {language: t[part][key] for language, t in translations.items()}


@transaction.atomic
def load_framework():
    """Load instrument, principles, objectives, actions, paragraphs, States and stakeholder types."""
    data = framework.load_fixture(framework.FRAMEWORK_JSON)
    texts = load_translations(data)
    instrument = {
        **data["instrument"],
        "adopted_on": date.fromisoformat(data["instrument"]["adopted_on"]),
        "translations": {language: t["instrument"] for language, t in texts.items()},
    }
    principles = [{**p, "translations": _in_languages(texts, "principles", p["letter"])} for p in data["principles"]]
    objectives = [
        {**_without(o, "actions"), "translations": _in_languages(texts, "objectives", str(o["number"]))}
        for o in data["objectives"]
    ]
    results = {
        "instrument": sync(Instrument, "symbol", [instrument]),
        "guiding principles": sync(GuidingPrinciple, "letter", principles),
        "objectives": sync(Objective, "number", objectives),
    }
    objective_ids = dict(Objective.objects.values_list("number", "id"))
    actions = [
        {
            **action,
            "objective_id": objective_ids[o["number"]],
            "translations": _in_languages(texts, "actions", action["code"]),
        }
        for o in data["objectives"]
        for action in o["actions"]
    ]
    results["actions"] = sync(Action, "code", actions)
    paragraphs = [
        {**p, "translations": _in_languages(texts, "paragraphs", str(p["number"]))} for p in data["paragraphs"]
    ]
    results["paragraphs"] = sync(Paragraph, "number", paragraphs)
    results["Member States"] = sync(MemberState, "iso3", framework.load_fixture(framework.STATES_JSON))
    results["stakeholder types"] = sync(
        StakeholderType, "slug", framework.load_fixture(framework.STAKEHOLDER_TYPES_JSON)
    )
    results["groups reached"] = sync(TargetGroup, "slug", framework.load_fixture(framework.TARGET_GROUPS_JSON))
    results["SDG goals, targets and indicators"], results["action links to SDG targets"] = load_sdg()
    rollups.rebuild()  # an action may have moved to another objective
    dataversion.bump(public=True, labels=True)  # also for rows written in bulk, which send no signals
    return results
