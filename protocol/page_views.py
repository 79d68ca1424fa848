"""The protocol's public pages (the version in force, every published version, comparisons)
and Member Services' draft editor.

State changes go through protocol.services; a DomainError from a service is shown
to the person as a message or form error, and nothing changes.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from council.access import capability_required, public
from council.models import Councillor
from council.page_cache import cached_for_anonymous
from council.roles import Capability
from council.services import DomainError

from . import services
from .diff import Piece, SectionDiff
from .diff import compare as compare_versions
from .forms import CompareForm, DraftDetailsForm, PublishForm, SectionForm
from .models import Protocol, Section, Version
from .rendering import render_markdown

PUBLIC_STATES = (Version.State.PUBLISHED, Version.State.SUPERSEDED)


# ---------------------------------------------------------------- helpers


class NotADraftError(Exception):
    """A draft-editing URL was used with a version that is published or superseded."""


def _public_versions(protocol: Protocol) -> QuerySet[Version]:
    return protocol.versions.filter(state__in=PUBLIC_STATES).select_related("protocol").order_by("-number")


def _previous_public(version: Version) -> Version | None:
    """The published or superseded version before this one: what 'what changed' compares against."""
    return _public_versions(version.protocol).filter(number__lt=version.number).first()


def _rendered_sections(version: Version) -> list[tuple[Section, SafeString]]:
    # render_markdown escapes raw HTML and cleans its output against an allow list, so it is safe to mark.
    return [(s, mark_safe(render_markdown(s.body, id_prefix=s.slug))) for s in version.sections.all()]


def _compare_url(old: Version, new: Version) -> str:
    return f"{reverse('protocol:compare')}?protocol={old.protocol.slug}&from={old.number}&to={new.number}"


def _diff_html(pieces: list[Piece]) -> SafeString:
    """Changed words as <ins>/<del>, each announced in words to screen readers.

    Built here rather than in a template so that no whitespace is added between
    pieces: the text is shown with its own spaces and line breaks."""
    parts = []
    for piece in pieces:
        if piece.op == "insert":
            parts.append(
                format_html(
                    '<ins><span class="govuk-visually-hidden">Added: </span>{}'
                    '<span class="govuk-visually-hidden"> (end of added text)</span></ins>',
                    piece.text,
                )
            )
        elif piece.op == "delete":
            parts.append(
                format_html(
                    '<del><span class="govuk-visually-hidden">Removed: </span>{}'
                    '<span class="govuk-visually-hidden"> (end of removed text)</span></del>',
                    piece.text,
                )
            )
        else:
            parts.append(format_html("{}", piece.text))
    return mark_safe("".join(parts))  # every part above was escaped by format_html


_TAG_CLASSES = {
    "added": "govuk-tag--green",
    "removed": "govuk-tag--red",
    "changed": "govuk-tag--yellow",
    "unchanged": "govuk-tag--grey",
}


def _diff_rows(diffs: list[SectionDiff]) -> list[dict]:
    return [
        {
            "diff": d,
            "anchor": f"change-{i}",
            "tag_class": _TAG_CLASSES.get(d.status, "govuk-tag--grey"),
            "html": _diff_html(d.pieces),
        }
        for i, d in enumerate(diffs, start=1)
    ]


def _diff_context(old: Version, new: Version) -> dict:
    diffs = compare_versions(old, new)
    counts = {status: sum(d.status == status for d in diffs) for status in _TAG_CLASSES}
    return {"old": old, "new": new, "rows": _diff_rows(diffs), "counts": counts}


def _get_protocol(slug: str | None) -> Protocol:
    """The protocol a form or address names (the council's own by default), or 404."""
    slug = slug or services.DEFAULT_PROTOCOL_SLUG
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a query
        raise Http404("No such protocol.")
    return get_object_or_404(Protocol, slug=slug)


def _get_draft(pk: int) -> Version:
    version = get_object_or_404(Version.objects.select_related("protocol"), pk=pk)
    if not version.is_draft:
        raise NotADraftError(
            f"Version {version.number} is {version.get_state_display().lower()} and cannot be changed. "
            "To change the protocol, start a new draft."
        )
    return version


def _get_draft_section(pk: int) -> Section:
    section = get_object_or_404(Section.objects.select_related("version__protocol"), pk=pk)
    _get_draft(section.version_id)
    return section


def _drafts_only(view):
    """Turn an attempt to edit a published or superseded version into a clear message."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotADraftError as exc:
            messages.error(request, str(exc))
            return redirect("protocol:manage")

    return wrapped


def _to_draft(version: Version, anchor: str = "") -> HttpResponse:
    return redirect(reverse("protocol:draft_detail", args=[version.pk]) + anchor)


# ---------------------------------------------------------------- public pages


def _version_page(request: HttpRequest, version: Version, *, preview: bool = False) -> HttpResponse:
    previous = _previous_public(version)
    in_force = None if version.state == Version.State.PUBLISHED else services.in_force(version.protocol.slug)
    if preview:
        changes_url = reverse("protocol:draft_preview", args=[version.pk]) + "?show=changes" if in_force else None
    else:
        changes_url = _compare_url(previous, version) if previous else None
    return render(
        request,
        "protocol/version.html",
        {
            "version": version,
            "sections": _rendered_sections(version),
            "previous": previous,
            "in_force": in_force,
            "changes_url": changes_url,
            "preview": preview,
        },
    )


@public
@cached_for_anonymous
def current(request: HttpRequest) -> HttpResponse:
    """The version in force, for anyone to read (no sign-in)."""
    version = services.in_force()
    if version is None:
        return render(request, "protocol/not_published.html")
    return _version_page(request, version)


@public
def version_list(request: HttpRequest) -> HttpResponse:
    """Every published and superseded version, with a form to compare any two."""
    protocol = _get_protocol(request.GET.get("protocol"))
    versions = list(_public_versions(protocol))
    form = CompareForm(versions=versions, protocol_slug=protocol.slug)
    return render(request, "protocol/version_list.html", {"protocol": protocol, "versions": versions, "form": form})


@public
@cached_for_anonymous
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Any published or superseded version. Drafts are never public."""
    version = get_object_or_404(
        Version.objects.select_related("protocol"), protocol__slug=slug, number=number, state__in=PUBLIC_STATES
    )
    return _version_page(request, version)


@public
def compare(request: HttpRequest) -> HttpResponse:
    """Two published or superseded versions, section by section, with the changed words marked."""
    protocol = _get_protocol(request.GET.get("protocol"))
    versions = list(_public_versions(protocol))
    asked = "from" in request.GET or "to" in request.GET
    form = CompareForm(request.GET if asked else None, versions=versions, protocol_slug=protocol.slug)
    context: dict = {"protocol": protocol, "form": form}
    if asked and form.is_valid():
        by_number = {v.number: v for v in versions}
        context.update(_diff_context(by_number[form.cleaned_data["from"]], by_number[form.cleaned_data["to"]]))
    return render(request, "protocol/compare.html", context)


# ---------------------------------------------------------------- Member Services


@capability_required(Capability.MANAGE_PROTOCOL)
def manage(request: HttpRequest) -> HttpResponse:
    """Every version of every protocol, with what can be done to each."""
    protocols = list(Protocol.objects.order_by("title"))
    versions = Version.objects.select_related("protocol").order_by("-number")
    by_protocol: dict[int, list[Version]] = {p.pk: [] for p in protocols}
    for version in versions:
        by_protocol[version.protocol_id].append(version)
    groups = [
        {"protocol": p, "versions": vs, "draft": next((v for v in vs if v.is_draft), None)}
        for p in protocols
        for vs in [by_protocol[p.pk]]
    ]
    return render(request, "protocol/manage_list.html", {"groups": groups})


@capability_required(Capability.MANAGE_PROTOCOL)
def draft_create(request: HttpRequest) -> HttpResponse:
    """Start a new draft from the latest version (POST only)."""
    if request.method != "POST":
        return redirect("protocol:manage")
    protocol = _get_protocol(request.POST.get("protocol"))
    try:
        version = services.start_draft(actor=request.user, protocol=protocol)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("protocol:manage")
    messages.success(request, f"Draft version {version.number} started. It copies the text of the latest version.")
    return _to_draft(version)


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft: its change summary and kind, its sections, and the way to preview and publish it."""
    version = _get_draft(pk)
    in_force = services.in_force(version.protocol.slug)
    initial = {"change_summary": version.change_summary, "change_kind": version.change_kind}
    form = DraftDetailsForm(request.POST or None, initial=initial, minor_allowed=in_force is not None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_draft(actor=request.user, version=version, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The summary and kind of change have been saved.")
            return _to_draft(version)
    sections = list(version.sections.all())
    return render(
        request,
        "protocol/draft_detail.html",
        {"version": version, "form": form, "sections": sections, "in_force": in_force},
    )


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def draft_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as it will look when published; with ?show=changes, compared with the version in force."""
    version = _get_draft(pk)
    if request.GET.get("show") == "changes":
        in_force = services.in_force(version.protocol.slug)
        if in_force is None:
            messages.info(request, "No version is in force yet, so there is nothing to compare the draft with.")
            return redirect("protocol:draft_preview", pk=version.pk)
        context = {"preview": True, **_diff_context(in_force, version)}
        return render(request, "protocol/compare.html", context)
    return _version_page(request, version, preview=True)


def _publish_consequences(version: Version, publish_at) -> dict:
    """What publishing will do, in numbers, for the confirmation page."""
    in_force = services.in_force(version.protocol.slug)
    when = publish_at or timezone.now()
    material = version.change_kind == Version.ChangeKind.MATERIAL
    return {
        "in_force": in_force,
        "material": material,
        "councillors": Councillor.objects.active().count() if material else 0,
        "due_date": timezone.localdate(when) + timedelta(days=services.due_days()),
        "basis": in_force.basis if in_force and not material else None,
    }


def _hidden_publish_fields(data: dict) -> dict[str, str]:
    """The choices on the first step, carried through the confirmation step."""
    publish_at = data.get("publish_at")
    if publish_at is None:
        return {"when": PublishForm.NOW}
    local = timezone.localtime(publish_at)
    return {
        "when": PublishForm.LATER,
        "publish_date_0": str(local.day),
        "publish_date_1": str(local.month),
        "publish_date_2": str(local.year),
        "publish_time": f"{local:%H:%M}",
    }


def _publish_or_schedule(request: HttpRequest, version: Version, publish_at) -> HttpResponse:
    if publish_at is None:
        version = services.publish_version(actor=request.user, version=version)
        required = version.requirements.count()
        asked = ""
        if required:
            have = "has" if required == 1 else "have"
            asked = f" {required} councillor{pluralize(required)} {have} been asked to acknowledge it."
        messages.success(request, f"Version {version.number} is now in force.{asked}")
        return redirect("protocol:manage")
    services.schedule_publication(actor=request.user, version=version, publish_at=publish_at)
    local = timezone.localtime(publish_at)
    when = format_date(local, r"j F Y \a\t H:i")
    messages.success(request, f"Version {version.number} will come into force on {when}.")
    return _to_draft(version)


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def draft_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish now or on a set date: choose, confirm (with what it will mean), then publish or schedule."""
    version = _get_draft(pk)
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "cancel":
        try:
            services.schedule_publication(actor=request.user, version=version, publish_at=None)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Version {version.number} will no longer be published automatically.")
        return _to_draft(version)
    form = PublishForm(request.POST if step else None)
    blockers = [] if version.sections.exists() else ["Add at least one section before publishing."]
    if step and not blockers and form.is_valid():
        publish_at = form.cleaned_data["publish_at"]
        if step == "confirm":
            try:
                return _publish_or_schedule(request, version, publish_at)
            except DomainError as exc:
                form.add_error(None, str(exc))
        else:
            context = {
                "version": version,
                "publish_at": publish_at,
                "hidden": _hidden_publish_fields(form.cleaned_data),
                **_publish_consequences(version, publish_at),
            }
            return render(request, "protocol/draft_publish_confirm.html", context)
    return render(request, "protocol/draft_publish.html", {"version": version, "form": form, "blockers": blockers})


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete a draft and its sections."""
    version = _get_draft(pk)
    if request.method == "POST":
        try:
            services.delete_draft(actor=request.user, version=version)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("protocol:manage")
        messages.success(request, f"Draft version {version.number} has been deleted.")
        return redirect("protocol:manage")
    return render(request, "protocol/draft_delete.html", {"version": version})


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a section at the end of a draft."""
    version = _get_draft(pk)
    form = SectionForm(request.POST or None, submit_label="Add section")
    if request.method == "POST" and form.is_valid():
        try:
            section = services.save_section(actor=request.user, version=version, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Section ‘{section.title}’ added.")
            return _to_draft(version, "#sections")
    return render(request, "protocol/section_form.html", {"version": version, "form": form, "section": None})


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a section's title or text."""
    section = _get_draft_section(pk)
    version = section.version
    form = SectionForm(request.POST or None, initial={"title": section.title, "body": section.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_section(actor=request.user, version=version, section=section, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Section ‘{section.title}’ saved.")
            return _to_draft(version, "#sections")
    return render(request, "protocol/section_form.html", {"version": version, "form": form, "section": section})


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete a section of a draft. The draft page's Delete button asks first."""
    section = _get_draft_section(pk)
    version = section.version
    if request.method == "POST" and request.POST.get("step") == "confirm":
        try:
            services.delete_section(actor=request.user, section=section)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Section ‘{section.title}’ deleted.")
        return _to_draft(version, "#sections")
    return render(request, "protocol/section_delete.html", {"version": version, "section": section})


@capability_required(Capability.MANAGE_PROTOCOL)
@_drafts_only
def section_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a section up or down one place (POST only)."""
    section = _get_draft_section(pk)
    version = section.version
    direction = request.POST.get("direction") if request.method == "POST" else None
    if direction not in ("up", "down"):
        if request.method == "POST":
            messages.error(request, "Choose whether to move the section up or down.")
        return _to_draft(version, "#sections")
    try:
        services.move_section(actor=request.user, section=section, direction=direction)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Section ‘{section.title}’ moved {direction}.")
    return _to_draft(version, "#sections")
