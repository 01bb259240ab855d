from django.urls import path, re_path

from . import views

app_name = "pledges"

PLEDGE_ID = r"(?P<identifier>GCM-P-\d{4}-\d{6})"

urlpatterns = [
    path("plans/new/", views.plan_new, name="plan_new"),
    re_path(r"^plans/items/export\.(?P<fmt>csv|xlsx|json)$", views.plan_item_export, name="plan_item_export"),
    path("plans/<uuid:record>/", views.plan_detail, name="plan"),
    path("plans/<uuid:record>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:record>/document/", views.plan_document, name="plan_document"),
    path("plans/<uuid:record>/items/<uuid:key>/status/", views.item_status, name="item_status"),
    path("plans/<uuid:record>/<slug:transition>/", views.plan_transition, name="plan_transition"),
    path("pledges/", views.pledge_list, name="pledge_list"),
    path("workspace/pledges-workbook/", views.workbook_page, name="workbook"),
    re_path(r"^pledges/export\.(?P<fmt>csv|xlsx|json)$", views.pledge_export, name="pledge_export"),
    path("pledges/new/", views.pledge_new, name="pledge_new"),
    re_path(rf"^pledges/{PLEDGE_ID}/$", views.pledge_detail, name="pledge"),
    re_path(rf"^pledges/{PLEDGE_ID}/edit/$", views.pledge_edit, name="pledge_edit"),
    re_path(rf"^pledges/{PLEDGE_ID}/status/$", views.pledge_status, name="pledge_status"),
    re_path(
        rf"^pledges/{PLEDGE_ID}/partners/(?P<pk>\d+)/(?P<answer>confirm|decline)/$",
        views.partner_answer,
        name="partner_answer",
    ),
    re_path(rf"^pledges/{PLEDGE_ID}/(?P<transition>[a-z]+)/$", views.pledge_transition, name="pledge_transition"),
]
