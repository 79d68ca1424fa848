"""manage.py import_moderngov: the real Spelthorne and Wrexham feeds, idempotency, and bad input."""

from __future__ import annotations

import http.server
import os
import re
import threading
import time
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

from council.models import AuditEntry, Authority, Councillor, PoliticalGroup, TermOfOffice, Ward
from tests.factories import AuthorityFactory, CouncillorFactory

pytestmark = pytest.mark.django_db

SPELTHORNE_NAME = "Spelthorne Borough Council"
WREXHAM_NAME = "Wrexham County Borough Council"


def _shared_moderngov_dir() -> Path:
    """The real feeds: $SHARED_DATA_DIR (the data folder or its moderngov folder), else ../shared/data."""
    configured = os.environ.get("SHARED_DATA_DIR")
    base = Path(configured) if configured else Path(__file__).resolve().parents[3] / "shared" / "data"
    return base / "moderngov" if (base / "moderngov").is_dir() else base


MODERNGOV_DIR = _shared_moderngov_dir()
SPELTHORNE = MODERNGOV_DIR / "spelthorne-councillors-by-ward.xml"
WREXHAM = MODERNGOV_DIR / "wrexham-councillors-by-ward.xml"

needs_real_feeds = pytest.mark.skipif(
    not (SPELTHORNE.is_file() and WREXHAM.is_file()),
    reason=f"the real ModernGov feeds are not in {MODERNGOV_DIR} (set SHARED_DATA_DIR)",
)


def run(source, authority: str = SPELTHORNE_NAME, *args: str) -> str:
    out = StringIO()
    call_command("import_moderngov", str(source), "--authority", authority, *args, stdout=out)
    return out.getvalue()


