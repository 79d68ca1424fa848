"""Factories and sample data for complaint tests."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import factory
from django.core.files.storage import storages

from complaints import services
from complaints.models import Complaint, Stage
from tests.factories import AuthorityFactory, CouncillorFactory

# Smallest files of each kind that pass the content checks.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 32
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'


def office_zip(*entries: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


DOCX = office_zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"))
ZIP = office_zip(("readme.txt", "hello"), ("payload.exe", "MZ"))


def use_private_storage(settings, tmp_path) -> None:
    """Keep uploaded evidence in the test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def private_path(name: str):
    return storages["private"].path(name)


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A draft complaint row (no token). Use ``draft()`` or ``submitted()`` for one made by the services."""

    class Meta:
        model = Complaint
        skip_postgeneration_save = True

    principal_authority = factory.SubFactory(AuthorityFactory)
    stage = Stage.DRAFT
    complainant_name = "Pat Complainant"
    complainant_email = factory.Sequence(lambda n: f"complainant{n}@example.com")
    complainant_type = Complaint.ComplainantType.PUBLIC
    acting_as_councillor = Complaint.ActingAsCouncillor.YES
    outcome_sought = "An apology"

    @factory.post_generation
    def councillors(self, create, extracted, **kwargs):
        if create:
            self.councillors.set(extracted or [CouncillorFactory(authority=self.principal_authority)])


def complaint_data(councillor=None, **overrides: Any) -> services.ComplaintData:
    values: dict[str, Any] = {
        "complainant_name": "Pat Complainant",
        "complainant_email": "pat@example.com",
        "complainant_type": Complaint.ComplainantType.PUBLIC,
        "councillors": [councillor or CouncillorFactory()],
        "acting_as_councillor": Complaint.ActingAsCouncillor.YES,
        "outcome_sought": "An apology",
        "posts": [services.PostData(platform="Facebook", content="Something rude")],
    }
    values.update(overrides)
    return services.ComplaintData(**values)


def draft(councillor=None, **overrides: Any) -> tuple[Complaint, str]:
    """A draft made as the public form makes it: (complaint, token)."""
    return services.save_draft(data=complaint_data(councillor, **overrides))


def submitted(councillor=None, **overrides: Any) -> tuple[Complaint, str]:
    """A complaint confirmed and sent to the Monitoring Officer: (complaint, token)."""
    complaint, token = draft(councillor, **overrides)
    services.confirm_email(complaint=complaint)
    return services.submit(complaint=complaint), token


def form_data(councillor, **overrides: Any) -> dict[str, Any]:
    """What a person posts on the complaint form, for one councillor and one post."""
    data: dict[str, Any] = {
        "complainant_name": "Pat Complainant",
        "complainant_email": "pat@example.com",
        "complainant_phone": "01234 567890",
        "complainant_address": "1 High Street",
        "complainant_type": "public",
        "councillors": [str(councillor.pk)],
        "post0_platform": "Facebook",
        "post0_url": "https://facebook.example/post/1",
        "post0_date_0": "3",
        "post0_date_1": "2",
        "post0_date_2": "2025",
        "post0_time": "2:30pm",
        "post0_content": "A rude post about a resident",
        "acting_as_councillor": "yes",
        "acting_reasons": "The page is called Councillor Smith",
        "planning_or_licensing": "no",
        "outcome_sought": "An apology",
        "continue": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
