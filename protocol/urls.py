from __future__ import annotations

from django.urls import path

from . import views

app_name = "protocol"

urlpatterns = [
    # Public
    path("", views.current, name="current"),
    path("versions/", views.version_list, name="version_list"),
    path("<slug:slug>/v<int:number>/", views.version_detail, name="version_detail"),
    path("compare/", views.compare, name="compare"),
    # Councillors
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("my-acknowledgements/", views.my_acknowledgements, name="my_acknowledgements"),
    path("my-accounts/", views.my_accounts, name="my_accounts"),
    path("my-accounts/add/", views.account_add, name="account_add"),
    path("my-accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("my-accounts/<int:pk>/remove/", views.account_remove, name="account_remove"),
    # Member Services
    path("manage/", views.manage, name="manage"),
    path("manage/drafts/new/", views.draft_create, name="draft_create"),
    path("manage/drafts/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("manage/drafts/<int:pk>/preview/", views.draft_preview, name="draft_preview"),
    path("manage/drafts/<int:pk>/publish/", views.draft_publish, name="draft_publish"),
    path("manage/drafts/<int:pk>/delete/", views.draft_delete, name="draft_delete"),
    path("manage/drafts/<int:pk>/sections/add/", views.section_add, name="section_add"),
    path("manage/sections/<int:pk>/edit/", views.section_edit, name="section_edit"),
    path("manage/sections/<int:pk>/delete/", views.section_delete, name="section_delete"),
    path("manage/sections/<int:pk>/move/", views.section_move, name="section_move"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance.csv", views.compliance_csv, name="compliance_csv"),
    path("compliance.pdf", views.compliance_pdf, name="compliance_pdf"),
    path("compliance/councillors/<int:pk>/", views.councillor_history, name="councillor_history"),
    path("compliance/councillors/<int:pk>/paper/", views.record_paper, name="record_paper"),
    path("declarations/", views.declarations, name="declarations"),
]
