"""Open the downloaded PDF as a reader would (pypdf): tagged structure, title, language, text."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from council.roles import Role
from tests.complaints.test_workflow import make_case

pytestmark = pytest.mark.django_db


def _struct_types(node, found: set[str]) -> set[str]:
    node = node.get_object()
    if "/S" in node:
        found.add(str(node["/S"]))
    kids = node.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict):
            _struct_types(kid, found)
    return found


def test_the_downloaded_register_is_a_tagged_pdf_with_its_text(client, login):
    login(Role.MONITORING_OFFICER)
    complaint = make_case()

    response = client.get("/complaints/reports/register/", {"format": "pdf"})

    reader = PdfReader(io.BytesIO(response.content))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Complaint register"
    types = _struct_types(catalog["/StructTreeRoot"], set())
    assert {"/H1", "/Table", "/TH", "/TD"} <= types
    text = " ".join(page.extract_text() for page in reader.pages)
    assert complaint.reference in text
