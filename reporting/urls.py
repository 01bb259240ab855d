from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/status.json", views.report_status, name="report_status"),
    path("reports/<int:pk>/download/<str:fmt>/", views.report_download, name="report_download"),
]
