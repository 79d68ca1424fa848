"""Importing councillors from a ModernGov ``GetCouncillorsByWard`` feed or a CSV file.

Two steps, so nothing is written until the whole input is known to be good:

1. ``parse_moderngov`` / ``parse_csv`` turn the bytes into a ``Feed`` of plain records,
   or raise ``ImportFormatError`` with a message for the person.
2. ``run_import`` applies a feed to one authority inside one transaction and returns an
   ``ImportReport``. With ``dry_run=True`` it does exactly the same work and then rolls it
   back, so the preview and the real import share one code path.

ModernGov feeds carry councillors' home addresses and phone numbers: only the elements
named below are ever read, and nothing from ``homeaddress`` (not even its email) or the
photo addresses is imported.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from .audit import log_action
from .models import Authority, Councillor, PoliticalGroup, TermOfOffice, Ward

SOURCE_MODERNGOV = "moderngov"
SOURCE_CSV = "csv"
SOURCE_LABELS = {SOURCE_MODERNGOV: "ModernGov XML", SOURCE_CSV: "CSV"}

CSV_REQUIRED_COLUMNS = ("name", "email", "ward", "political_group")
CSV_OPTIONAL_COLUMNS = ("moderngov_id", "start_date", "end_date")

# Political group titles that mean "no group".
NO_GROUP_TITLES = frozenset({"", "non specified", "non-specified", "not specified", "none", "unspecified"})
_TITLE_PREFIX = re.compile(r"^\s*(?:councillor|cllr\.?)\s+", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
MAX_NAME_LENGTH = Councillor._meta.get_field("name").max_length
MAX_ID_LENGTH = Councillor._meta.get_field("moderngov_id").max_length


class ImportFormatError(Exception):
    """The input cannot be imported at all; the message is for the person."""


# --- What a feed says --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedTerm:
    start_date: date
    end_date: date | None


@dataclass
class FeedRecord:
    """One councillor as the input describes them. ``None`` means "the input does not say"
    (leave what the directory holds), as opposed to an empty value."""

    where: str
    name: str
    moderngov_id: str = ""
    email: str | None = None
    ward: str | None = None
    group: str | None = None
    terms: list[FeedTerm] = field(default_factory=list)


@dataclass
class Skipped:
    where: str
    name: str
    reason: str


@dataclass
class Feed:
    source: str
    records: list[FeedRecord]
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Ids of records that were skipped: those councillors are still in the feed, so they
    # must not be deactivated.
    skipped_ids: set[str] = field(default_factory=set)

    @property
    def deactivates_absent(self) -> bool:
        # A ModernGov feed lists every serving councillor; a CSV may be partial.
        return self.source == SOURCE_MODERNGOV


# --- Reading the input -----------------------------------------------------------------------


def read_source(file_or_url: str) -> bytes:
    """The bytes at a path or an http(s) address, refusing anything over IMPORT_MAX_BYTES."""
    if re.match(r"^https?://", file_or_url, re.I):
        return fetch_url(file_or_url)
    path = Path(file_or_url)
    if not path.is_file():
        raise ImportFormatError(f"There is no file at {file_or_url}.")
    if path.stat().st_size > settings.IMPORT_MAX_BYTES:
        raise ImportFormatError(f"The file is larger than the limit of {_megabytes(settings.IMPORT_MAX_BYTES)}.")
    return path.read_bytes()


def fetch_url(url: str) -> bytes:
    """GET a ModernGov web service address: 20 s timeout, size cap, clear errors."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by read_source
        url, headers={"Accept": "application/xml, text/xml", "User-Agent": "council-conduct-portal"}
    )
    limit = settings.IMPORT_MAX_BYTES
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            data = response.read(limit + 1)
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raise ImportFormatError(f"The server at {url} answered with an error: {error.code} {error.reason}.") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ImportFormatError(f"Could not fetch {url}: {reason}.") from error
    if len(data) > limit:
        raise ImportFormatError(f"The answer from {url} is larger than the limit of {_megabytes(limit)}.")
    if "html" in content_type.lower() and not data.lstrip().startswith(b"<?xml"):
        raise ImportFormatError(_html_message(data, f"The address {url} answered with an HTML page"))
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _html_message(data: bytes, opening: str) -> str:
    title = _HTML_TITLE.search(data[:20000])
    titled = ""
    if title:
        text = " ".join(title.group(1).decode("utf-8", "replace").split())[:100]
        titled = f" (titled '{text}')" if text else ""
    return (
        f"{opening}{titled}, not a ModernGov XML feed. The server probably returned an error page: "
        "check the address and try again later."
    )


