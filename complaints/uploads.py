"""Evidence files: what we accept, how we check it, and where it is kept.

The type of a file is decided by its content (puremagic, plus a look inside
ZIP and OLE containers), never by the name the sender gave it. Accepted files
are stored under a random name in the private storage, outside any public path,
and are served only to permitted people as a download (complaints.case_views).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.template.defaultfilters import filesizeformat

from .models import Complaint, Evidence, Post

ACCEPTED_TYPES_HINT = (
    "Screenshots or photos (JPEG, PNG, GIF, WebP, HEIC), PDF, plain text, or Word, Excel, PowerPoint, "
    "OpenDocument or RTF documents"
)

# Sniffed MIME type -> (stored extension, content type we record).
_BY_MIME: dict[str, tuple[str, str]] = {
    "image/jpeg": (".jpg", "image/jpeg"),
    "image/png": (".png", "image/png"),
    "image/gif": (".gif", "image/gif"),
    "image/webp": (".webp", "image/webp"),
    "image/heic": (".heic", "image/heic"),
    "image/heif": (".heic", "image/heic"),
    "application/pdf": (".pdf", "application/pdf"),
    "application/rtf": (".rtf", "application/rtf"),
    "text/rtf": (".rtf", "application/rtf"),
}
_OOXML = {
    "word/": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
_ODF = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
# Stream names (UTF-16LE in the compound file's directory) that say what an OLE file holds.
_OLE = [
    ("WordDocument", ".doc", "application/msword"),
    ("Workbook", ".xls", "application/vnd.ms-excel"),
    ("Book", ".xls", "application/vnd.ms-excel"),
]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# Content a browser might run or render, wherever it appears in a "text" file.
_ACTIVE_MARKERS = re.compile(rb"<\s*(html|script|svg|!doctype|iframe|object|embed)\b|<\?xml", re.IGNORECASE)

NOT_ACCEPTED = (
    "{name} is not a type of file we accept. Send " + ACCEPTED_TYPES_HINT[0].lower() + ACCEPTED_TYPES_HINT[1:]
)


@dataclass
class CheckedFile:
    """An upload that passed the checks, ready to store."""

    original_name: str
    data: bytes
    extension: str
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


def safe_name(name: str) -> str:
    """The sender's file name, fit to show on a page and in a download header."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = " ".join(name.split()).strip(". ")
    return name[-200:] or "file"


def check_upload(upload) -> CheckedFile:
    """Read an uploaded file and decide whether we accept it. Raises ValidationError with a
    message that names the file."""
    name = safe_name(getattr(upload, "name", ""))
    limit = settings.COMPLAINTS_EVIDENCE_MAX_FILE_BYTES
    if upload.size > limit:
        raise ValidationError(f"{name} is too big: each file must be smaller than {filesizeformat(limit)}")
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(f"{name} is too big: each file must be smaller than {filesizeformat(limit)}")
    if not data:
        raise ValidationError(f"{name} is empty")
    extension, content_type = sniff(data, name)
    return CheckedFile(original_name=name, data=data, extension=extension, content_type=content_type)


def sniff(data: bytes, name: str) -> tuple[str, str]:
    """(extension, content type) from the file's content, or ValidationError."""
    if data.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")):
        raise ValidationError(f"{name} is a program, not a document or picture. We do not accept programs")
    if data.startswith(_ZIP_MAGIC):
        return _office_zip(data, name)
    if data.startswith(_OLE_MAGIC):
        return _ole(data, name)
    mimes = _puremagic_mimes(data)
    if mimes & {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}:
        raise ValidationError(f"{name} is a web page or SVG drawing. Send a screenshot or a PDF instead")
    for mime in mimes:
        if mime in _BY_MIME:
            extension, content_type = _BY_MIME[mime]
            if content_type == "application/rtf":
                _check_text(data, name, allow_rtf=True)
            return extension, content_type
    _check_text(data, name)
    return ".txt", "text/plain"


def _puremagic_mimes(data: bytes) -> set[str]:
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return set()
    return {m.mime_type for m in matches if m.mime_type}


def _check_text(data: bytes, name: str, *, allow_rtf: bool = False) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if allow_rtf:  # RTF is 7-bit ASCII with escapes, but old writers emit Latin-1 bytes
            text = data.decode("latin-1")
        else:
            raise ValidationError(NOT_ACCEPTED.format(name=name)) from None
    if "\x00" in text:
        raise ValidationError(NOT_ACCEPTED.format(name=name))
    if _ACTIVE_MARKERS.search(data):
        raise ValidationError(f"{name} contains web page code (HTML, SVG or script). Send a screenshot or a PDF")


def _office_zip(data: bytes, name: str) -> tuple[str, str]:
    """A ZIP is only acceptable as an office document: OOXML parts or an ODF mimetype entry."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype in _ODF:
                    return _ODF[mimetype], mimetype
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, NotImplementedError, OSError):
        raise ValidationError(f"{name} is damaged or is not a document we can open") from None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(f"{name} contains macros. Save it without macros, or as a PDF, and send it again")
    if "[Content_Types].xml" in names:
        for prefix, kind in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    raise ValidationError(f"{name} is a compressed archive. Send the documents or pictures in it one by one")


def _ole(data: bytes, name: str) -> tuple[str, str]:
    """An old Word or Excel file (an OLE compound file naming its main stream)."""
    for stream, extension, content_type in _OLE:
        if stream.encode("utf-16-le") in data:
            return extension, content_type
    raise ValidationError(NOT_ACCEPTED.format(name=name))


def check_total(complaint: Complaint | None, new_bytes: int, *, removing: Iterable[int] = ()) -> None:
    """The files of one complaint together must stay under the per-complaint limit."""
    existing = 0
    if complaint is not None and complaint.pk:
        existing = sum(
            complaint.evidence.exclude(pk__in=list(removing)).values_list("size", flat=True),
        )
    limit = settings.COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES
    if existing + new_bytes > limit:
        raise ValidationError(
            f"The files for one complaint must come to less than {filesizeformat(limit)} in total. "
            "Send fewer files, or smaller ones (for example screenshots instead of videos)"
        )


def private_storage():
    return storages["private"]


def store(*, complaint: Complaint, checked: CheckedFile, post: Post | None, saved: list[str]) -> Evidence:
    """Save one accepted file under a random name and record it. ``saved`` collects the stored
    names so the caller can remove them if the surrounding transaction fails."""
    target = f"complaints/{complaint.pk}/{secrets.token_hex(16)}{checked.extension}"
    stored = private_storage().save(target, ContentFile(checked.data))
    saved.append(stored)
    return Evidence.objects.create(
        complaint=complaint,
        post=post,
        original_name=checked.original_name,
        stored_name=stored,
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(checked.data).hexdigest(),
    )


@contextlib.contextmanager
def removed_if_failed() -> Iterator[list[str]]:
    """Use around the transaction that stores files: if it fails, the files go too.

    with uploads.removed_if_failed() as saved, transaction.atomic(): ...store(..., saved=saved)
    """
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        delete_files(saved)
        raise


def delete_files(names: Iterable[str]) -> None:
    storage = private_storage()
    for name in names:
        with contextlib.suppress(FileNotFoundError, OSError):
            storage.delete(name)
