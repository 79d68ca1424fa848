"""Pages for acknowledging the protocol, declaring social media accounts, and compliance.

Re-exported from ``protocol.views`` (the URLconf's module); each view declares who may use it.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from council import selectors as council_selectors
from council.access import capability_required, role_required
from council.audit import log_action
from council.exports import safe_cell
from council.models import Councillor
from council.pagination import get_page, pagination
from council.roles import Capability, Role, user_can
from council.services import DomainError

from . import selectors, services
from .ack_forms import (
    DISCLAIMER,
    AcknowledgeForm,
    ComplianceFilterForm,
    DeclarationFilterForm,
    PaperAcknowledgementForm,
    RemoveAccountForm,
    SocialAccountForm,
)
from .models import Acknowledgement, SocialAccount
from .rendering import render_markdown

DECLARATIONS_PER_PAGE = 100


# --- Helpers --------------------------------------------------------------------------------------


def _posted(request: HttpRequest):
    """The submitted data, bound even when empty so an empty submission shows its errors."""
    return request.POST if request.method == "POST" else None


def _own_councillor(request: HttpRequest) -> Councillor | None:
    return council_selectors.councillor_for_user(request.user)


def _not_linked(request: HttpRequest) -> HttpResponse:
    """A councillor-role account with no councillor record: nothing to acknowledge until Member Services link it."""
    return render(request, "protocol/ack_not_linked.html")


def _get_own_account(councillor: Councillor, pk: int) -> SocialAccount:
    """One of the councillor's own accounts; anyone else's is "not found", not "forbidden"."""
    return get_object_or_404(SocialAccount, pk=pk, councillor=councillor)


def _get_councillor(pk: int) -> Councillor:
    councillor = Councillor.objects.for_lists().select_related("member_services_contact").filter(pk=pk).first()
    if councillor is None:
        raise Http404("No councillor with that number.")
    return councillor


def _rendered_sections(version) -> list[dict[str, Any]]:
    return [
        {"section": s, "html": render_markdown(s.body, id_prefix=s.slug)} for s in version.sections.order_by("order")
    ]


# --- Councillors: acknowledging -------------------------------------------------------------------


@role_required(Role.COUNCILLOR)
def acknowledge(request: HttpRequest) -> HttpResponse:
    """The version in force in full, then the confirmation form."""
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    version = services.in_force()
    if version is None:
        return render(request, "protocol/ack_nothing.html")
    status = selectors.councillor_status(councillor, version)
    if status.acknowledged:
        if request.method == "POST":
            messages.info(request, "You have already acknowledged the protocol in force. There is nothing more to do.")
        return render(request, "protocol/ack_done.html", {"status": status})
    form = AcknowledgeForm(_posted(request), version=version, councillor_name=councillor.name)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge(
                actor=request.user,
                councillor=councillor,
                version=version,
                typed_name=form.cleaned_data["typed_name"],
                method=Acknowledgement.Method.SELF,
            )
        except DomainError as exc:
            # The only refusal a councillor can fix here is their typed name.
            form.add_error("typed_name", str(exc).rstrip("."))
        else:
            messages.success(request, f"Thank you. You have acknowledged version {version.number} of the protocol.")
            return redirect("home")
    return render(
        request,
        "protocol/ack_form.html",
        {"form": form, "version": version, "status": status, "sections": _rendered_sections(version)},
    )


@role_required(Role.COUNCILLOR)
def my_acknowledgements(request: HttpRequest) -> HttpResponse:
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    version = services.in_force()
    return render(
        request,
        "protocol/ack_history.html",
        {
            "acknowledgements": selectors.acknowledgements_of(councillor),
            "status": selectors.councillor_status(councillor, version) if version else None,
        },
    )


# --- Councillors: declaring accounts --------------------------------------------------------------


@role_required(Role.COUNCILLOR)
def my_accounts(request: HttpRequest) -> HttpResponse:
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    return render(
        request,
        "protocol/accounts_list.html",
        {"accounts": list(selectors.accounts_of(councillor)), "disclaimer": DISCLAIMER},
    )


def _save_account(request: HttpRequest, councillor: Councillor, account: SocialAccount | None) -> HttpResponse:
    initial = SocialAccountForm.initial_for(account) if account else {}
    submit = "Save changes" if account else "Add account"
    form = SocialAccountForm(_posted(request), initial=initial, submit_label=submit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.declare_account(
                actor=request.user, councillor=councillor, account=account, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error("handle", str(exc).rstrip("."))
        else:
            verb = "updated" if account else "added"
            messages.success(request, f"Your {saved.get_platform_display()} account {saved.handle} has been {verb}.")
            return redirect("protocol:my_accounts")
    return render(request, "protocol/accounts_form.html", {"form": form, "account": account, "disclaimer": DISCLAIMER})


@role_required(Role.COUNCILLOR)
def account_add(request: HttpRequest) -> HttpResponse:
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    return _save_account(request, councillor, None)


@role_required(Role.COUNCILLOR)
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    return _save_account(request, councillor, _get_own_account(councillor, pk))


@role_required(Role.COUNCILLOR)
def account_remove(request: HttpRequest, pk: int) -> HttpResponse:
    councillor = _own_councillor(request)
    if councillor is None:
        return _not_linked(request)
    account = _get_own_account(councillor, pk)
    form = RemoveAccountForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.remove_account(actor=request.user, account=account)
        messages.success(request, f"Your {account.get_platform_display()} account {account.handle} has been removed.")
        return redirect("protocol:my_accounts")
    return render(request, "protocol/accounts_remove.html", {"form": form, "account": account})


# --- Member Services: compliance ------------------------------------------------------------------


@capability_required(Capability.VIEW_COMPLIANCE)
def compliance(request: HttpRequest) -> HttpResponse:
    """Who has acknowledged the version in force: figures by place, and who is outstanding."""
    version = services.in_force()
    if version is None:
        return render(request, "protocol/compliance_none.html")
    form = ComplianceFilterForm(request.GET or None)
    filters = form.filters()
    dashboard = selectors.compliance_dashboard(version, filters)
    if filters.status:
        lists = [(dict(selectors.Status.CHOICES)[filters.status], filters.status)]
    else:
        lists = [("Overdue", selectors.Status.OVERDUE), ("Outstanding, not yet overdue", selectors.Status.DUE)]
    shown = [selectors.status_list(version, filters, dashboard.overall, title, status) for title, status in lists]
    return render(
        request,
        "protocol/compliance.html",
        {
            "form": form,
            "dashboard": dashboard,
            "lists": shown,
            "csv_url": selectors.compliance_csv_url(request.GET),
            "filtered": filters.narrowed,
        },
    )


@capability_required(Capability.VIEW_COMPLIANCE)
def compliance_csv(request: HttpRequest) -> HttpResponse:
    """The filtered list, everyone in it, as a spreadsheet."""
    version = services.in_force()
    if version is None:
        messages.info(request, "No version of the protocol is in force, so there is nothing to export.")
        return redirect("protocol:compliance")
    filters = ComplianceFilterForm(request.GET or None).filters()
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="protocol-v{version.number}-compliance-{today:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        ["Councillor", "Authority", "Ward", "Political group", "Email", "Due date", "Status", "Acknowledged at"]
    )
    count = 0
    for row in selectors.export_rows(version, filters, today):
        met_at = row["met_at"]
        writer.writerow(
            [
                safe_cell(row["councillor__name"]),
                safe_cell(row["councillor__authority__name"]),
                safe_cell(row["councillor__ward__name"]),
                safe_cell(row["councillor__political_group__name"]),
                safe_cell(row["councillor__email"]),
                row["due_date"].isoformat(),
                selectors.status_of(met_at, row["due_date"], today),
                timezone.localtime(met_at).strftime("%Y-%m-%d %H:%M") if met_at else "",
            ]
        )
        count += 1
    # Personal data leaving the portal: say who took it.
    log_action(
        actor=request.user,
        action="protocol.compliance_exported",
        obj=version,
        summary=f"Exported compliance for {version} ({count} rows)",
        filters={k: v for k, v in vars(filters).items() if v},
    )
    return response


@capability_required(Capability.VIEW_COMPLIANCE)
def councillor_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one councillor and the protocol: acknowledgements, requirements, reminders, accounts."""
    councillor = _get_councillor(pk)
    version = services.in_force()
    status = selectors.councillor_status(councillor, version) if version else None
    return render(
        request,
        "protocol/history_councillor.html",
        {
            "councillor": councillor,
            "status": status,
            "acknowledgements": list(selectors.acknowledgements_of(councillor)),
            "requirements": list(selectors.requirements_of(councillor)),
            "reminders": list(selectors.reminders_of(councillor)),
            "accounts": list(selectors.accounts_of(councillor)),
            "can_record": bool(
                status
                and not status.acknowledged
                and councillor.is_active
                and user_can(request.user, Capability.RECORD_ACKNOWLEDGEMENT)
            ),
        },
    )