# --- ModernGov XML ---------------------------------------------------------------------------


def parse_moderngov(data: bytes) -> Feed:
    """Parse a GetCouncillorsByWard response. Raises ImportFormatError for anything that
    is not a usable feed; skips (with a reason) individual records that cannot be used."""
    root = _parse_xml(data)
    if root.tag != "councillorsbyward":
        raise ImportFormatError(
            f"The XML's root element is <{root.tag}>, not <councillorsbyward>: this is not a "
            "ModernGov GetCouncillorsByWard feed."
        )
    wards = root.find("wards")
    if wards is None:
        raise ImportFormatError("The feed has no <wards> element, so it lists no councillors.")
    feed = Feed(source=SOURCE_MODERNGOV, records=[])
    seen: set[str] = set()
    no_email: list[str] = []
    for ward_number, ward in enumerate(wards.findall("ward"), start=1):
        ward_title = _text(ward, "wardtitle")
        if not ward_title:
            feed.warnings.append(f"Ward {ward_number} in the feed has no title: its councillors get no ward.")
        for number, element in enumerate(ward.findall("councillors/councillor"), start=1):
            where = f"{ward_title or f'ward {ward_number}'}, councillor {number}"
            record = _moderngov_record(element, where=where, ward_title=ward_title)
            if _skip_if_unusable(feed, record, seen):
                continue
            if not record.email:
                no_email.append(record.name)
            feed.records.append(record)
    if not feed.records and not feed.skipped:
        raise ImportFormatError("The feed lists no councillors.")
    if no_email:
        feed.warnings.append(
            f"{len(no_email)} of {len(feed.records)} councillors have no work email in the feed "
            "(any address the directory already holds is kept)."
        )
    _refuse_if_nothing_usable(feed)
    return feed


def _parse_xml(data: bytes) -> Element:
    if not data.strip():
        raise ImportFormatError("The file is empty.")
    if _HTML_START.match(data.lstrip(b"\xef\xbb\xbf")[:2000]):
        raise ImportFormatError(_html_message(data, "This is an HTML page"))
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise ImportFormatError("This is not XML: a ModernGov feed starts with '<?xml' or '<councillorsbyward>'.")
    try:
        # forbid_dtd: ModernGov feeds never have one, and refusing it stops entity-expansion
        # ("billion laughs") and external-entity attacks before anything is expanded.
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ImportFormatError(
            "The XML declares a document type or entities, which a ModernGov feed never does; "
            f"it was refused for safety ({type(error).__name__})."
        ) from error
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise ImportFormatError(f"The file is not well-formed XML (line {line}, column {column}).") from error
    if root.tag.lower() == "html" or root.tag.endswith("}html"):
        raise ImportFormatError(_html_message(data, "This is an HTML page"))
    return root


