"""The protocol compliance report as a PDF: tagged, filtered like the dashboard, for those who may see it."""

from __future__ import annotations

import re
import zlib

import pytest
from django.urls import reverse

from council import pdf
from council.roles import Role
from protocol import selectors
from protocol.ack_forms import ComplianceFilterForm
from protocol.models import Version
from tests.factories import CouncillorFactory
from tests.protocol.test_compliance import (
    acknowledge,
    data,  # noqa: F401  the dashboard's fixture
    make_overdue,
    publish_first_version,
)

pytestmark = pytest.mark.django_db

URL = reverse("protocol:compliance_pdf")


def pdf_text(raw: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated, so tags in compressed object streams show."""
    parts = [raw]
    # Each stream's length is in its dictionary; slicing by it copes with binary data that looks like "endstream".
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", raw):
        body = raw[match.end() : match.end() + int(match.group(1))]
        try:
            parts.append(zlib.decompress(body))
        except zlib.error:
            continue
    return b"\n".join(parts)


def assert_tagged_pdf(response) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.pdf"')
    raw = pdf_text(response.content)
    assert response.content.startswith(b"%PDF-")
    for key in (b"/StructTreeRoot", b"/Lang", b"/Title"):
        assert key in raw, key


def test_the_report_downloads_as_a_tagged_pdf(client, member_services, data):  # noqa: F811
    response = client.get(URL)
    assert_tagged_pdf(response)
    assert 'filename="protocol-v1-compliance-' in response["Content-Disposition"]


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.COMMUNICATIONS])
def test_those_without_access_to_the_dashboard_are_refused(client, login, role, data):  # noqa: F811
    login(role)
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_with_no_version_in_force_it_goes_back_to_the_dashboard(client, member_services):
    assert Version.objects.count() == 0
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("protocol:compliance")


@pytest.fixture
def report_html(client, member_services, monkeypatch):
    """``report_html(query)``: the HTML the view renders into the PDF for the dashboard's filters."""

    def _html(query: dict | None = None) -> str:
        captured = {}

        def render_pdf(template_name, context):
            captured["html"] = pdf.render_html(template_name, context)
            return b"%PDF-"

        monkeypatch.setattr(pdf, "render_pdf", render_pdf)
        assert client.get(URL, query or {}).status_code == 200
        return captured["html"]

    return _html


def test_the_report_has_the_dashboards_figures_and_names_those_outstanding(report_html, data):  # noqa: F811
    html = report_html()
    assert "<h1>" in html and "<h2>" in html and '<th scope="col">' in html
    assert '<html lang="en-GB">' in html and "<title>Protocol compliance:" in html
    for name in ("Cara Overdue", "Eve Overdue", "Dan Outstanding"):
        assert name in html
    for name in ("Alice Ack", "Gus Gone"):
        assert name not in html
    assert "By authority" in html and "By political group" in html and "By ward" in html
    assert "North Council" in html and "South Council" in html


def test_the_report_uses_the_dashboards_filters(report_html, data):  # noqa: F811
    html = report_html({"authority": data["south"].pk})
    assert "Eve Overdue" in html
    assert "Cara Overdue" not in html and "Dan Outstanding" not in html
    assert "South Council" in html


def test_typed_markup_in_a_name_is_escaped():
    version = publish_first_version()
    evil = CouncillorFactory(name='<img src="file:///etc/passwd">')
    other = CouncillorFactory()
    version = Version.objects.get(pk=version.pk)
    acknowledge(other, version)
    make_overdue(evil)
    dashboard = selectors.compliance_dashboard(version, ComplianceFilterForm().filters())
    rows = list(selectors.councillor_list(version, dashboard.filters, selectors.Status.OUTSTANDING))
    html = pdf.render_html(
        "pdf/protocol_compliance.html",
        {
            "title": "Protocol compliance",
            "dashboard": dashboard,
            "lists": [{"title": "Outstanding", "rows": rows, "total": len(rows), "status": "outstanding"}],
            "filters": [],
            "csv_url": "",
        },
    )
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html


def test_the_dashboard_links_to_the_pdf_with_its_filters(client, member_services, data):  # noqa: F811
    response = client.get(reverse("protocol:compliance"), {"authority": data["north"].pk})
    assert f"{URL}?authority={data['north'].pk}" in response.content.decode()
