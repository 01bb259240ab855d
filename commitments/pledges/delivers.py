"""What this app adds to evidence and entity pages, through `commitments.extensions`.

Evidence says which plan items and pledges it "delivers on": those of its own entity, or a
common pledge its entity confirmed taking part in. Values are tokens people and programs can
type: a pledge's identifier (GCM-P-2026-000123) or `plan-item:<key>`.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments import extensions
from commitments.models import MemberState

from . import selectors
from .models import Delivery, PlanItem, Pledge, PledgePartner

ITEM_PREFIX = "plan-item:"


def token(target):
    return target.identifier if isinstance(target, Pledge) else f"{ITEM_PREFIX}{target.key}"


def label(target):
    if isinstance(target, Pledge):
        return f"{target.identifier} {target.title}"
    return _("Plan item: %(priority)s") % {"priority": target.priority}


def _choices(entity):
    if entity is None:
        return []
    targets = list(selectors.deliverable_pledges(entity))
    if isinstance(entity, MemberState):
        targets = selectors.current_items(entity) + targets
    return [(token(t), label(t)) for t in targets]


def _resolve(value, entity):
    """A token to its plan item or pledge (the entity's current version of an item), or None."""
    if isinstance(value, PlanItem | Pledge):
        return value
    text = str(value).strip()
    if text.lower().startswith(ITEM_PREFIX):
        try:
            key = uuid.UUID(text[len(ITEM_PREFIX) :])
        except ValueError:
            return None
        return (
            PlanItem.objects.filter(key=key, plan__review_state__in=selectors.LIVE)
            .select_related("plan")
            .order_by("-plan__revision")
            .first()
        )
    return Pledge.objects.filter(identifier=text.upper()).first()


def _allowed(target, entity):
    if isinstance(target, PlanItem):
        return target.plan.member_state_id == getattr(entity, "pk", None) and isinstance(entity, MemberState)
    if target.entity == entity:
        return True
    field = "member_state" if isinstance(entity, MemberState) else "organisation"
    return PledgePartner.objects.filter(
        pledge=target, **{field: entity}, answer=PledgePartner.Answer.CONFIRMED
    ).exists()


class TargetsField(forms.MultipleChoiceField):
    """Any token is accepted here; the service says clearly why one is refused."""

    def valid_value(self, value):
        return True


class DeliversOn(extensions.EvidencePart):
    name = "delivers_on"
    label = gettext_lazy("Delivers on (plan items and pledges)")
    prefetch = ("deliveries__plan_item", "deliveries__pledge")

    def form_field(self, user, evidence):
        from commitments import permissions

        entity = evidence.entity if evidence is not None else permissions.can_record_for(user)
        choices = _choices(entity)
        if evidence is not None:
            known = {c for c, _label in choices}
            choices += [
                (token(d.target), label(d.target)) for d in evidence.deliveries.all() if token(d.target) not in known
            ]
        return TargetsField(
            label=self.label,
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=gettext_lazy(
                "Your entity's plan items and pledges, and common pledges it confirmed taking part in."
            ),
        )

    def initial(self, evidence):
        return [token(d.target) for d in evidence.deliveries.all()]

    def api_write_field(self):
        return serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Pledge identifiers (GCM-P-2026-000123) and plan items as plan-item:<key>.",
        )

    def api_read_field(self):
        return DeliversOnReadField(source="*", read_only=True)

    def clean(self, user, entity, value):
        targets, errors = [], []
        for raw in value or []:
            target = _resolve(raw, entity)
            if target is None:
                errors.append(_("%(value)s is not a plan item or pledge of the monitor.") % {"value": raw})
            elif not _allowed(target, entity):
                errors.append(
                    _(
                        "%(target)s belongs to another entity: evidence can deliver only on its own entity's "
                        "plan items and pledges, or on common pledges its entity confirmed taking part in."
                    )
                    % {"target": label(target)}
                )
            elif target not in targets:
                targets.append(target)
        if errors:
            raise ValidationError({self.name: errors})
        return targets

    def apply(self, evidence, value):
        evidence.deliveries.all().delete()
        Delivery.objects.bulk_create(_delivery(evidence, target) for target in value)

    def snapshot(self, evidence):
        return sorted(label(d.target) for d in evidence.deliveries.all())

    def copy(self, source, revision):
        Delivery.objects.bulk_create(
            Delivery(evidence=revision, plan_item_id=d.plan_item_id, pledge_id=d.pledge_id, item_key=d.item_key)
            for d in source.deliveries.all()
        )

    def detail_html(self, request, evidence):
        deliveries = visible_deliveries(request.user, evidence.deliveries.select_related("plan_item__plan", "pledge"))
        if not deliveries:
            return ""
        return render_to_string("pledges/_evidence_delivers.html", {"deliveries": deliveries}, request=request)


def visible_deliveries(user, deliveries):
    """The links whose plan item or pledge `user` may see: a published record may name a pledge
    or plan still in draft, whose title must not reach the public."""
    from . import permissions

    deliveries = list(deliveries)
    if not deliveries or permissions.is_secretariat(user):
        return deliveries
    pledge_ids = {d.pledge_id for d in deliveries if d.pledge_id}
    keys = {d.item_key for d in deliveries if d.item_key}
    pledges = set(
        permissions.visible_pledges(user, Pledge.objects.filter(pk__in=pledge_ids)).values_list("pk", flat=True)
    )
    visible_plans = permissions.visible_plans(user).filter(items__key__in=keys)
    items = set(visible_plans.values_list("items__key", flat=True))
    return [d for d in deliveries if d.pledge_id in pledges or (d.item_key and d.item_key in items)]


def _delivery(evidence, target):
    if isinstance(target, PlanItem):
        return Delivery(evidence=evidence, plan_item=target, item_key=target.key)
    return Delivery(evidence=evidence, pledge=target)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class DeliversOnReadField(serializers.Field):
    """Pledge identifiers and plan-item:<key> tokens, as the write field takes them; only the
    plan items and pledges the requester may see (the public: published ones)."""

    def to_representation(self, evidence):
        deliveries = list(evidence.deliveries.all())
        if not deliveries:
            return []
        # Decided once for the whole page being serialised (two queries), not per record.
        root = self.root
        visible = getattr(root, "_gcm_visible_deliveries", None)
        if visible is None:
            instance = root.instance
            records = instance if isinstance(instance, list | tuple) else [instance]
            every = [d for record in records for d in record.deliveries.all()]
            user = getattr(self.context.get("request"), "user", None)
            visible = root._gcm_visible_deliveries = {d.pk for d in visible_deliveries(user, every)}
        return [token(d.target) for d in deliveries if d.pk in visible]


# --- Sections of other pages -----------------------------------------------------------------


def state_plan_section(request, entity):
    """The "Implementation plan" section of a State's page (pledges for an organisation)."""
    from .views import plan_section_context

    return render_to_string("pledges/_state_plan.html", plan_section_context(request, entity), request=request)


def workspace_due_section(request, entity):
    context = {"due": selectors.due(entity), "today": datetime.date.today(), "entity": entity}
    return render_to_string("pledges/_workspace_due.html", context, request=request)
