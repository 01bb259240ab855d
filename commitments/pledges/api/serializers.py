"""Plans, plan items and pledges in the API. Entity, review state, identifier and publication
are never taken from a payload; writes go through `commitments.pledges.services`."""

from rest_framework import serializers

from commitments.api.serializers import ActionCodeField, Integer, Text
from commitments.models import Action, MemberState, Objective, Organisation

from ..models import NationalPlan, PlanItem, Pledge
from ..selectors import evidence_says


class PlanItemSerializer(serializers.ModelSerializer):
    objectives = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "key",
            "priority",
            "description",
            "objectives",
            "actions",
            "target_what",
            "target_amount",
            "target_date",
            "responsible_institution",
            "budget",
            "currency",
            "status",
            "status_reason",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(source="member_state", slug_field="iso3", read_only=True)
    items = PlanItemSerializer(many=True, read_only=True)
    # Empty when the plan gives no link (a URI-formatted field would reject "").
    document_url = serializers.CharField(read_only=True)

    class Meta:
        model = NationalPlan
        fields = [
            "record",
            "revision",
            "state",
            "title",
            "instrument",
            "adopted_on",
            "period_start",
            "period_end",
            "document_url",
            "lead_institution",
            "contributing_institutions",
            "items",
            "review_state",
            "is_published",
            "version",
            "validated_at",
        ]
        read_only_fields = fields


class PartnerSerializer(serializers.Serializer):
    iso3 = serializers.CharField(source="member_state.iso3", allow_null=True, default=None)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    name = serializers.CharField(source="entity.name")
    answer = serializers.CharField()


class PledgeSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(source="member_state", slug_field="iso3", read_only=True)
    objectives = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    matches = serializers.SlugRelatedField(slug_field="identifier", read_only=True)
    partners = PartnerSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField(help_text="Published evidence records delivering on it.")

    class Meta:
        model = Pledge
        fields = [
            "identifier",
            "state",
            "organisation",
            "title",
            "description",
            "kind",
            "objectives",
            "actions",
            "target_what",
            "target_amount",
            "target_date",
            "occasion",
            "status",
            "status_reason",
            "partners",
            "matches",
            "evidence",
            "review_state",
            "is_published",
            "version",
            "validated_at",
        ]
        read_only_fields = fields

    def get_evidence(self, pledge) -> list[str]:
        return sorted({str(d.evidence.record) for d in pledge.deliveries.all() if d.evidence.is_published})


class PlanItemWriteSerializer(serializers.Serializer):
    key = serializers.UUIDField(required=False, allow_null=True)
    priority = Text(max_length=300)
    description = Text(required=False, allow_blank=True)
    objectives = serializers.SlugRelatedField(
        slug_field="number", queryset=Objective.objects.all(), many=True, required=False
    )
    actions = ActionCodeField(queryset=Action.objects.all(), many=True, required=False)
    target_what = Text(required=False, allow_blank=True, max_length=300)
    target_amount = Text(required=False, allow_blank=True, max_length=100)
    target_date = serializers.DateField(required=False, allow_null=True)
    responsible_institution = Text(required=False, allow_blank=True, max_length=300)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    currency = Text(required=False, allow_blank=True, max_length=3)


class PlanWriteSerializer(serializers.Serializer):
    title = Text(max_length=300)
    instrument = serializers.ChoiceField(choices=NationalPlan.Instrument.choices)
    adopted_on = serializers.DateField(required=False, allow_null=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    document_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    lead_institution = Text(required=False, allow_blank=True, max_length=300)
    contributing_institutions = Text(required=False, allow_blank=True)
    items = PlanItemWriteSerializer(many=True, required=False)
    version = Integer(min_value=1, required=False)

    def service_data(self):
        data = {k: v for k, v in self.validated_data.items() if k not in ("items", "version")}
        items = [dict(i) for i in self.validated_data["items"]] if "items" in self.validated_data else None
        return data, items


class PledgeWriteSerializer(serializers.Serializer):
    title = Text(max_length=300)
    description = Text()
    kind = serializers.ChoiceField(choices=Pledge.Kind.choices)
    objectives = serializers.SlugRelatedField(
        slug_field="number", queryset=Objective.objects.all(), many=True, required=False
    )
    actions = ActionCodeField(queryset=Action.objects.all(), many=True, required=False)
    target_what = Text(required=False, allow_blank=True, max_length=300)
    target_amount = Text(required=False, allow_blank=True, max_length=100)
    target_date = serializers.DateField(required=False, allow_null=True)
    occasion = Text(required=False, allow_blank=True, max_length=40)
    matches = serializers.SlugRelatedField(
        slug_field="identifier", queryset=Pledge.objects.all(), required=False, allow_null=True
    )
    partner_states = serializers.SlugRelatedField(
        slug_field="iso3", queryset=MemberState.objects.all(), many=True, required=False
    )
    partner_organisations = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True, required=False
    )
    version = Integer(min_value=1, required=False)

    def service_data(self):
        return {k: v for k, v in self.validated_data.items() if k != "version"}


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Pledge._meta.get_field("status").choices)
    reason = Text()


class PledgeCommentSerializer(serializers.Serializer):
    comment = Text(required=False, allow_blank=True, default="")


__all__ = ["evidence_says"]
