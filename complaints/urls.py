from __future__ import annotations

from django.urls import path

from . import bundle_views, views

app_name = "complaints"

urlpatterns = [
    # Anyone: making a complaint, following it, and raising a safeguarding concern.
    path("", views.start, name="start"),
    path("new/", views.new, name="new"),
    path("councillors/", views.councillor_search, name="councillor_search"),
    path("check-your-email/", views.check_email, name="check_email"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/withdraw/", views.track_withdraw, name="track_withdraw"),
    path("wales/", views.wales, name="wales"),
    path("safeguarding/", views.safeguarding, name="safeguarding"),
    # The Monitoring Officer, deputies and assigned Independent Persons.
    path("cases/", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/actions/<slug:action>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/notes/", views.case_note, name="case_note"),
    path("cases/<int:pk>/documents/", views.case_document, name="case_document"),
    path("cases/<int:pk>/independent-person/", views.case_assign_ip, name="case_assign_ip"),
    path("cases/<int:pk>/views/<int:consultation>/", views.case_ip_view, name="case_ip_view"),
    path("cases/<int:pk>/conflicts/", views.case_conflict, name="case_conflict"),
    path("cases/<int:pk>/confidentiality/", views.case_confidentiality, name="case_confidentiality"),
    path("cases/<int:pk>/legal-hold/", views.case_legal_hold, name="case_legal_hold"),
    path("cases/<int:pk>/letters/<slug:letter>/", views.case_letter, name="case_letter"),
    path("cases/<int:pk>/evidence/<int:evidence>/", views.evidence_download, name="evidence_download"),
    path("cases/<int:pk>/decision/", views.case_decision, name="case_decision"),
    path("cases/<int:pk>/decision-notice/", views.decision_notice, name="decision_notice"),
    path("cases/<int:pk>/decision-notice.pdf", views.decision_notice_pdf, name="decision_notice_pdf"),
    path("cases/<int:pk>/decision-notice/send/", views.decision_notice_send, name="decision_notice_send"),
    # The Monitoring Officer's own record: the case file as one PDF, and who viewed or changed the case.
    path("cases/<int:pk>/bundle.pdf", bundle_views.case_bundle_pdf, name="case_bundle_pdf"),
    path("cases/<int:pk>/audit/", bundle_views.case_audit_trail, name="case_audit"),
    # Reports: the register (Monitoring Officer and deputies) and the annual report (no personal data).
    path("reports/register/", views.report_register, name="report_register"),
    path("reports/annual/", views.report_annual, name="report_annual"),
    # A councillor: complaints about them that they have been told of.
    path("about-you/", views.my_cases, name="my_cases"),
    path("about-you/<int:pk>/", views.my_case, name="my_case"),
]
