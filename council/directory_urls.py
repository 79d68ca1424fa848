"""URLs of the council directory and account administration (namespace ``council``)."""

from __future__ import annotations

from django.urls import path

from . import directory_views, import_views, invitation_views, record_views

app_name = "council"

urlpatterns = [
    path("councillors/", directory_views.councillor_list, name="councillor_list"),
    path("councillors/add/", directory_views.councillor_create, name="councillor_create"),
    path("councillors/<int:pk>/", directory_views.councillor_detail, name="councillor_detail"),
    path("councillors/<int:pk>/edit/", directory_views.councillor_edit, name="councillor_edit"),
    path("councillors/<int:pk>/record/", record_views.councillor_record, name="councillor_record"),
    path("councillors/<int:pk>/record.pdf", record_views.councillor_record_pdf, name="councillor_record_pdf"),
    path("councillors/<int:pk>/invite/", invitation_views.invite_councillor, name="invite_councillor"),
    path("invitations/", invitation_views.invitation_list, name="invitation_list"),
    path("invitations/new/", invitation_views.invitation_create, name="invitation_create"),
    path("invitation/<str:token>/", invitation_views.accept_invitation, name="accept_invitation"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("import/<str:batch>/", import_views.import_preview, name="import_preview"),
]
