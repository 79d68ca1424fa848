"""Evidence uploads: the real type is sniffed from the content, sizes are limited, and accepted
files are stored under random names outside any public path."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import intake, uploads
from complaints.models import Complaint, Evidence
from tests.complaints.factories import (
    DOCX,
    EXE,
    HTML,
    PDF,
    PNG,
    SVG,
    ZIP,
    form_data,
    office_zip,
    private_path,
    use_private_storage,
)
from tests.factories import CouncillorFactory

pytestmark = pytest.mark.django_db

NEW = reverse("complaints:new")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    cache.clear()


def _file(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "extension", "content_type"),
    [
        ("screenshot.png", PNG, ".png", "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, ".jpg", "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 40, ".gif", "image/gif"),
        ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40, ".webp", "image/webp"),
        ("phone.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40, ".heic", "image/heic"),
        ("statement.pdf", PDF, ".pdf", "application/pdf"),
        ("notes.txt", "Posted at 9pm — “quote”".encode(), ".txt", "text/plain"),
        ("letter.docx", DOCX, ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (
            "sheet.xlsx",
            office_zip(("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<x/>")),
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "letter.odt",
            office_zip(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<x/>")),
            ".odt",
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "old.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60 + "WordDocument".encode("utf-16-le"),
            ".doc",
            "application/msword",
        ),
        ("letter.rtf", b"{\\rtf1\\ansi Hello}", ".rtf", "application/rtf"),
        # The name does not decide: a PDF called .png is stored as the PDF it is.
        ("misnamed.png", PDF, ".pdf", "application/pdf"),
    ],
)
def test_accepted_types_are_sniffed_from_content(name, data, extension, content_type):
    checked = uploads.check_upload(_file(name, data))
    assert (checked.extension, checked.content_type) == (extension, content_type)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", EXE, "is a program"),
        ("run.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "is a program"),
        ("notes.txt", HTML, "web page"),
        ("notes.txt", b"hello <SCRIPT>alert(1)</script>", "web page code"),
        ("drawing.svg", SVG, "SVG"),
        ("drawing.png", b"<?xml version='1.0'?>" + SVG, "web page"),
        ("archive.docx", ZIP, "compressed archive"),
        ("macro.docx", office_zip(("[Content_Types].xml", "<x/>"), ("word/vbaProject.bin", "x")), "macros"),
        ("binary.txt", b"abc\x00def", "not a type of file we accept"),
        ("latin1.txt", "café".encode("latin-1"), "not a type of file we accept"),
        ("installer.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, "not a type of file we accept"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_dangerous_or_unknown_files_are_refused(name, data, message):
    with pytest.raises(ValidationError) as error:
        uploads.check_upload(_file(name, data))
    assert message in " ".join(error.value.messages)
    assert name in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", EXE, "photo.jpg is a program"),
        ("notes.txt", HTML, "notes.txt is a web page"),
        ("drawing.svg", SVG, "drawing.svg is a web page or SVG drawing"),
    ],
)
def test_an_attack_upload_is_refused_and_the_form_kept(client, outbox, name, data, message):
    councillor = CouncillorFactory(name="Jo Bloggs")
    response = client.post(NEW, form_data(councillor, post0_files=_file(name, data)))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and "govuk-error-summary" in page
    assert 'value="Pat Complainant"' in page and "A rude post about a resident" in page and "Jo Bloggs" in page
    assert not Complaint.objects.exists() and not Evidence.objects.exists() and not outbox


def test_an_oversized_file_is_refused(client, settings):
    settings.COMPLAINTS_EVIDENCE_MAX_FILE_BYTES = 100
    response = client.post(NEW, form_data(CouncillorFactory(), post0_files=_file("big.pdf", PDF + b"x" * 200)))
    assert "big.pdf is too big" in response.content.decode()
    assert not Complaint.objects.exists() and not Evidence.objects.exists()


def test_the_total_for_one_complaint_is_limited(client, settings):
    settings.COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES = len(PNG) + len(PDF) - 1
    data = form_data(CouncillorFactory(), post0_files=[_file("a.png", PNG), _file("b.pdf", PDF)])
    response = client.post(NEW, data)
    assert "must come to less than" in response.content.decode()
    assert not Complaint.objects.exists() and not Evidence.objects.exists()


def test_the_total_counts_files_already_on_the_draft(client, outbox, settings):
    settings.COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES = len(PNG) + len(PDF) - 1
    councillor = CouncillorFactory()
    client.post(NEW, form_data(councillor, post0_files=_file("a.png", PNG)))
    link = re.search(r"(/complaints/track/[^/\s]+/)", outbox[0].body).group(1)
    client.get(link)
    data = form_data(councillor, save="", post0_files=_file("b.pdf", PDF))
    response = client.post(link + "?change=1", data)
    assert "must come to less than" in response.content.decode()
    assert [e.original_name for e in Evidence.objects.all()] == ["a.png"]


def test_accepted_files_are_stored_privately_under_random_names(client):
    data = form_data(
        CouncillorFactory(), post0_files=[_file("My Screenshot.png", PNG), _file("../../etc/statement.pdf", PDF)]
    )
    assert client.post(NEW, data).status_code == 302
    complaint = Complaint.objects.get()
    stored = {e.original_name: e for e in complaint.evidence.all()}
    assert set(stored) == {"My Screenshot.png", "statement.pdf"}
    png, pdf = stored["My Screenshot.png"], stored["statement.pdf"]
    assert (png.content_type, png.size) == ("image/png", len(PNG))
    assert pdf.content_type == "application/pdf"
    for evidence, data in ((png, PNG), (pdf, PDF)):
        assert re.fullmatch(rf"complaints/{complaint.pk}/[0-9a-f]{{32}}\.(png|pdf)", evidence.stored_name)
        path = Path(private_path(evidence.stored_name))
        assert path.read_bytes() == data
        for public in (django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS):
            assert not path.resolve().is_relative_to(Path(public).resolve())
        assert "Screenshot" not in evidence.stored_name


def test_files_are_removed_when_the_transaction_fails(monkeypatch, tmp_path):
    councillor = CouncillorFactory()
    checked = uploads.check_upload(_file("a.png", PNG))

    def fail(complaint):
        raise RuntimeError("broker down")

    from tests.complaints.factories import complaint_data

    with pytest.raises(RuntimeError):
        intake.save_with_evidence(
            data=complaint_data(councillor), files=[intake.Upload(post_index=0, files=[checked])], then=fail
        )
    assert not Complaint.objects.exists() and not Evidence.objects.exists()
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]


def test_expire_drafts_deletes_old_drafts_and_their_files(client, outbox):
    councillor = CouncillorFactory()
    client.post(NEW, form_data(councillor, post0_files=_file("old.png", PNG)))
    client.post(NEW, form_data(councillor, complainant_email="fresh@example.com", post0_files=_file("new.png", PNG)))
    old, fresh = Complaint.objects.order_by("pk")
    Complaint.objects.filter(pk=old.pk).update(draft_expires_at=timezone.now() - timedelta(minutes=1))
    old_file = Path(private_path(old.evidence.get().stored_name))
    fresh_file = Path(private_path(fresh.evidence.get().stored_name))
    assert old_file.exists()

    assert intake.expire_drafts() == 1
    assert list(Complaint.objects.all()) == [fresh]
    assert not old_file.exists() and fresh_file.exists()
    assert intake.expire_drafts() == 0


def test_expire_drafts_leaves_submitted_complaints(client):
    from tests.complaints.factories import submitted

    complaint, _ = submitted()
    Complaint.objects.filter(pk=complaint.pk).update(draft_expires_at=timezone.now() - timedelta(days=30))
    assert intake.expire_drafts() == 0
    assert Complaint.objects.filter(pk=complaint.pk).exists()
