"""State changes for the protocol: drafting, publishing, acknowledging, declaring accounts.

Each function is one transaction with an audit entry; views and tasks call these
and never change protocol state themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from council import page_cache
from council.audit import log_action
from council.models import Councillor
from council.services import DomainError

from .importer import ParsedProtocol
from .models import Acknowledgement, Protocol, Requirement, Section, SocialAccount, Version

DEFAULT_PROTOCOL_SLUG = "social-media"


def due_days() -> int:
    return getattr(settings, "PROTOCOL_ACKNOWLEDGE_WITHIN_DAYS", 28)


def _locked_draft(version: Version) -> Version:
    locked = Version.objects.select_for_update().get(pk=version.pk)
    if locked.state != Version.State.DRAFT:
        raise DomainError(f"{locked} is {locked.get_state_display().lower()} and cannot be changed. Start a new draft.")
    return locked


def _next_number(protocol: Protocol) -> int:
    return (protocol.versions.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def import_version(*, actor, parsed: ParsedProtocol, protocol_slug: str = DEFAULT_PROTOCOL_SLUG) -> Version:
    """Create a draft from parsed text (see protocol.importer)."""
    protocol, _ = Protocol.objects.get_or_create(slug=protocol_slug, defaults={"title": parsed.title})
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    version = Version.objects.create(
        protocol=protocol, number=_next_number(protocol), created_by=actor, change_summary="Imported from text."
    )
    Section.objects.bulk_create(
        Section(version=version, order=i, title=s.title, slug=s.slug, body=s.body)
        for i, s in enumerate(parsed.sections, start=1)
    )
    log_action(actor=actor, action="protocol.imported", obj=version, summary=f"Imported {version}")
    return version


@transaction.atomic
def start_draft(*, actor, protocol: Protocol) -> Version:
    """A new draft copying the sections of the latest version; only one draft at a time."""
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    existing = protocol.versions.filter(state=Version.State.DRAFT).first()
    if existing:
        raise DomainError(f"There is already a draft ({existing}). Edit or delete it first.")
    source = protocol.versions.exclude(state=Version.State.DRAFT).order_by("-number").first()
    version = Version.objects.create(protocol=protocol, number=_next_number(protocol), created_by=actor)
    if source:
        Section.objects.bulk_create(
            Section(version=version, order=s.order, title=s.title, slug=s.slug, body=s.body)
            for s in source.sections.all()
        )
    log_action(actor=actor, action="protocol.draft_started", obj=version, summary=f"Started {version}")
    return version


@transaction.atomic
def update_draft(*, actor, version: Version, change_summary: str, change_kind: str) -> Version:
    version = _locked_draft(version)
    if change_kind not in Version.ChangeKind.values:
        raise DomainError("Choose whether the change is material or minor.")
    if change_kind == Version.ChangeKind.MINOR and not version.protocol.versions.published().exists():
        raise DomainError("The first version of a protocol is always material: councillors have not read it yet.")
    version.change_summary = change_summary.strip()
    version.change_kind = change_kind
    version.save(update_fields=["change_summary", "change_kind", "updated_at"])
    log_action(actor=actor, action="protocol.draft_updated", obj=version, summary=f"Updated {version}")
    return version


@transaction.atomic
def delete_draft(*, actor, version: Version) -> None:
    version = _locked_draft(version)
    log_action(actor=actor, action="protocol.draft_deleted", obj=version, summary=f"Deleted draft {version}")
    version.delete()


def _unique_slug(version: Version, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:90] or "section"
    taken = set(version.sections.exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def save_section(*, actor, version: Version, title: str, body: str, section: Section | None = None) -> Section:
    """Add a section at the end, or change one, of a draft."""
    version = _locked_draft(version)
    if not title.strip() or not body.strip():
        raise DomainError("A section needs a title and some text.")
    if section is None:
        order = (version.sections.aggregate(n=Max("order"))["n"] or 0) + 1
        section = Section(version=version, order=order)
    elif section.version_id != version.pk:
        raise DomainError("That section belongs to another version.")
    if section.pk is None or section.title != title.strip():
        section.slug = _unique_slug(version, title, exclude_pk=section.pk)
    section.title, section.body = title.strip(), body.strip()
    section.save()
    log_action(actor=actor, action="protocol.section_saved", obj=version, summary=f"Saved section {section.title}")
    return section


@transaction.atomic
def delete_section(*, actor, section: Section) -> None:
    version = _locked_draft(section.version)
    log_action(actor=actor, action="protocol.section_deleted", obj=version, summary=f"Deleted {section.title}")
    section.delete()


@transaction.atomic
def move_section(*, actor, section: Section, direction: str) -> None:
    """Swap a section with its neighbour ('up' or 'down')."""
    version = _locked_draft(section.version)
    sections = list(version.sections.all())
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(sections):
        return
    sections[index], sections[other] = sections[other], sections[index]
    for order, item in enumerate(sections, start=1):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])
    log_action(actor=actor, action="protocol.section_moved", obj=version, summary=f"Moved {section.title} {direction}")


@transaction.atomic
def schedule_publication(*, actor, version: Version, publish_at) -> Version:
    version = _locked_draft(version)
    if publish_at is not None and publish_at <= timezone.now():
        raise DomainError("Choose a date and time in the future, or publish now.")
    version.publish_at = publish_at
    version.save(update_fields=["publish_at", "updated_at"])
    when = f"for {publish_at:%d %B %Y %H:%M}" if publish_at else "cancelled"
    log_action(actor=actor, action="protocol.scheduled", obj=version, summary=f"Publication of {version} {when}")
    return version


@transaction.atomic
def publish_version(*, actor, version: Version, now=None) -> Version:
    """Put a draft in force: supersede the current version, fix the content hash,
    and (for a material change) require every active councillor to acknowledge it."""
    now = now or timezone.now()
    Protocol.objects.select_for_update().get(pk=version.protocol_id)
    version = _locked_draft(version)
    if not version.sections.exists():
        raise DomainError("A version needs at least one section before it can be published.")
    current = version.protocol.versions.published().first()
    if version.change_kind == Version.ChangeKind.MINOR and current is None:
        raise DomainError("The first version of a protocol is always material.")
    if current:
        current.state, current.superseded_at = Version.State.SUPERSEDED, now
        current.save(update_fields=["state", "superseded_at", "updated_at"])
    version.state, version.published_at, version.publish_at = Version.State.PUBLISHED, now, None
    version.content_hash = version.compute_hash()
    version.basis = version if version.change_kind == Version.ChangeKind.MATERIAL else current.basis
    version.save()
    created = 0
    if version.change_kind == Version.ChangeKind.MATERIAL:
        due = timezone.localdate(now) + timedelta(days=due_days())
        created = len(
            Requirement.objects.bulk_create(
                [Requirement(councillor=c, version=version, due_date=due) for c in Councillor.objects.active()],
                batch_size=1000,
            )
        )
    # The public pages change: drop the copies kept for anonymous readers once this commits.
    page_cache.invalidate()
    log_action(
        actor=actor,
        action="protocol.published",
        obj=version,
        summary=f"Published {version} ({version.get_change_kind_display().split(':')[0].lower()})",
        councillors_required=created,
    )
    return version


def publish_due_versions(now=None) -> list[Version]:
    """Publish scheduled drafts whose time has come (run by Celery beat)."""
    now = now or timezone.now()
    published = []
    for version in Version.objects.filter(state=Version.State.DRAFT, publish_at__lte=now):
        try:
            published.append(publish_version(actor=None, version=version, now=now))
        except DomainError:
            continue
    return published


def in_force_versions(protocol_slug: str = DEFAULT_PROTOCOL_SLUG) -> QuerySet[Version]:
    """The published versions, the one in force first: ``in_force`` takes it; a selector that
    wants more about it in the same query annotates this first."""
    return Version.objects.published().filter(protocol__slug=protocol_slug).select_related("protocol", "basis")


def in_force(protocol_slug: str = DEFAULT_PROTOCOL_SLUG) -> Version | None:
    return in_force_versions(protocol_slug).first()


def require_for_new_councillor(*, councillor: Councillor, start: date | None = None) -> Requirement | None:
    """A councillor who joins after publication gets the same period, counted from their start."""
    version = in_force()
    if version is None or not councillor.is_active:
        return None
    start = start or timezone.localdate()
    requirement, _ = Requirement.objects.get_or_create(
        councillor=councillor, version=version.basis, defaults={"due_date": start + timedelta(days=due_days())}
    )
    return requirement


def _acknowledged_at(version: Version, method: str, signed_on: date | None):
    """Now, or for a paper form signed on an earlier day, the start of that day."""
    now = timezone.now()
    if signed_on is None or signed_on == timezone.localdate(now):
        return now
    if method != Acknowledgement.Method.PAPER:
        raise DomainError("Only a signed paper form can be dated.")
    if signed_on > timezone.localdate(now):
        raise DomainError("The date signed cannot be in the future.")
    if version.published_at and signed_on < timezone.localdate(version.published_at):
        raise DomainError(
            f"The form cannot have been signed before version {version.number} came into force "
            f"on {timezone.localdate(version.published_at):%-d %B %Y}."
        )
    return timezone.make_aware(datetime.combine(signed_on, time.min))


@transaction.atomic
def acknowledge(
    *,
    actor,
    councillor: Councillor,
    version: Version,
    typed_name: str,
    method: str = Acknowledgement.Method.SELF,
    signed_on: date | None = None,
) -> Acknowledgement:
    """Record that a councillor read and understood the version in force.

    The typed name must match the councillor's name (ignoring case and spacing).
    Paper acknowledgements are recorded by Member Services on the councillor's behalf;
    ``signed_on`` (paper only) is the date on the form, which becomes the time of acknowledgement."""
    version = Version.objects.select_for_update().get(pk=version.pk)
    if version.state != Version.State.PUBLISHED:
        raise DomainError("Only the version in force can be acknowledged.")
    if " ".join(typed_name.split()).casefold() != " ".join(councillor.name.split()).casefold():
        raise DomainError(f"Type your name exactly as it appears: {councillor.name}.")
    if Acknowledgement.objects.filter(councillor=councillor, version=version).exists():
        raise DomainError(f"{councillor} has already acknowledged {version}.")
    now = _acknowledged_at(version, method, signed_on)
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                councillor=councillor,
                version=version,
                content_hash=version.content_hash,
                acknowledged_at=now,
                method=method,
                typed_name=typed_name.strip(),
                recorded_by=actor if method == Acknowledgement.Method.PAPER else None,
            )
    except IntegrityError as exc:
        raise DomainError(f"{councillor} has already acknowledged {version}.") from exc
    Requirement.objects.filter(councillor=councillor, version=version.basis, met_at__isnull=True).update(
        met_at=now, acknowledgement=ack
    )
    how = "on paper" if method == Acknowledgement.Method.PAPER else "in the portal"
    log_action(
        actor=actor, action="protocol.acknowledged", obj=ack, summary=f"{councillor} acknowledged {version} {how}"
    )
    return ack


@transaction.atomic
def declare_account(
    *, actor, councillor: Councillor, platform: str, handle: str, use: str, has_disclaimer: bool,
    account: SocialAccount | None = None,
) -> SocialAccount:  # fmt: skip
    handle = handle.strip()
    if not handle:
        raise DomainError("Enter the handle or web address of the account.")
    duplicate = SocialAccount.objects.filter(councillor=councillor, platform=platform, handle__iexact=handle)
    if account is not None:
        duplicate = duplicate.exclude(pk=account.pk)
    if duplicate.exists():
        raise DomainError("You have already declared that account.")
    account = account or SocialAccount(councillor=councillor)
    account.platform, account.handle, account.use, account.has_disclaimer = platform, handle, use, has_disclaimer
    account.save()
    log_action(actor=actor, action="protocol.account_declared", obj=account, summary=f"{councillor}: {account}")
    return account


@transaction.atomic
def remove_account(*, actor, account: SocialAccount) -> None:
    # The row goes, so the entry keeps what the councillor's record report shows of a removed account.
    log_action(
        actor=actor,
        action="protocol.account_removed",
        obj=account,
        summary=f"{account.councillor}: {account}",
        councillor_id=account.councillor_id,
        platform=account.platform,
        handle=account.handle,
        declared_at=account.declared_at.isoformat(),
    )
    account.delete()
