"""The protocol's section of a councillor's record report (``council.registry.councillor_record_sections``):
every version that applied to them and whether they acknowledged it, and the social media accounts
they declared, current and removed. Imported once from ``ProtocolConfig.ready()``; importing registers it.

A fixed number of queries whatever the number of versions, acknowledgements or accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from council.models import AuditEntry, Councillor
from council.registry import councillor_record_sections
from council.roles import Capability, user_can

from . import selectors
from .models import Acknowledgement, Requirement, SocialAccount, Version

ACKNOWLEDGED, OUTSTANDING, OVERDUE, NOT_ACKNOWLEDGED = "acknowledged", "outstanding", "overdue", "not_acknowledged"


@dataclass
class VersionRow:
    """One version that applied to the councillor, and where they stand with it."""

    version: Version
    # Their acknowledgement of this version itself, or else of another version with the same
    # basis (a minor change carries acknowledgements over, in both directions).
    acknowledgement: Acknowledgement | None
    # For the version in force: the same standing the compliance dashboard and profile panel show.
    status: selectors.CouncillorStatus | None

    @property
    def in_force(self) -> bool:
        return self.version.state == Version.State.PUBLISHED

    @property
    def through_other_version(self) -> bool:
        return self.acknowledgement is not None and self.acknowledgement.version_id != self.version.pk

    @property
    def state(self) -> str:
        if self.acknowledgement is not None:
            return ACKNOWLEDGED
        if self.status is None:
            return NOT_ACKNOWLEDGED
        return OVERDUE if self.status.is_overdue else OUTSTANDING


@dataclass
class RemovedAccount:
    """A declared account the councillor later removed; the row is gone, the audit entry keeps it."""

    platform: str
    handle: str
    declared_at: datetime | None
    removed_at: datetime


def _in_office(version: Version, terms: list[tuple[date, date | None]]) -> bool:
    """Whether the version was in force on any day of any of the terms."""
    start = timezone.localdate(version.published_at)
    end = timezone.localdate(version.superseded_at) if version.superseded_at else None
    return any(
        (term_end is None or start <= term_end) and (end is None or end >= term_start) for term_start, term_end in terms
    )


def version_rows(councillor: Councillor) -> tuple[list[VersionRow], list[Version]]:
    """Every published version that applied to the councillor, newest first: in force while they were
    in office, or one they acknowledged or were required to; and the versions in force that did not
    apply to them. Three queries (four unless the terms are prefetched)."""
    terms = [(term.start_date, term.end_date) for term in councillor.terms.all()]
    acknowledgements = list(selectors.acknowledgements_of(councillor))  # newest first
    requirements = {r.version_id: r for r in selectors.requirements_of(councillor)}
    versions = (
        Version.objects.exclude(state=Version.State.DRAFT)
        .filter(published_at__isnull=False)
        .select_related("protocol", "basis")
        .order_by("protocol__title", "protocol_id", "-number")
    )
    own = {ack.version_id: ack for ack in acknowledgements}
    rows, not_applied = [], []
    for version in versions:
        in_force = version.state == Version.State.PUBLISHED
        requirement: Requirement | None = requirements.get(version.basis_id)
        applied = (
            _in_office(version, terms)
            or version.pk in own
            or version.pk in requirements
            or (in_force and requirement is not None)
        )
        if not applied:
            if in_force:
                not_applied.append(version)
            continue
        covering = own.get(version.pk) or next(
            (ack for ack in acknowledgements if ack.version.basis_id == version.basis_id), None
        )
        status = None
        if in_force:
            # As selectors.councillor_status works it out, from the rows already fetched.
            status = selectors.CouncillorStatus(version=version, acknowledgement=covering, requirement=requirement)
        rows.append(VersionRow(version=version, acknowledgement=covering, status=status))
    return rows, not_applied


def removed_accounts(councillor: Councillor) -> list[RemovedAccount]:
    """Accounts the councillor declared and then removed, most recently removed first (one query)."""
    entries = AuditEntry.objects.filter(
        object_type=SocialAccount._meta.label_lower,
        action="protocol.account_removed",
        data__councillor_id=councillor.pk,
    ).order_by("-at", "-pk")
    labels = dict(SocialAccount.Platform.choices)
    removed = []
    for entry in entries:
        platform = str(entry.data.get("platform", ""))
        declared = entry.data.get("declared_at")
        removed.append(
            RemovedAccount(
                platform=labels.get(platform, platform or "Unknown"),
                handle=str(entry.data.get("handle", "")),
                declared_at=parse_datetime(declared) if isinstance(declared, str) else None,
                removed_at=entry.at,
            )
        )
    return removed


def councillor_record_section(request, councillor: Councillor) -> dict[str, Any] | None:
    """Acknowledgements and declared accounts, for those who may see protocol compliance."""
    if not user_can(request.user, Capability.VIEW_COMPLIANCE):
        return None
    rows, not_applied = version_rows(councillor)
    return {
        "title": "Social media protocol",
        "template": "protocol/record/section.html",
        "context": {
            "rows": rows,
            "in_force": [row for row in rows if row.in_force],
            "in_force_not_applied": not_applied,
            # One protocol (the usual case) needs no title on every row.
            "several_protocols": len({row.version.protocol_id for row in rows}) > 1,
            "accounts": list(selectors.accounts_of(councillor)),
            "removed_accounts": removed_accounts(councillor),
        },
    }


councillor_record_sections.register(councillor_record_section, order=20)
