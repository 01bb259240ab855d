"""Load the committed fixtures into the database by natural key, changing only what differs."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from . import dataversion, framework
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
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            model.objects.create(**row)
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
    return result


def _without(row, *names):
    return {k: v for k, v in row.items() if k not in names}


@transaction.atomic
def load_framework():
    """Load instrument, principles, objectives, actions, paragraphs, States and stakeholder types."""
    data = framework.load_fixture(framework.FRAMEWORK_JSON)
    instrument = {**data["instrument"], "adopted_on": date.fromisoformat(data["instrument"]["adopted_on"])}
    results = {
        "instrument": sync(Instrument, "symbol", [instrument]),
        "guiding principles": sync(GuidingPrinciple, "letter", data["principles"]),
        "objectives": sync(Objective, "number", [_without(o, "actions") for o in data["objectives"]]),
    }
    objective_ids = dict(Objective.objects.values_list("number", "id"))
    actions = [
        {**action, "objective_id": objective_ids[o["number"]]} for o in data["objectives"] for action in o["actions"]
    ]
    results["actions"] = sync(Action, "code", actions)
    results["paragraphs"] = sync(Paragraph, "number", data["paragraphs"])
    results["Member States"] = sync(MemberState, "iso3", framework.load_fixture(framework.STATES_JSON))
    results["stakeholder types"] = sync(
        StakeholderType, "slug", framework.load_fixture(framework.STAKEHOLDER_TYPES_JSON)
    )
    results["groups reached"] = sync(TargetGroup, "slug", framework.load_fixture(framework.TARGET_GROUPS_JSON))
    results["SDG goals, targets and indicators"], results["action links to SDG targets"] = load_sdg()
    dataversion.bump(public=True)  # also for rows written in bulk, which send no signals
    return results
