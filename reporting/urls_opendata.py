from django.urls import path

from . import views_opendata

app_name = "opendata"

urlpatterns = [
    path("", views_opendata.data_page, name="page"),
    path("gcm-open-data.zip", views_opendata.data_download, name="download"),
    path("rebuild/", views_opendata.data_rebuild, name="rebuild"),
]
