"""Dashboard URLs, mounted at /dashboards/ by monitor/urls.py."""

from django.urls import path, re_path

from . import views_dashboards as views

app_name = "dashboards"

urlpatterns = [
    path("", views.global_dashboard, name="global"),
    re_path(r"^states/(?P<iso3>[A-Za-z]{3})/$", views.state_profile, name="state"),
    path("objectives/<int:number>/", views.objective_profile, name="objective"),
    re_path(r"^actions/(?P<slug>\d{1,2}[a-z]{1,2})/$", views.action_profile, name="action"),
    path("organisations/<int:pk>/", views.organisation_profile, name="organisation"),
]
