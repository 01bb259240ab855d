"""The one router of the REST API, mounted at /api/v1/ (cookiecutter-django's config/api_router.py)."""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from commitments.api import views
from commitments.pledges.api import views as pledge_views
from reporting.reviews.api import PublishedReviewViewSet

router = DefaultRouter()
router.register("instrument", views.InstrumentViewSet, basename="instrument")
router.register("principles", views.GuidingPrincipleViewSet, basename="principle")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("actions", views.ActionViewSet, basename="action")
router.register("states", views.MemberStateViewSet, basename="state")
router.register("stakeholder-types", views.StakeholderTypeViewSet, basename="stakeholder-type")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("plans", pledge_views.PlanViewSet, basename="plan")
router.register("pledges", pledge_views.PledgeViewSet, basename="pledge")
router.register("reviews", PublishedReviewViewSet, basename="review")

app_name = "api"
# Anything else under /api/v1/ answers with the API's JSON error body, not the site's HTML page.
urlpatterns = [*router.urls, re_path(r"^[\s\S]*$", views.not_found)]