def feed(*councillors: str, ward: str = "Central") -> bytes:
    """A small hand-made GetCouncillorsByWard response."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><councillorsbyward><wards><ward>'
        f"<wardtitle>{ward}</wardtitle><councillors>{''.join(councillors)}</councillors>"
        "</ward></wards></councillorsbyward>"
    ).encode()


def councillor(cid: str = "1", name: str = "Councillor Ann Able", party: str = "Green", extra: str = "") -> str:
    return (
        f"<councillor><councillorid>{cid}</councillorid><fullusername>{name}</fullusername>"
        f"<politicalpartytitle>{party}</politicalpartytitle>{extra}</councillor>"
    )


def terms(*pairs: tuple[str, str]) -> str:
    """<termsofoffice> with one <termofoffice> per (start, end); an empty end is left out."""
    inner = "".join(
        f"<termofoffice><startdate>{start}</startdate>{f'<enddate>{end}</enddate>' if end else ''}</termofoffice>"
        for start, end in pairs
    )
    return f"<termsofoffice>{inner}</termsofoffice>"


def write(tmp_path: Path, content: bytes | str, name: str = "feed.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def database_state() -> dict:
    """Everything an import may touch, to compare before and after."""
    return {
        "authorities": list(Authority.objects.values_list("pk", "name", "slug").order_by("pk")),
        "wards": list(Ward.objects.values_list("pk", "name").order_by("pk")),
        "groups": list(PoliticalGroup.objects.values_list("pk", "name").order_by("pk")),
        "councillors": list(Councillor.objects.values().order_by("pk")),
        "terms": list(TermOfOffice.objects.values().order_by("pk")),
        "history": Councillor.history.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- The real feeds ------------------------------------------------------------------------------


@needs_real_feeds
def test_it_imports_the_spelthorne_feed():
    output = run(SPELTHORNE)

    authority = Authority.objects.get(name=SPELTHORNE_NAME)
    assert (authority.kind, authority.nation, authority.slug) == ("principal", "england", "spelthorne-borough-council")
    assert "39 created, 0 updated, 0 unchanged, 0 deactivated, 0 skipped" in output
    assert Councillor.objects.filter(authority=authority, is_active=True).count() == 39
    assert Ward.objects.filter(authority=authority).count() == 13
    assert sorted(PoliticalGroup.objects.filter(authority=authority).values_list("name", flat=True)) == [
        "Conservative",
        "Independent",
        "Labour",
        "Liberal Democrats",
    ]
    assert TermOfOffice.objects.filter(councillor__authority=authority).count() == 71
    kavanagh = Councillor.objects.get(authority=authority, moderngov_id="199")
    assert (kavanagh.name, kavanagh.ward.name, kavanagh.political_group.name) == (
        "John Kavanagh",
        "Ashford Common",
        "Conservative",
    )
    assert [(str(t.start_date), str(t.end_date)) for t in kavanagh.terms.all()] == [("2015-05-07", "2019-05-02")]
    # "unspecified" end date: no end.
    barnard_term = TermOfOffice.objects.get(councillor__authority=authority, start_date="2015-12-15")
    assert barnard_term.end_date is None
    # Spelthorne's only emails are in homeaddress, which is never read.
    assert not Councillor.objects.filter(authority=authority).exclude(email="").exists()
    assert "39 of 39 councillors have no work email" in output
    assert not Councillor.objects.filter(name__istartswith="councillor").exists()


@needs_real_feeds
def test_it_imports_the_wrexham_feed_with_work_emails():
    output = run(WREXHAM, WREXHAM_NAME, "--nation", "wales")

    authority = Authority.objects.get(name=WREXHAM_NAME)
    assert authority.nation == "wales"
    assert "52 created" in output
    assert Councillor.objects.filter(authority=authority).count() == 52
    assert Ward.objects.filter(authority=authority).count() == 47
    assert PoliticalGroup.objects.filter(authority=authority).count() == 5
    assert not PoliticalGroup.objects.filter(name__icontains="specified").exists()
    assert Councillor.objects.get(authority=authority, moderngov_id="12").political_group is None
    assert Councillor.objects.get(authority=authority, moderngov_id="47").email == "geoff.lowe@wrexham.gov.uk"
    assert Councillor.objects.get(authority=authority, moderngov_id="44").name == "J A Kelly KSG"
    assert not Councillor.objects.filter(authority=authority, email="").exists()
    assert not TermOfOffice.objects.exists()


def _home_address_values(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    values = set()
    for block in re.findall(r"<homeaddress>(.*?)</homeaddress>", text, re.S):
        values.update(v.strip() for v in re.findall(r">([^<>]+)<", block) if v.strip())
    values.update(re.findall(r"<photo\w+url>([^<]+)<", text))
    return values


@needs_real_feeds
def test_it_never_stores_home_addresses_phones_or_photos():
    run(SPELTHORNE)
    run(WREXHAM, WREXHAM_NAME)
    stored = serializers.serialize(
        "json",
        [
            *Councillor.objects.all(),
            *Councillor.history.all(),
            *Ward.objects.all(),
            *PoliticalGroup.objects.all(),
            *TermOfOffice.objects.all(),
            *AuditEntry.objects.all(),
        ],
    )
    for value in ("07508 230970", "Wolsey Road", "cllr.kavanagh@spelthorne.gov.uk", "TW15 2RA", "smallpic"):
        assert value not in stored
    # Every street line, postcode, phone and email in any homeaddress (town names are also ward
    # names, so only values with a digit or an @), except a work email the feed repeats there.
    work_emails = set(Councillor.objects.exclude(email="").values_list("email", flat=True))
    for path in (SPELTHORNE, WREXHAM):
        personal = {v for v in _home_address_values(path) - work_emails if re.search(r"[\d@]", v)}
        assert len(personal) > 50
        leaked = {v for v in personal if v in stored}
        assert leaked == set()


@needs_real_feeds
def test_a_second_run_changes_nothing():
    run(SPELTHORNE)
    before = database_state()

    output = run(SPELTHORNE)

    assert "0 created, 0 updated, 39 unchanged, 0 deactivated, 0 skipped" in output
    after = database_state()
    assert after.pop("audit") == before.pop("audit") + 1  # the import itself is audited
    assert after == before  # same rows, same updated_at, no new history


@needs_real_feeds
def test_a_changed_party_is_one_update(tmp_path):
    run(SPELTHORNE)
    kavanagh = Councillor.objects.get(moderngov_id="199")
    text = SPELTHORNE.read_text(encoding="utf-8")
    changed = text.replace(
        "<councillorid>199</councillorid>", "<councillorid>199</councillorid><!-- changed -->", 1
    ).replace(
        "<politicalpartytitle>Conservative</politicalpartytitle>",
        "<politicalpartytitle>Labour</politicalpartytitle>",
        1,
    )
    history = kavanagh.history.count()

    output = run(write(tmp_path, changed))

    assert "0 created, 1 updated, 38 unchanged, 0 deactivated, 0 skipped" in output
    assert "political group: Conservative → Labour" in output
    kavanagh.refresh_from_db()
    assert kavanagh.political_group.name == "Labour"
    assert kavanagh.history.count() == history + 1


@needs_real_feeds
def test_a_councillor_missing_from_the_feed_is_deactivated_and_comes_back(tmp_path):
    run(SPELTHORNE)
    text = SPELTHORNE.read_text(encoding="utf-8")
    start = text.index("<councillor>", text.index("<councillorid>199<") - 40)
    end = text.index("</councillor>", start) + len("</councillor>")

    output = run(write(tmp_path, text[:start] + text[end:]))

    assert "0 created, 0 updated, 38 unchanged, 1 deactivated" in output
    assert Councillor.objects.get(moderngov_id="199").is_active is False
    assert "currently serving: no → yes" in run(SPELTHORNE)
    assert Councillor.objects.get(moderngov_id="199").is_active is True


@needs_real_feeds
def test_dry_run_changes_nothing():
    before = database_state()
    output = run(SPELTHORNE, SPELTHORNE_NAME, "--dry-run")
    assert "Dry run" in output
    assert "39 created" in output
    assert database_state() == before


@needs_real_feeds
def test_it_writes_one_audit_entry_with_the_counts():
    run(WREXHAM, WREXHAM_NAME)
    entry = AuditEntry.objects.get(action="directory.imported")
    assert entry.object_id == str(Authority.objects.get(name=WREXHAM_NAME).pk)
    assert entry.data["created"] == 52
    assert entry.data["deactivated"] == 0
    assert "52 created" in entry.summary


# --- Hand-made feeds -----------------------------------------------------------------------------


def test_it_skips_unusable_records_with_reasons(tmp_path):
    path = write(
        tmp_path,
        feed(
            councillor("1", "Cllr Ann Able"),
            councillor("", "Councillor Bob Blank"),
            councillor("3", ""),
            councillor("1", "Councillor Ann Again"),
            councillor("4", "Councillor Cat Cole", extra="<workaddress><email>not an email</email></workaddress>"),
        ),
    )
    output = run(path, "Testshire")
    assert "1 created, 0 updated, 0 unchanged, 0 deactivated, 4 skipped" in output
    assert "no councillorid" in output
    assert "no name" in output
    assert "duplicate councillorid 1 in the feed" in output
    assert "'not an email' is not a valid email address" in output
    assert list(Councillor.objects.values_list("name", flat=True)) == ["Ann Able"]


def test_skipped_councillors_are_not_deactivated(tmp_path):
    authority = AuthorityFactory(name="Testshire")
    CouncillorFactory(authority=authority, moderngov_id="3", name="Cat Cole")
    run(write(tmp_path, feed(councillor("1"), councillor("3", ""))), "Testshire")
    assert Councillor.objects.get(moderngov_id="3").is_active is True


def test_email_comes_only_from_the_work_address(tmp_path):
    home = (
        "<homeaddress><line1>1 Home St</line1><phone>01234 567890</phone><email>home@example.org</email></homeaddress>"
    )
    path = write(
        tmp_path,
        feed(
            councillor("1", extra=f"<workaddress></workaddress>{home}"),
            councillor(
                "2", "Councillor Bo Bee", extra="<workaddress><email>bo.bee@council.gov.uk</email></workaddress>"
            ),
        ),
    )
    run(path, "Testshire")
    assert dict(Councillor.objects.values_list("moderngov_id", "email")) == {"1": "", "2": "bo.bee@council.gov.uk"}


def test_a_missing_work_email_keeps_the_address_member_services_entered(tmp_path):
    authority = AuthorityFactory(name="Testshire")
    CouncillorFactory(authority=authority, moderngov_id="1", name="Ann Able", email="ann@council.gov.uk")
    run(write(tmp_path, feed(councillor("1"))), "Testshire")
    assert Councillor.objects.get(moderngov_id="1").email == "ann@council.gov.uk"


def test_a_councillor_entered_by_hand_is_linked_by_name_not_duplicated(tmp_path):
    authority = AuthorityFactory(name="Testshire")
    existing = CouncillorFactory(authority=authority, moderngov_id="", name="ann able")
    output = run(write(tmp_path, feed(councillor("1"))), "Testshire")
    assert "1 updated" in output
    existing.refresh_from_db()
    assert (existing.moderngov_id, existing.name) == ("1", "Ann Able")
    assert Councillor.objects.count() == 1


def test_terms_are_upserted_by_start_date(tmp_path):
    run(write(tmp_path, feed(councillor("1", extra=terms(("04/05/2023", "unspecified"))))), "Testshire")
    output = run(write(tmp_path, feed(councillor("1", extra=terms(("04/05/2023", "06/05/2027"))))), "Testshire")
    assert "end date (none) → 06/05/2027" in output
    assert list(TermOfOffice.objects.values_list("start_date", "end_date")) == [(date(2023, 5, 4), date(2027, 5, 6))]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<councillorsbyward><wards><ward><wardtitle>&lol9;</wardtitle><councillors><councillor>
<councillorid>1</councillorid><fullusername>Cllr A</fullusername></councillor></councillors></ward></wards>
</councillorsbyward>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY home SYSTEM "file:///etc/passwd">]>
<councillorsbyward><wards><ward><wardtitle>&home;</wardtitle><councillors><councillor>
<councillorid>1</councillorid><fullusername>Cllr A</fullusername></councillor></councillors></ward></wards>
</councillorsbyward>"""

