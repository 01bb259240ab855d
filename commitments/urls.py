from django.urls import path, re_path

from . import views

app_name = "commitments"

urlpatterns = [
    path("", views.home, name="home"),
    path("objectives/<int:number>/", views.objective_detail, name="objective"),
    re_path(r"^actions/(?P<slug>\d{1,2}[a-z]{1,2})/$", views.action_detail, name="action"),
]
