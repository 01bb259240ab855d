from django.urls import path, re_path

from . import views, views_sdg

app_name = "reporting"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("sdg/", views_sdg.sdg_index, name="sdg_index"),
    path("sdg/targets.json", views_sdg.codes, {"kind": "targets"}, name="sdg_codes_targets"),
    path("sdg/indicators.json", views_sdg.codes, {"kind": "indicators"}, name="sdg_codes_indicators"),
    re_path(r"^sdg/(?P<code>\d{1,2}(\.[0-9a-z]{1,2}){0,2})/$", views_sdg.sdg_item, name="sdg_item"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/status.json", views.report_status, name="report_status"),
    path("reports/<int:pk>/download/<str:fmt>/", views.report_download, name="report_download"),
]
