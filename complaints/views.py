"""Complaint pages. The views live in intake_views, case_views and decision_views."""

from __future__ import annotations

from .case_views import (  # noqa: F401
    case,
    case_assign_ip,
    case_confidentiality,
    case_conflict,
    case_document,
    case_ip_view,
    case_legal_hold,
    case_letter,
    case_note,
    case_transition,
    evidence_download,
    my_case,
    my_cases,
    queue,
)
from .decision_views import (  # noqa: F401
    case_decision,
    decision_notice,
    decision_notice_pdf,
    decision_notice_send,
)
from .intake_views import (  # noqa: F401
    check_email,
    councillor_search,
    new,
    safeguarding,
    start,
    track,
    track_withdraw,
    wales,
)
from .report_views import report_annual, report_register  # noqa: F401
