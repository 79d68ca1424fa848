from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_the_public_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("url", ["/accessibility/", "/privacy/"])
def test_it_shows_the_statutory_pages_to_anyone(client, url):
    assert client.get(url).status_code == 200


def test_it_sets_a_strict_content_security_policy(client):
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_it_shows_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_error_summary_links_land_on_the_first_checkbox(client, member_services):
    response = client.post("/directory/invitations/new/", {"email": "new@council.example", "full_name": "New"})
    page = response.content.decode()
    assert 'href="#id_roles_1"' in page
    assert 'id="id_roles_1"' in page
