"""Serializers of the API. Identifiers are the stable ones: action codes, ISO3, letters, slugs, record UUIDs.

Evidence is read with `EvidenceSerializer` and written with `EvidenceWriteSerializer`, which
only turns the payload into the plain data `commitments.services` expects: the entity, the
review state and publication are never taken from the payload.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments import extensions
from commitments.filters import action_code
from commitments.indicators import evidence as framework_links
from commitments.indicators.models import ResultMeasure
from commitments.models import (
    Action,
    Evidence,
    GuidingPrinciple,
    Instrument,
    MemberState,
    Objective,
    Organisation,
    StakeholderType,
    TargetGroup,
)


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["symbol", "title", "adopted_on", "source", "source_sha256"]


class GuidingPrincipleSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuidingPrinciple
        fields = ["letter", "name", "text"]


class ActionSerializer(serializers.ModelSerializer):
    objective = serializers.IntegerField(source="objective.number", read_only=True)
    slug = serializers.CharField(read_only=True)

    class Meta:
        model = Action
        fields = ["code", "slug", "objective", "letter", "subheading", "text"]


class ObjectiveSerializer(serializers.ModelSerializer):
    actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Objective
        fields = ["number", "title", "heading", "paragraph", "commitment", "actions"]


class MemberStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberState
        fields = [
            "iso3",
            "name",
            "official_name",
            "m49_code",
            "region",
            "subregion",
            "intermediate_region",
            "un_member_since",
            "is_observer",
        ]


class StakeholderTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StakeholderType
        fields = ["slug", "name"]


class OrganisationSerializer(serializers.ModelSerializer):
    stakeholder_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    country = serializers.SlugRelatedField(slug_field="iso3", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "acronym", "stakeholder_type", "country", "website", "is_active"]


# Strict JSON types in payloads: DRF would otherwise take 12 for "12", "true" for true, "3" for 3.


class Text(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Link(serializers.URLField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Integer(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d{1,16}(\.\d{1,4})?$"}]})
class Amount(serializers.DecimalField):
    """A number, or a decimal written as a string."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        return super().to_internal_value(data)


class LinkSerializer(serializers.Serializer):
    url = Link(max_length=500)
    label = Text(max_length=200, required=False, allow_blank=True, default="")


class ResultSerializer(serializers.Serializer):
    indicator = Text(max_length=300)
    value = Amount(max_digits=20, decimal_places=4)
    unit = Text(max_length=50, required=False, allow_blank=True, default="")
    year = Integer(min_value=1900, max_value=2100)
    sdg_indicator = Text(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The SDG indicator this result measures, e.g. 10.7.1 (null: none).",
    )
    sex = serializers.ChoiceField(choices=ResultMeasure.Sex.values, required=False, allow_null=True)
    age = Text(max_length=12, required=False, allow_null=True, help_text="SDMX age code: _T, Y15T24, Y_GE65 ...")
    migratory_status = serializers.ChoiceField(
        choices=ResultMeasure.MigratoryStatus.values, required=False, allow_null=True
    )

    def to_representation(self, instance):
        if isinstance(instance, dict):
            return super().to_representation(instance)
        row = {name: getattr(instance, name) for name in ("indicator", "value", "unit", "year")}
        empty = dict.fromkeys(framework_links.MEASURE_KEYS)
        return super().to_representation({**row, **empty, **framework_links.result_measure(instance)})


@extend_schema_field(OpenApiTypes.STR)
class ActionCodeField(serializers.RelatedField):
    """An action by its code, written 13(a) or 13a."""

    default_error_messages = {
        "does_not_exist": "No action has the code {value}.",
        "invalid": "Give an action code such as 13(a) or 13a.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(code=action_code(data))
        except Action.DoesNotExist:
            self.fail("does_not_exist", value=str(data)[:20])

    def to_representation(self, value):
        return value.code


class EntitySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="'state', or the stakeholder type slug of an organisation")
    name = serializers.CharField()
    iso3 = serializers.CharField(allow_null=True)
    organisation = serializers.IntegerField(allow_null=True)


