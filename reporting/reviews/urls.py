from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_new, name="new"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/status.json", views.review_status, name="status"),
    path("<int:pk>/sections/<int:section_pk>/", views.section_detail, name="section"),
    path("<int:pk>/contributions/<int:contribution_pk>/decide/", views.contribution_decide, name="decide"),
    path("<int:pk>/finalise/", views.review_finalise, name="finalise"),
    path("<int:pk>/finalising.json", views.review_finalising_status, name="finalising_status"),
    path("<int:pk>/versions/<int:version_pk>/publish/", views.version_publish, name="publish"),
    path("versions/<int:version_pk>/download/<str:fmt>/", views.version_download, name="download"),
]
