"""Training pages. The views live in councillor_views and manage_views."""

from __future__ import annotations

from .councillor_views import (  # noqa: F401
    book,
    calendar_feed,
    calendar_settings,
    cancel_booking,
    my_training,
    register_interest,
    session_detail,
    session_ics,
    sessions,
)
from .manage_views import (  # noqa: F401
    attendance,
    committees,
    councillor_record,
    course_create,
    course_detail,
    course_edit,
    course_interest,
    course_list,
    emails_sent,
    matrix,
    matrix_csv,
    record_add,
    session_bookings,
    session_cancel,
    session_create,
    session_edit,
)
from .report_views import attendance_pdf, matrix_pdf, record_pdf  # noqa: F401