class EvidenceSerializer(serializers.ModelSerializer):
    """A revision of a record, as the public (or its entity) sees it."""

    entity = serializers.SerializerMethodField()
    primary_action = serializers.SlugRelatedField(slug_field="code", read_only=True)
    other_actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    principles = serializers.SlugRelatedField(slug_field="letter", many=True, read_only=True)
    partners = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    groups_reached = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    links = LinkSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    sdg_targets = serializers.SerializerMethodField(help_text="SDG target codes the record contributes to.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "record",
            "revision",
            "url",
            "entity",
            "title",
            "description",
            "primary_action",
            "other_actions",
            "status",
            "level",
            "start_date",
            "end_date",
            "principles",
            "partners",
            "groups_reached",
            "links",
            "results",
            "sdg_targets",
            "challenges",
            "good_practice",
            "review_state",
            "is_published",
            "cycle",
            "version",
            "validated_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for part in extensions.EVIDENCE_PARTS:
            if (field := part.api_read_field()) is not None:
                fields[part.name] = field
        return fields

    @extend_schema_field(EntitySerializer)
    def get_entity(self, evidence):
        state, organisation = evidence.member_state, evidence.organisation
        if state:
            return {"kind": "state", "name": state.name, "iso3": state.iso3, "organisation": None}
        country = organisation.country
        return {
            "kind": organisation.stakeholder_type.slug,
            "name": organisation.name,
            "iso3": country.iso3 if country else None,
            "organisation": organisation.pk,
        }

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_sdg_targets(self, evidence):
        return [link.item.code for link in evidence.framework_targets.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, evidence):
        request = self.context.get("request")
        path = evidence.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class EvidenceWriteSerializer(serializers.Serializer):
    """The content of a record. Entity, review state and publication come from the system."""

    title = Text(max_length=300)
    description = Text()
    primary_action = ActionCodeField(queryset=Action.objects.all())
    other_actions = ActionCodeField(queryset=Action.objects.all(), many=True, required=False)
    status = serializers.ChoiceField(choices=Evidence.Status.choices)
    level = serializers.ChoiceField(choices=Evidence.Level.choices)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    principles = serializers.SlugRelatedField(
        slug_field="letter", queryset=GuidingPrinciple.objects.all(), many=True, required=False
    )
    partners = serializers.SlugRelatedField(
        slug_field="slug", queryset=StakeholderType.objects.all(), many=True, required=False
    )
    groups_reached = serializers.SlugRelatedField(
        slug_field="slug", queryset=TargetGroup.objects.all(), many=True, required=False
    )
    links = LinkSerializer(many=True, required=False)
    results = ResultSerializer(many=True, required=False)
    sdg_targets = serializers.ListField(
        child=Text(max_length=20), required=False, max_length=50, help_text='SDG target codes, e.g. ["10.7"].'
    )
    challenges = Text(required=False, allow_blank=True)
    good_practice = Boolean(required=False)

    def get_fields(self):
        fields = super().get_fields()
        for part in extensions.EVIDENCE_PARTS:
            if (field := part.api_write_field()) is not None:
                fields[part.name] = field
        return fields

    def service_data(self):
        """Only the fields sent (a PATCH changes only those), as services.evidence_* expect them."""
        data = dict(self.validated_data)
        for name in ("links", "results"):
            if name in data:
                data[name] = [dict(item) for item in data[name]]
        return data


class EvidenceUpdateSerializer(EvidenceWriteSerializer):
    version = Integer(
        min_value=1, help_text="The version you read; if the record changed since, nothing is saved (409)."
    )

    def service_data(self):
        data = super().service_data()
        data.pop("version", None)
        return data


class CommentSerializer(serializers.Serializer):
    comment = Text(required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    comment = Text(help_text="What needs to change.")
