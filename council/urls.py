from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/", include("allauth.urls")),
    path("directory/", include("council.directory_urls")),
    path("protocol/", include("protocol.urls")),
    path("complaints/", include("complaints.urls")),
    path("training/", include("training.urls")),
    path("reports/", include("council.report_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "council.errors.bad_request"
handler403 = "council.errors.permission_denied"
handler404 = "council.errors.page_not_found"
handler500 = "council.errors.server_error"
