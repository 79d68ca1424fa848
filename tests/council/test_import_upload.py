"""The import page: upload a ModernGov XML file or a CSV, preview (a dry run), confirm."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from council.models import AuditEntry, Authority, Councillor, TermOfOffice, Ward
from council.roles import Role
from tests.council.test_import_moderngov import WREXHAM, councillor, database_state, feed, needs_real_feeds
from tests.factories import AuthorityFactory, CouncillorFactory, WardFactory, make_user

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/directory/import/"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads go to a temporary folder, not var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def stored_uploads(folder) -> list[str]:
    imports = folder / "imports"
    return sorted(p.name for p in imports.iterdir()) if imports.is_dir() else []


def upload(client, content: bytes, name: str = "feed.xml", **fields):
    data = {"nation": "england", "file": SimpleUploadedFile(name, content), **fields}
    return client.post(UPLOAD_URL, data)


def token_from(response) -> str:
    match = re.fullmatch(r"/directory/import/([0-9a-f]{32})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def count(response, outcome: str) -> int:
    match = re.search(rf'data-count="{outcome}">(\d+)<', response.content.decode())
    assert match, f"no {outcome} count on the page"
    return int(match.group(1))


def test_it_shows_the_upload_form_with_the_csv_columns(client, member_services):
    AuthorityFactory(name="Testshire Council")
    response = client.get(UPLOAD_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Import councillors" in page
    assert "Testshire Council" in page
    assert 'enctype="multipart/form-data"' in page
    for column in ("name", "email", "ward", "political_group", "moderngov_id", "start_date", "end_date"):
        assert column in page


@needs_real_feeds
def test_upload_preview_and_confirm_a_moderngov_file(client, member_services, private_storage):
    response = upload(client, WREXHAM.read_bytes(), "wrexham.xml", new_authority="Wrexham County Borough Council")
    assert response.status_code == 302
    token = token_from(response)
    assert stored_uploads(private_storage) == [f"{token}.xml"]

    preview = client.get(f"/directory/import/{token}/")
    assert preview.status_code == 200
    assert "Check the import before you confirm it" in preview.content.decode()
    assert (count(preview, "created"), count(preview, "updated"), count(preview, "deactivated")) == (52, 0, 0)
    assert "geoff.lowe@wrexham.gov.uk" in preview.content.decode()
    assert "Confirm import" in preview.content.decode()
    # A dry run: nothing is written yet, not even the authority or the audit entry.
    assert not Authority.objects.exists()
    assert not Councillor.objects.exists()
    assert not AuditEntry.objects.exists()

    done = client.post(f"/directory/import/{token}/", follow=True)
    page = done.content.decode()
    assert done.status_code == 200
    assert "Import complete" in page
    assert "ModernGov XML import for Wrexham County Borough Council: 52 created" in page  # the success message
    assert Councillor.objects.filter(authority__name="Wrexham County Borough Council").count() == 52
    assert Ward.objects.count() == 47
    assert AuditEntry.objects.get(action="directory.imported").actor == member_services
    assert stored_uploads(private_storage) == []


def test_preview_of_an_existing_authority_shows_changes_and_deactivations(client, member_services):
    authority = AuthorityFactory(name="Testshire Council")
    CouncillorFactory(authority=authority, moderngov_id="1", name="Ann Able", political_group__name="Blue")
    CouncillorFactory(authority=authority, moderngov_id="2", name="Gone Away")
    CouncillorFactory(authority=authority, moderngov_id="", name="Kept By Hand")
    before = database_state()

    token = token_from(upload(client, feed(councillor("1", party="Green")), authority=authority.pk))
    preview = client.get(f"/directory/import/{token}/")

    page = preview.content.decode()
    assert (count(preview, "created"), count(preview, "updated"), count(preview, "deactivated")) == (0, 1, 1)
    assert "political group: Blue → Green" in page
    assert "Gone Away" in page
    assert database_state() == before

    client.post(f"/directory/import/{token}/")
    assert Councillor.objects.get(moderngov_id="1").political_group.name == "Green"
    assert Councillor.objects.get(moderngov_id="2").is_active is False
    assert Councillor.objects.get(name="Kept By Hand").is_active is True


def test_confirming_twice_imports_once(client, member_services):
    token = token_from(upload(client, feed(councillor("1")), new_authority="Testshire Council"))
    client.post(f"/directory/import/{token}/")
    state = database_state()
    response = client.post(f"/directory/import/{token}/")
    assert response.status_code == 200
    assert "Import complete" in response.content.decode()
    assert database_state() == state


CSV = (
    "\ufeffName,Email,Ward,Political Group,moderngov_id,start_date,end_date\n"
    "Jane Smith,jane.smith@council.gov.uk,North,Labour,,,\n"
    "Cllr Tom Jones,,South,Non Specified,,2023-05-04,\n"
    "Ann Able,ann.able@council.gov.uk,,,77,04/05/2023,06/05/2027\n"
)


def test_upload_a_csv(client, member_services, private_storage):
    authority = AuthorityFactory(name="Testshire Council")
    jane = CouncillorFactory(
        authority=authority, name="JANE SMITH", moderngov_id="", ward=WardFactory(authority=authority, name="South")
    )
    absent = CouncillorFactory(authority=authority, moderngov_id="5", name="Not In The Csv")

    response = upload(client, CSV.encode("utf-8"), "councillors.csv", authority=authority.pk)
    token = token_from(response)
    assert stored_uploads(private_storage) == [f"{token}.csv"]
    preview = client.get(f"/directory/import/{token}/")
    assert (count(preview, "created"), count(preview, "updated"), count(preview, "deactivated")) == (2, 1, 0)
    assert "ward: South → North" in preview.content.decode()
    assert Councillor.objects.filter(authority=authority).count() == 2

    client.post(f"/directory/import/{token}/")

    jane.refresh_from_db()
    assert (jane.ward.name, jane.political_group.name, jane.email) == ("North", "Labour", "jane.smith@council.gov.uk")
    tom = Councillor.objects.get(name="Tom Jones")
    assert (tom.political_group, tom.email, tom.ward.name) == (None, "", "South")
    assert list(tom.terms.values_list("start_date", "end_date")) == [(date(2023, 5, 4), None)]
    ann = Councillor.objects.get(moderngov_id="77")
    assert list(ann.terms.values_list("start_date", "end_date")) == [(date(2023, 5, 4), date(2027, 5, 6))]
    absent.refresh_from_db()
    assert absent.is_active is True  # a CSV may be partial: it never deactivates anyone
    assert TermOfOffice.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "not a text file"),
        (b"name,email\xff\xfe\n", "latin1.csv", "not UTF-8 text"),
        (b"", "empty.csv", "The file is empty"),
        (b"name,email,ward\nJane,,North\n", "short.csv", "The CSV has no &#x27;political_group&#x27; column"),
        (b"name,email,ward,political_group\n", "header-only.csv", "has a header row but no councillors"),
        (b"name,email,ward,political_group,start_date\nJane,,N,,31/13/2023\n", "date.csv", "is not a valid date"),
        (b"<!DOCTYPE html><html><title>Error</title></html>", "feed.xml", "This is an HTML page"),
        (b"<councillorsbyward><wards>", "feed.xml", "not well-formed XML"),
        (b"<councillorsbyward><wards/></councillorsbyward>", "feed.xml", "lists no councillors"),
    ],
)
def test_a_bad_file_is_a_form_error_and_changes_nothing(
    client, member_services, private_storage, content, name, message
):
    AuthorityFactory(name="Testshire Council")
    before = database_state()
    response = upload(client, content, name, new_authority="Testshire Council")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert database_state() == before
    assert stored_uploads(private_storage) == []


def test_an_oversized_file_is_refused(client, member_services, settings, private_storage):
    settings.IMPORT_MAX_BYTES = 200
    response = upload(client, feed(councillor("1"), councillor("2"), councillor("3")), new_authority="Testshire")
    assert response.status_code == 200
    assert "The file must be smaller than" in response.content.decode()
    assert not Authority.objects.exists()
    assert stored_uploads(private_storage) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose the authority the councillors are in"),
        ({"new_authority": "New Town Council", "authority": "EXISTING"}, "not both"),
    ],
)
def test_the_authority_must_be_chosen_once(client, member_services, fields, message):
    existing = AuthorityFactory(name="Testshire Council")
    fields = {k: existing.pk if v == "EXISTING" else v for k, v in fields.items()}
    response = upload(client, feed(councillor("1")), **fields)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_no_file_is_a_form_error(client, member_services):
    response = client.post(UPLOAD_URL, {"new_authority": "Testshire", "nation": "england"})
    assert "Choose a ModernGov XML file or a CSV file to upload" in response.content.decode()


def test_typing_an_existing_authority_name_uses_it(client, member_services):
    existing = AuthorityFactory(name="Testshire Council")
    token = token_from(upload(client, feed(councillor("1")), new_authority="testshire council"))
    client.post(f"/directory/import/{token}/")
    assert Authority.objects.count() == 1
    assert Councillor.objects.get().authority == existing


def test_another_sessions_token_is_not_found(client, member_services):
    token = token_from(upload(client, feed(councillor("1")), new_authority="Testshire"))
    other = Client()
    other.force_login(make_user(Role.MEMBER_SERVICES), backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(f"/directory/import/{token}/").status_code == 404
    assert other.post(f"/directory/import/{token}/").status_code == 404
    assert not Councillor.objects.exists()
    assert client.get(f"/directory/import/{token}/").status_code == 200


@pytest.mark.parametrize("token", ["0" * 32, "not-a-token", "..%2F..%2Fsettings"])
def test_an_unknown_token_is_not_found(client, member_services, token):
    assert client.get(f"/directory/import/{token}/").status_code == 404


@pytest.mark.parametrize("role", [Role.COUNCILLOR, Role.COMMUNICATIONS, Role.MONITORING_OFFICER, None])
@pytest.mark.parametrize("url", [UPLOAD_URL, "/directory/import/" + "0" * 32 + "/"])
def test_other_roles_may_not_import(client, login, role, url):
    login(role)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_upload_whose_file_expired_goes_back_to_the_form(client, member_services, private_storage):
    token = token_from(upload(client, feed(councillor("1")), new_authority="Testshire"))
    storages["private"].delete(f"imports/{token}.xml")
    response = client.get(f"/directory/import/{token}/", follow=True)
    assert response.redirect_chain[-1][0] == UPLOAD_URL
    assert "That upload has expired" in response.content.decode()
