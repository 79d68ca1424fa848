from django.urls import path

from . import report_job_views as views

app_name = "reports"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<uuid:pk>/", views.job_detail, name="job"),
    path("<uuid:pk>/status/", views.job_status, name="job_status"),
    path("<uuid:pk>/download/", views.job_download, name="job_download"),
]