def _text(element: Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _moderngov_record(element: Element, *, where: str, ward_title: str) -> FeedRecord:
    name = clean_name(_text(element, "fullusername"))
    # Only workaddress/email: homeaddress also holds an email, which is personal.
    email = _text(element, "workaddress/email")
    terms = []
    for term in element.findall("termsofoffice/termofoffice"):
        parsed = _moderngov_term(term, where=f"{where} ({name or 'no name'})")
        if parsed is not None:
            terms.append(parsed)
    return FeedRecord(
        where=where,
        name=name,
        moderngov_id=_text(element, "councillorid"),
        email=email,
        ward=ward_title,
        group=_group_name(_text(element, "politicalpartytitle")),
        terms=terms,
    )


def _moderngov_term(element: Element, *, where: str) -> FeedTerm | None:
    start_text, end_text = _text(element, "startdate"), _text(element, "enddate")
    if not start_text:
        return None
    start = parse_date(start_text, where=where, formats=("%d/%m/%Y",))
    # The end date may be text such as "unspecified": no date, so no end.
    end = parse_date(end_text, where=where, formats=("%d/%m/%Y",)) if re.search(r"\d", end_text) else None
    return _checked_term(start, end, where=where)


def _checked_term(start: date, end: date | None, *, where: str) -> FeedTerm:
    if end is not None and end < start:
        raise ImportFormatError(f"{where}: a term of office ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y}).")
    return FeedTerm(start, end)


def parse_date(value: str, *, where: str, formats: tuple[str, ...]) -> date:
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    expected = " or ".join(fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy") for fmt in formats)
    raise ImportFormatError(f"{where}: '{value}' is not a valid date (expected {expected}).")


def clean_name(raw: str) -> str:
    """'Councillor J A Kelly KSG' -> 'J A Kelly KSG'."""
    return _TITLE_PREFIX.sub("", " ".join(raw.split()))


def _group_name(raw: str) -> str:
    return "" if raw.lower() in NO_GROUP_TITLES else raw


def _skip_if_unusable(feed: Feed, record: FeedRecord, seen: set[str]) -> bool:
    """Record why a record cannot be used (and remember its id); True if it was skipped."""
    reason = _unusable_reason(record, seen, id_required=feed.source == SOURCE_MODERNGOV)
    if reason is None:
        if record.moderngov_id:
            seen.add(record.moderngov_id)
        return False
    feed.skipped.append(Skipped(where=record.where, name=record.name, reason=reason))
    if record.moderngov_id:
        feed.skipped_ids.add(record.moderngov_id)
    return True


def _unusable_reason(record: FeedRecord, seen: set[str], *, id_required: bool) -> str | None:
    # ModernGov records are keyed by id; CSV rows may match by name instead.
    if id_required and not record.moderngov_id:
        return "no councillorid"
    if len(record.moderngov_id) > MAX_ID_LENGTH:
        return f"councillorid longer than {MAX_ID_LENGTH} characters"
    if record.moderngov_id and record.moderngov_id in seen:
        return f"duplicate councillorid {record.moderngov_id} in the feed"
    if not record.name:
        return "no name"
    if len(record.name) > MAX_NAME_LENGTH:
        return f"name longer than {MAX_NAME_LENGTH} characters"
    if record.email and not _is_email(record.email):
        return f"'{record.email}' is not a valid email address"
    return None


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _refuse_if_nothing_usable(feed: Feed) -> None:
    if not feed.records:
        reasons = "; ".join(f"{s.where}: {s.reason}" for s in feed.skipped[:5])
        raise ImportFormatError(f"No councillor in the file could be imported ({reasons}).")


# --- CSV -------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed), or ImportFormatError for binary files."""
    if b"\x00" in data:
        raise ImportFormatError("The file is not a text file. Upload a ModernGov XML file or a CSV file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            "The file is not UTF-8 text. Save it as UTF-8 (from a spreadsheet, as 'CSV UTF-8') and upload it again."
        ) from error


def parse_csv(data: bytes) -> Feed:
    """Parse a CSV with a header row: name, email, ward, political_group and optionally
    moderngov_id, start_date, end_date. Empty cells leave the directory's value alone."""
    text = decode_text(data)
    if not text.strip():
        raise ImportFormatError("The file is empty.")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportFormatError(f"The file is not a readable CSV file: {error}.") from error
    header = [_column_name(cell) for cell in rows[0]]
    missing = [column for column in CSV_REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportFormatError(
            f"The CSV has no {', '.join(repr(c) for c in missing)} column{'s' if len(missing) > 1 else ''}. "
            "The first row must name the columns: "
            f"{', '.join(CSV_REQUIRED_COLUMNS + CSV_OPTIONAL_COLUMNS)} (the last three are optional)."
        )
    feed = Feed(source=SOURCE_CSV, records=[])
    unknown = [c for c in header if c and c not in CSV_REQUIRED_COLUMNS + CSV_OPTIONAL_COLUMNS]
    if unknown:
        feed.warnings.append(f"Columns ignored: {', '.join(unknown)}.")
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {column: " ".join(cell.split()) for column, cell in zip(header, cells, strict=False) if column}
        record = _csv_record(row, where=f"row {number}")
        if not record.moderngov_id and record.name.lower() in seen_names:
            feed.skipped.append(Skipped(record.where, record.name, f"{record.name} appears more than once"))
            continue
        if _skip_if_unusable(feed, record, seen_ids):
            continue
        seen_names.add(record.name.lower())
        feed.records.append(record)
    if not feed.records and not feed.skipped:
        raise ImportFormatError("The CSV has a header row but no councillors.")
    _refuse_if_nothing_usable(feed)
    return feed


def _column_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _csv_record(row: dict[str, str], *, where: str) -> FeedRecord:
    name = clean_name(row.get("name", ""))
    start_text, end_text = row.get("start_date", ""), row.get("end_date", "")
    label = f"{where} ({name or 'no name'})"
    terms = []
    if start_text:
        formats = ("%d/%m/%Y", "%Y-%m-%d")
        start = parse_date(start_text, where=label, formats=formats)
        end = parse_date(end_text, where=label, formats=formats) if end_text else None
        terms.append(_checked_term(start, end, where=label))
    elif end_text:
        raise ImportFormatError(f"{label}: an end_date needs a start_date.")
    return FeedRecord(
        where=where,
        name=name,
        moderngov_id=row.get("moderngov_id", ""),
        email=row.get("email") or None,
        ward=row.get("ward") or None,
        group=_group_name(row["political_group"]) if row.get("political_group") else None,
        terms=terms,
    )


def parse_upload(data: bytes) -> Feed:
    """An uploaded file: ModernGov XML if it looks like XML, otherwise CSV. Either way it
    must be UTF-8 text within the size limit."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFormatError(f"The file must be smaller than {_megabytes(settings.IMPORT_MAX_BYTES)}.")
    if not data.strip():
        raise ImportFormatError("The file is empty.")
    decode_text(data)
    if source_of(data) == SOURCE_MODERNGOV:
        return parse_moderngov(data)
    return parse_csv(data)


def source_of(data: bytes) -> str:
    return SOURCE_MODERNGOV if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") else SOURCE_CSV


# --- Applying a feed -------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    moderngov_id: str
    ward: str = ""
    group: str = ""
    email: str = ""
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    authority: str
    source: str
    dry_run: bool
    authority_created: bool = False
    created: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)
    unchanged: list[Outcome] = field(default_factory=list)
    deactivated: list[Outcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wards_created: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.deactivated),
            "skipped": len(self.skipped),
        }

    def summary(self) -> str:
        counts = ", ".join(f"{value} {key}" for key, value in self.counts.items())
        return f"{SOURCE_LABELS[self.source]} import for {self.authority}: {counts}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        lists = {key: [Outcome(**o) for o in data[key]] for key in ("created", "updated", "unchanged", "deactivated")}
        return cls(
            **{**data, **lists, "skipped": [Skipped(**s) for s in data["skipped"]]},
        )


def run_import(
    *,
    actor,
    feed: Feed,
    authority: Authority | None = None,
    authority_name: str = "",
    nation: str = Authority.Nation.ENGLAND,
    dry_run: bool = False,
    filename: str = "",
) -> ImportReport:
    """Apply ``feed`` to ``authority`` (or to the authority called ``authority_name``, created
    as a principal council if there is none) in one transaction, with an audit entry.
    ``dry_run`` does all the same work and rolls it back: the report says what would happen."""
    with transaction.atomic():
        authority, created = _lock_authority(authority, authority_name, nation)
        report = ImportReport(authority=authority.name, source=feed.source, dry_run=dry_run, authority_created=created)
        report.skipped = list(feed.skipped)
        report.warnings = list(feed.warnings)
        _Applier(authority, report).apply(feed)
        log_action(
            actor=actor,
            action="directory.imported",
            obj=authority,
            summary=report.summary(),
            source=feed.source,
            filename=filename,
            authority_created=created,
            wards_created=len(report.wards_created),
            groups_created=len(report.groups_created),
            **report.counts,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _lock_authority(authority: Authority | None, name: str, nation: str) -> tuple[Authority, bool]:
    if authority is not None:
        return Authority.objects.select_for_update().get(pk=authority.pk), False
    name = " ".join(name.split())
    if not name:
        raise ImportFormatError("Give the name of the authority to import into.")
    existing = Authority.objects.select_for_update().filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    return Authority.objects.create(name=name, slug=_free_slug(name), nation=nation), True


def _free_slug(name: str) -> str:
    base = slugify(name)[:190] or "authority"
    slug, number = base, 1
    while Authority.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _fmt(value) -> str:
    if value in (None, ""):
        return "(none)"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class _Applier:
    """Upserts one feed's records into one (locked) authority, filling in the report."""

    def __init__(self, authority: Authority, report: ImportReport):
        self.authority = authority
        self.report = report
        self.wards = {w.name.lower(): w for w in Ward.objects.filter(authority=authority)}
        self.groups = {g.name.lower(): g for g in PoliticalGroup.objects.filter(authority=authority)}
        self.ward_names = {w.pk: w.name for w in self.wards.values()}
        self.group_names = {g.pk: g.name for g in self.groups.values()}
        councillors = list(Councillor.objects.select_for_update().filter(authority=authority).prefetch_related("terms"))
        self.by_id = {c.moderngov_id: c for c in councillors if c.moderngov_id}
        self.by_name: dict[str, list[Councillor]] = {}
        for councillor in councillors:
            self.by_name.setdefault(councillor.name.lower(), []).append(councillor)
        self.matched: set[int] = set()

    def apply(self, feed: Feed) -> None:
        for record in feed.records:
            self._apply_record(record)
        if feed.deactivates_absent:
            self._deactivate_absent(present=self._ids(feed) | feed.skipped_ids)

    @staticmethod
    def _ids(feed: Feed) -> set[str]:
        return {record.moderngov_id for record in feed.records if record.moderngov_id}

    def _match(self, record: FeedRecord) -> Councillor | str | None:
        """The councillor a record is about, None for a new one, or a reason to skip it."""
        if record.moderngov_id and record.moderngov_id in self.by_id:
            return self.by_id[record.moderngov_id]
        same_name = self.by_name.get(record.name.lower(), [])
        if record.moderngov_id:
            # Someone entered by hand before the first import: link them rather than duplicate.
            same_name = [c for c in same_name if not c.moderngov_id]
        if len(same_name) > 1:
            return f"more than one councillor of {self.authority} is called {record.name}"
        councillor = same_name[0] if same_name else None
        if councillor is not None and councillor.pk in self.matched:
            return f"{record.name} matches the same councillor as an earlier record"
        return councillor

    def _apply_record(self, record: FeedRecord) -> None:
        match = self._match(record)
        if isinstance(match, str):
            self.report.skipped.append(Skipped(record.where, record.name, match))
            return
        councillor = match or Councillor(authority=self.authority)
        is_new = match is None
        wanted = self._wanted_values(record, councillor)
        changes = [] if is_new else self._describe_changes(councillor, wanted)
        for attribute, value in wanted.items():
            setattr(councillor, attribute, value)
        if is_new or changes:
            councillor.save()
        self.matched.add(councillor.pk)
        changes += self._apply_terms(councillor, record.terms, is_new=is_new)
        outcome = self._outcome(councillor, changes)
        if is_new:
            self.report.created.append(outcome)
        elif changes:
            self.report.updated.append(outcome)
        else:
            self.report.unchanged.append(outcome)

    def _wanted_values(self, record: FeedRecord, councillor: Councillor) -> dict:
        wanted = {"name": record.name, "is_active": True}
        if record.moderngov_id:
            wanted["moderngov_id"] = record.moderngov_id
        if record.email:
            wanted["email"] = record.email
        if record.ward is not None:
            wanted["ward_id"] = self._ward(record.ward)
        if record.group is not None:
            wanted["political_group_id"] = self._group(record.group)
        return wanted

    def _describe_changes(self, councillor: Councillor, wanted: dict) -> list[str]:
        labels = {
            "name": ("name", str),
            "is_active": ("currently serving", bool),
            "moderngov_id": ("ModernGov id", str),
            "email": ("email", str),
            "ward_id": ("ward", self.ward_names.get),
            "political_group_id": ("political group", self.group_names.get),
        }
        changes = []
        for attribute, value in wanted.items():
            old = getattr(councillor, attribute)
            if old != value:
                label, show = labels[attribute]
                changes.append(f"{label}: {_fmt(show(old) if old is not None else None)} → {_fmt(show(value))}")
        return changes

    def _ward(self, name: str) -> int | None:
        if not name:
            return None
        ward = self.wards.get(name.lower())
        if ward is None:
            ward = Ward.objects.create(authority=self.authority, name=name)
            self.wards[name.lower()] = ward
            self.ward_names[ward.pk] = name
            self.report.wards_created.append(name)
        return ward.pk

    def _group(self, name: str) -> int | None:
        if not name:
            return None
        group = self.groups.get(name.lower())
        if group is None:
            group = PoliticalGroup.objects.create(authority=self.authority, name=name)
            self.groups[name.lower()] = group
            self.group_names[group.pk] = name
            self.report.groups_created.append(name)
        return group.pk

    def _apply_terms(self, councillor: Councillor, terms: list[FeedTerm], *, is_new: bool) -> list[str]:
        """Upsert terms by start date; terms missing from the input are kept (they may have
        been entered by hand)."""
        existing = {} if is_new else {t.start_date: t for t in councillor.terms.all()}
        changes = []
        for term in terms:
            current = existing.get(term.start_date)
            if current is None:
                existing[term.start_date] = TermOfOffice.objects.create(
                    councillor=councillor, start_date=term.start_date, end_date=term.end_date
                )
                changes.append(f"term of office from {_fmt(term.start_date)} to {_fmt(term.end_date)} added")
            elif current.end_date != term.end_date:
                changes.append(
                    f"term from {_fmt(term.start_date)}: end date {_fmt(current.end_date)} → {_fmt(term.end_date)}"
                )
                current.end_date = term.end_date
                current.save(update_fields=["end_date"])
        return [] if is_new else changes

    def _deactivate_absent(self, *, present: set[str]) -> None:
        for moderngov_id, councillor in sorted(self.by_id.items(), key=lambda item: item[1].name):
            if moderngov_id in present or not councillor.is_active:
                continue
            councillor.is_active = False
            councillor.save()
            self.report.deactivated.append(self._outcome(councillor, ["currently serving: yes → no"]))

    def _outcome(self, councillor: Councillor, changes: list[str]) -> Outcome:
        return Outcome(
            name=councillor.name,
            moderngov_id=councillor.moderngov_id,
            ward=self.ward_names.get(councillor.ward_id, ""),
            group=self.group_names.get(councillor.political_group_id, ""),
            email=councillor.email,
            changes=changes,
        )