@capability_required(Capability.RECORD_ACKNOWLEDGEMENT)
def record_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Member Services record a councillor's signed paper form."""
    councillor = _get_councillor(pk)
    version = services.in_force()
    if version is None:
        messages.info(request, "No version of the protocol is in force, so there is nothing to acknowledge.")
        return redirect("protocol:councillor_history", pk=pk)
    status = selectors.councillor_status(councillor, version)
    if status.acknowledged:
        messages.info(request, f"{councillor} has already acknowledged the protocol in force. Nothing was recorded.")
        return redirect("protocol:councillor_history", pk=pk)
    form = PaperAcknowledgementForm(_posted(request), version=version, councillor_name=councillor.name)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge(
                actor=request.user,
                councillor=councillor,
                version=version,
                typed_name=form.cleaned_data["typed_name"],
                method=Acknowledgement.Method.PAPER,
                signed_on=form.cleaned_data["signed_on"],
            )
        except DomainError as exc:
            form.add_error("typed_name", str(exc).rstrip(".").replace("Type your name", "Enter the name"))
        else:
            messages.success(request, f"The signed paper form from {councillor} has been recorded.")
            return redirect("protocol:councillor_history", pk=pk)
    return render(request, "protocol/history_paper.html", {"form": form, "councillor": councillor, "version": version})


@capability_required(Capability.VIEW_COMPLIANCE)
def declarations(request: HttpRequest) -> HttpResponse:
    """Every declared account, for Member Services to check the disclaimers."""
    form = DeclarationFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(selectors.declared_accounts(**filters), DECLARATIONS_PER_PAGE)
    page = get_page(request, paginator)
    return render(
        request,
        "protocol/accounts_declarations.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination(request, page),
            "filtered": any(filters.values()),
        },
    )
