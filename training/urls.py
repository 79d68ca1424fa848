from __future__ import annotations

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    # Councillors (and Member Services looking at sessions).
    path("", views.sessions, name="sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/book/", views.book, name="book"),
    path("sessions/<int:pk>/cancel-booking/", views.cancel_booking, name="cancel_booking"),
    path("sessions/<int:pk>/event.ics", views.session_ics, name="session_ics"),
    path("courses/<int:pk>/interest/", views.register_interest, name="register_interest"),
    path("my-training/", views.my_training, name="my_training"),
    path("my-training/calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    # Member Services.
    path("manage/courses/", views.course_list, name="course_list"),
    path("manage/courses/new/", views.course_create, name="course_create"),
    path("manage/courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("manage/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("manage/courses/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("manage/courses/<int:pk>/interest/", views.course_interest, name="course_interest"),
    path("manage/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("manage/sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("manage/sessions/<int:pk>/bookings/", views.session_bookings, name="session_bookings"),
    path("manage/sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("manage/sessions/<int:pk>/attendance.pdf", views.attendance_pdf, name="attendance_pdf"),
    path("manage/councillors/<int:pk>/", views.councillor_record, name="councillor_record"),
    path("manage/councillors/<int:pk>/add-record/", views.record_add, name="record_add"),
    path("manage/councillors/<int:pk>/record.pdf", views.record_pdf, name="record_pdf"),
    path("manage/matrix/", views.matrix, name="matrix"),
    path("manage/matrix.csv", views.matrix_csv, name="matrix_csv"),
    path("manage/matrix.pdf", views.matrix_pdf, name="matrix_pdf"),
    path("manage/committees/", views.committees, name="committees"),
    path("manage/emails/", views.emails_sent, name="emails_sent"),
]
