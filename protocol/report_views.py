"""The protocol compliance report as a PDF: the dashboard's content, for filing or a committee.

Re-exported from ``protocol.views`` (the URLconf's module); each view declares who may use it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from council import pdf
from council.access import capability_required
from council.audit import log_action
from council.exports import download
from council.roles import Capability

from . import selectors, services
from .ack_forms import ComplianceFilterForm


def _filter_labels(form: ComplianceFilterForm) -> list[tuple[str, str]]:
    """The filters applied, as (label, chosen value) for the report's heading."""
    if not form.is_bound or not form.is_valid():
        return []
    labels = []
    for name in ("authority", "political_group", "ward", "status"):
        value = form.cleaned_data.get(name)
        if value:
            shown = dict(selectors.Status.CHOICES).get(value, value) if name == "status" else str(value)
            labels.append(((form.fields[name].label or name).replace("_", " ").capitalize(), shown))
    return labels


# Named councillors are personal data, so the report follows the dashboard's permission
# (VIEW_COMPLIANCE), not VIEW_REPORTS, which is for reports without personal data.
@capability_required(Capability.VIEW_COMPLIANCE)
def compliance_pdf(request: HttpRequest) -> HttpResponse:
    """The compliance dashboard for the version in force, with the same filters, as a tagged PDF."""
    version = services.in_force()
    if version is None:
        messages.info(request, "No version of the protocol is in force, so there is nothing to report.")
        return redirect("protocol:compliance")
    form = ComplianceFilterForm(request.GET or None)
    filters = form.filters()
    dashboard = selectors.compliance_dashboard(version, filters)
    if filters.status:
        lists = [(dict(selectors.Status.CHOICES)[filters.status], filters.status)]
    else:
        lists = [("Overdue", selectors.Status.OVERDUE), ("Outstanding, not yet overdue", selectors.Status.DUE)]
    now = timezone.localtime()
    context = {
        "title": f"Protocol compliance: {version.protocol.title}, version {version.number}",
        "dashboard": dashboard,
        "lists": [selectors.status_list(version, filters, dashboard.overall, title, status) for title, status in lists],
        "filters": _filter_labels(form),
        "csv_url": request.build_absolute_uri(selectors.compliance_csv_url(request.GET)),
        "generated": now,
    }
    response = download(
        pdf.render_pdf("pdf/protocol_compliance.html", context),
        filename=f"protocol-v{version.number}-compliance-{now:%Y-%m-%d}.pdf",
    )
    # Personal data leaving the portal: say who took it, as the CSV export does.
    log_action(
        actor=request.user,
        action="protocol.compliance_report_downloaded",
        obj=version,
        summary=f"Downloaded the compliance report for {version} as a PDF",
        filters={k: v for k, v in vars(filters).items() if v},
    )
    return response
