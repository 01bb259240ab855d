"""The published voluntary reviews in the REST API (read-only), registered in monitor/api_router.py."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from commitments.api.views import READ_LIST, READ_ONE, StrictFilterBackend

from .filters import PublishedReviewFilterSet, published_reviews
from .models import ReviewVersion


class ReviewFileSerializer(serializers.Serializer):
    format = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("reviews:download", args=[obj.version_id, obj.format])
        )


class PublishedReviewSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="review.member_state.iso3")
    state_name = serializers.CharField(source="review.member_state.name")
    year = serializers.IntegerField(source="review.year")
    milestone = serializers.CharField(source="review.milestone.title")
    cycle = serializers.IntegerField(source="review.cycle")
    version = serializers.IntegerField(source="number")
    title = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = ReviewVersion
        fields = [
            "id",
            "state",
            "state_name",
            "year",
            "milestone",
            "cycle",
            "language",
            "version",
            "title",
            "finalised_at",
            "published_at",
            "files",
        ]

    def get_title(self, obj) -> str:
        return obj.content.get("title", "")

    @extend_schema_field(ReviewFileSerializer(many=True))
    def get_files(self, obj):
        return ReviewFileSerializer(obj.files.all(), many=True, context=self.context).data


# Like the other lists: a bad filter is 400, a page past the end 404 (with the API's error body).
@extend_schema_view(
    list=extend_schema(responses={**READ_LIST, 200: PublishedReviewSerializer(many=True)}),
    retrieve=extend_schema(responses={**READ_ONE, 200: PublishedReviewSerializer}),
)
class PublishedReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Voluntary national reviews the States published, with their files and SHA-256."""

    serializer_class = PublishedReviewSerializer
    permission_classes = [AllowAny]
    filterset_class = PublishedReviewFilterSet
    filter_backends = [StrictFilterBackend]  # as for evidence and pledges: an empty parameter is a 400

    def get_queryset(self):
        return published_reviews({})[1]