BAD_INPUTS = [
    ("html-page", "<!DOCTYPE html><html><head><title>Error</title></head><body>Oops</body></html>", "HTML page"),
    ("xhtml-page", '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "HTML page"),
    ("empty-file", "", "The file is empty"),
    ("blank-file", "  \n ", "The file is empty"),
    ("plain-text", "Service unavailable", "not XML"),
    ("empty-feed", "<councillorsbyward><wards></wards></councillorsbyward>", "lists no councillors"),
    ("empty-wards", "<councillorsbyward><wards><ward><wardtitle>A</wardtitle></ward></wards></councillorsbyward>",
     "no councillors"),
    ("no-wards", "<councillorsbyward><councillors/></councillorsbyward>", "no <wards> element"),
    ("wrong-root", "<getmeetings><meeting/></getmeetings>", "root element is <getmeetings>"),
    ("malformed", "<councillorsbyward><wards><ward></wards>", "not well-formed XML (line 1"),
    ("truncated", feed(councillor("1")).decode()[:-30], "not well-formed XML"),
    (
        "bad-date",
        feed(councillor("1", extra=terms(("31/02/2019", "")))).decode(),
        "'31/02/2019' is not a valid date (expected dd/mm/yyyy)",
    ),
    (
        "bad-end-date",
        feed(councillor("1", extra=terms(("01/05/2019", "2023-05-04")))).decode(),
        "'2023-05-04' is not a valid date",
    ),
    (
        "end-before-start",
        feed(councillor("1", extra=terms(("01/05/2019", "01/05/2018")))).decode(),
        "ends (01/05/2018) before it starts",
    ),
    ("only-unusable", feed(councillor("", "Cllr Nobody")).decode(), "No councillor in the file could be imported"),
    ("billion-laughs", BILLION_LAUGHS, "refused for safety"),
    ("external-entity", EXTERNAL_ENTITY, "refused for safety"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), [pytest.param(c, m, id=i) for i, c, m in BAD_INPUTS])
def test_bad_input_is_refused_and_changes_nothing(tmp_path, content, message):
    authority = AuthorityFactory(name="Testshire")
    CouncillorFactory(authority=authority, moderngov_id="99")
    before = database_state()
    started = time.monotonic()

    with pytest.raises(CommandError) as error:
        run(write(tmp_path, content), "Testshire")

    assert message in str(error.value)
    assert "Nothing was changed" in str(error.value)
    assert time.monotonic() - started < 5  # nothing was expanded
    assert database_state() == before


def test_bad_input_does_not_create_the_authority(tmp_path):
    with pytest.raises(CommandError):
        run(write(tmp_path, "<councillorsbyward><wards/></councillorsbyward>"), "Brand New Council")
    assert not Authority.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="There is no file at"):
        run(tmp_path / "nope.xml", "Testshire")


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(CommandError, match="larger than the limit"):
        run(write(tmp_path, feed(councillor("1"))), "Testshire")
    assert not Councillor.objects.exists()


# --- Fetching from a web service -----------------------------------------------------------------


@pytest.fixture
def web_server():
    """A local HTTP server answering /ok with a feed, /html with a 200 HTML page, /error with a 500."""
    routes = {
        "/ok": (200, "text/xml", feed(councillor("1"))),
        "/html": (200, "text/html", b"<!DOCTYPE html><html><head><title>Sign in</title></head></html>"),
        "/error": (500, "text/html", b"<html><head><title>Runtime Error</title></head></html>"),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, content_type, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_fetches_a_feed_from_a_url(web_server):
    assert "1 created" in run(f"{web_server}/ok", "Testshire")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html", "answered with an HTML page (titled 'Sign in')"),
        ("/error", "answered with an error: 500"),
        ("/missing", "answered with an error: 404"),
    ],
)
def test_a_url_answering_html_or_an_error_is_refused(web_server, path, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(f"{web_server}{path}", "Testshire")
    assert not Authority.objects.exists()


def test_a_url_over_the_size_limit_is_refused(web_server, settings):
    settings.IMPORT_MAX_BYTES = 50
    with pytest.raises(CommandError, match="larger than the limit"):
        run(f"{web_server}/ok", "Testshire")
