"""Member Services' pages for the councillor directory."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from . import selectors, services
from .access import capability_required
from .forms import CouncillorFilterForm, CouncillorForm, choose_authority
from .models import Councillor
from .pagination import get_page, pagination
from .registry import councillor_panels
from .roles import Capability, user_can

PAGE_SIZE = 50


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the councillors of every authority."""
    form = CouncillorFilterForm(request.GET or None)
    councillors = selectors.search_councillors(form.filters())
    page = get_page(request, Paginator(councillors, PAGE_SIZE))
    return render(
        request,
        "council/councillor_list.html",
        {
            "form": form,
            "page": page,
            "pagination": pagination(request, page),
            "filtered": bool(request.GET.keys() - {"page"}),
            "can_manage": user_can(request.user, Capability.MANAGE_DIRECTORY),
        },
    )


@capability_required(Capability.VIEW_DIRECTORY)
def councillor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A councillor's profile: authority, ward, terms, committees and portal account."""
    councillor = selectors.get_councillor_for_profile(pk)
    return render(
        request,
        "council/councillor_detail.html",
        {
            "councillor": councillor,
            "invitation": councillor.usable_invitations[0] if councillor.usable_invitations else None,
            "panels": councillor_panels.render_for(request, councillor),
            "can_manage": user_can(request.user, Capability.MANAGE_DIRECTORY),
            "can_invite": user_can(request.user, Capability.INVITE_USERS),
        },
    )


@capability_required(Capability.MANAGE_DIRECTORY)
def councillor_create(request: HttpRequest) -> HttpResponse:
    """Add a councillor. In a national directory the authority is asked first (see
    forms.choose_authority); the details form then offers that authority's wards, groups and
    committees only."""
    choice = choose_authority(request.GET)
    if choice.question is not None:
        return _authority_question(request, choice.question, councillor=None)
    form = CouncillorForm(request.POST or None, authority=choice.authority, scoped=choice.scoped)
    if request.method == "POST" and form.is_valid():
        try:
            councillor = services.create_councillor(actor=request.user, **form.service_kwargs())
        except services.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{councillor} has been added to the directory.")
            return redirect(councillor)
    return render(request, "council/councillor_form.html", {"form": form, "councillor": None})


@capability_required(Capability.MANAGE_DIRECTORY)
def councillor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a councillor. In a national directory the form offers the options of their own
    authority, or of the one chosen after following "Change" (see forms.choose_authority)."""
    councillor = selectors.get_councillor_for_profile(pk)
    choice = choose_authority(request.GET, current=councillor.authority)
    if choice.question is not None:
        return _authority_question(request, choice.question, councillor=councillor)
    # The form gets its own copy: validating a ModelForm writes the submitted
    # values onto its instance, and the page heading must keep the saved name.
    form = CouncillorForm(
        request.POST or None,
        instance=Councillor.objects.get(pk=councillor.pk),
        authority=choice.authority,
        scoped=choice.scoped,
    )
    if request.method == "POST" and form.is_valid():
        try:
            councillor = services.update_councillor(actor=request.user, councillor=councillor, **form.service_kwargs())
        except services.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The details of {councillor} have been saved.")
            return redirect("council:councillor_detail", pk=councillor.pk)
    return render(request, "council/councillor_form.html", {"form": form, "councillor": councillor})


def _authority_question(request: HttpRequest, form: Form, *, councillor: Councillor | None) -> HttpResponse:
    """A question page asking for the authority. A form sent to the add or edit address before
    the authority is chosen gets this page too: nothing is saved."""
    second = "parish" in form.fields  # the second question goes back to the first
    if councillor is None:
        back = reverse("council:councillor_create" if second else "council:councillor_list")
    else:
        edit = reverse("council:councillor_edit", args=[councillor.pk])
        back = f"{edit}?change=authority" if second else edit
    return render(
        request, "council/councillor_authority.html", {"form": form, "councillor": councillor, "back_url": back}
    )
