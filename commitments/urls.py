from django.urls import path, re_path

from . import views, views_evidence, views_workbook

app_name = "commitments"

urlpatterns = [
    path("", views.home, name="home"),
    path("objectives/<int:number>/", views.objective_detail, name="objective"),
    re_path(r"^actions/(?P<slug>\d{1,2}[a-z]{1,2})/$", views.action_detail, name="action"),
    path("evidence/<uuid:record>/", views_evidence.evidence_detail, name="evidence"),
    path("workspace/workbook/", views_workbook.workbook_page, name="workbook"),
    path("workspace/workbook/download/", views_workbook.workbook_download, name="workbook_download"),
    path("organisations/<int:pk>/", views_evidence.organisation_detail, name="organisation"),
    path("states/<str:iso3>/", views_evidence.state_detail, name="state"),
]
