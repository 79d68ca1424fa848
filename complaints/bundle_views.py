"""The Monitoring Officer's own record of a case: the case file bundle (one PDF) and the
audit trail of who viewed and changed the case.

Both are for the Monitoring Officer and deputies only: an Independent Person sees a case but
not its full file or who else looked at it (403 before any lookup, so nothing leaks). The
case is fetched through ``get_case_for_user``, so a conflicted officer, or one of another
authority, gets 404 as on the case page.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from council.access import role_required
from council.exports import download
from council.pagination import get_page, pagination
from council.roles import Role

from . import bundle, case_audit
from .permissions import get_case_for_user


@role_required(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER)
@require_safe
def case_bundle_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole case file as one tagged PDF; each download is written to the audit trail."""
    complaint = get_case_for_user(request.user, pk)
    context = bundle.case_file_context(complaint, made_by=request.user)
    from council.pdf import render_pdf  # WeasyPrint is slow to import: only where a PDF is made

    pdf = render_pdf("pdf/case_bundle.html", context)
    case_audit.log_view(user=request.user, complaint=complaint, action=case_audit.CASE_FILE_DOWNLOADED)
    return download(pdf, filename=bundle.filename(complaint))


@role_required(Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER)
@require_safe
def case_audit_trail(request: HttpRequest, pk: int) -> HttpResponse:
    """Who viewed or changed the case, and when, newest first. Looking at it is not itself logged."""
    complaint = get_case_for_user(request.user, pk)
    page = get_page(request, Paginator(case_audit.entries_for(complaint), case_audit.AUDIT_PAGE_SIZE))
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.label = case_audit.label(entry)
        entry.is_view = entry.action in case_audit.VIEW_ACTIONS
    return render(
        request,
        "complaints/case_audit.html",
        {"complaint": complaint, "page": page, "pagination": pagination(request, page)},
    )
