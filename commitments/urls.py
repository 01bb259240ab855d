from django.urls import path, re_path

from . import views, views_evidence, views_public, views_workbook

app_name = "commitments"

urlpatterns = [
    path("", views.home, name="home"),
    path("objectives/<int:number>/", views.objective_detail, name="objective"),
    re_path(r"^actions/(?P<slug>\d{1,2}[a-z]{1,2})/$", views.action_detail, name="action"),
    path("evidence/", views_public.evidence_list, name="evidence_list"),
    re_path(r"^evidence/export\.(?P<fmt>csv|xlsx|json)$", views_public.evidence_export, name="evidence_export"),
    path("evidence/<uuid:record>/", views_evidence.evidence_detail, name="evidence"),
    path("evidence/<uuid:record>/edit/", views_evidence.evidence_edit, name="evidence_edit"),
    path("evidence/<uuid:record>/history/", views_evidence.evidence_history, name="evidence_history"),
    path("evidence/<uuid:record>/<slug:transition>/", views_evidence.evidence_transition, name="evidence_transition"),
    path("evidence/attachments/<int:pk>/", views_evidence.attachment_download, name="attachment"),
    path("workspace/", views_evidence.workspace, name="workspace"),
    path("workspace/objectives/<int:number>/", views_evidence.workspace_objective, name="workspace_objective"),
    path("workspace/evidence/new/", views_evidence.evidence_new, name="evidence_new"),
    path("workspace/people/", views_evidence.people, name="people"),
    path("workspace/people/<int:user_id>/deactivate/", views_evidence.person_deactivate, name="person_deactivate"),
    path("review/", views_evidence.review_queue, name="review_queue"),
    path("review/single-reviewer/", views_evidence.single_reviewer, name="single_reviewer"),
    path("workspace/workbook/", views_workbook.workbook_page, name="workbook"),
    path("workspace/workbook/download/", views_workbook.workbook_download, name="workbook_download"),
    path("organisations/search.json", views_public.organisation_search, name="organisation_search"),
    path("organisations/<int:pk>/", views_evidence.organisation_detail, name="organisation"),
    path("states/<str:iso3>/", views_evidence.state_detail, name="state"),
]
