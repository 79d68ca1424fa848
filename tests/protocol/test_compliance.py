"""Member Services' compliance dashboard, CSV export, councillor history and paper acknowledgements."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from council.roles import Role
from protocol import services
from protocol.importer import parse_protocol
from protocol.models import Acknowledgement, Reminder, Requirement, SocialAccount, Version
from tests.factories import AuthorityFactory, CouncillorFactory, PoliticalGroupFactory, WardFactory

pytestmark = pytest.mark.django_db

URL = reverse("protocol:compliance")
CSV_URL = reverse("protocol:compliance_csv")
SAMPLE = "Social media protocol\n\nIntroduction\nCouncillors must follow this protocol.\n"


def publish_first_version() -> Version:
    version = services.import_version(actor=None, parsed=parse_protocol(SAMPLE))
    return services.publish_version(actor=None, version=version)


def acknowledge(councillor, version) -> Acknowledgement:
    return services.acknowledge(actor=None, councillor=councillor, version=version, typed_name=councillor.name)


def make_overdue(*councillors) -> None:
    Requirement.objects.filter(councillor__in=councillors).update(due_date=timezone.localdate() - timedelta(days=3))


@pytest.fixture
def data():
    """Six serving councillors in two authorities: three acknowledged, two overdue, one outstanding;
    and one who has stopped serving (never counted)."""
    north, south = AuthorityFactory(name="North Council"), AuthorityFactory(name="South Council")
    n1, n2, s1 = WardFactory(authority=north, name="Ash"), WardFactory(authority=north, name="Birch"), None
    s1 = WardFactory(authority=south, name="Cedar")
    red, blue = PoliticalGroupFactory(authority=north, name="Red"), PoliticalGroupFactory(authority=north, name="Blue")
    south_red = PoliticalGroupFactory(authority=south, name="Red")

    def cllr(name, authority, ward, group):
        return CouncillorFactory(name=name, authority=authority, ward=ward, political_group=group)

    c = {
        "a": cllr("Alice Ack", north, n1, red),
        "b": cllr("Ben Ack", north, n1, blue),
        "c": cllr("Cara Overdue", north, n2, red),
        "d": cllr("Dan Outstanding", north, n2, blue),
        "e": cllr("Eve Overdue", south, s1, south_red),
        "f": cllr("Fay Ack", south, s1, None),
        "g": cllr("Gus Gone", south, s1, south_red),
    }
    version = publish_first_version()
    for key in "abf":
        acknowledge(c[key], version)
    make_overdue(c["c"], c["e"])
    c["g"].is_active = False
    c["g"].save()
    return {
        "version": version,
        "north": north,
        "south": south,
        "n1": n1,
        "ward_n2": n2,
        "s1": s1,
        "red": red,
        "south_red": south_red,
        **c,
    }


def _table(page: str, caption: str) -> str:
    start = page.index(caption)
    return page[start : page.index("</table>", start)]


def _row(table: str, label: str) -> list[str]:
    """The numeric cells of the row headed ``label``."""
    import re

    start = table.index(f">{label}</th>")
    row = table[start : table.index("</tr>", start)]
    return re.findall(r"govuk-table__cell--numeric\">([^<]*)<", row)


class TestDashboard:
    def test_figures_for_a_known_data_set(self, client, member_services, data):
        response = client.get(URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "50%" in page
        assert "3 of 6 councillors" in page
        by_authority = _table(page, "By authority")
        assert _row(by_authority, "North Council") == ["4", "2", "2", "1", "50%"]
        assert _row(by_authority, "South Council") == ["2", "1", "1", "1", "50%"]
        by_group = _table(page, "By political group")
        assert _row(by_group, "Blue") == ["2", "1", "1", "0", "50%"]
        assert _row(by_group, "No group") == ["1", "1", "0", "0", "100%"]
        by_ward = _table(page, "By ward")
        assert _row(by_ward, "Ash") == ["2", "2", "0", "0", "100%"]
        assert _row(by_ward, "Birch") == ["2", "0", "2", "1", "0%"]
        assert "Gus Gone" not in page

    def test_lists_of_overdue_and_outstanding_councillors(self, client, member_services, data):
        page = client.get(URL).content.decode()
        overdue = page[page.index("Overdue (2)") : page.index("Outstanding, not yet overdue")]
        assert "Cara Overdue" in overdue and "Eve Overdue" in overdue and "Dan Outstanding" not in overdue
        outstanding = page[page.index("Outstanding, not yet overdue (1)") : page.index("Breakdown")]
        assert "Dan Outstanding" in outstanding
        assert reverse("protocol:councillor_history", args=[data["d"].pk]) in outstanding
        assert "Alice Ack" not in page[: page.index("Breakdown")]

    @pytest.mark.parametrize(
        ("query", "headline", "shown", "hidden"),
        [
            ({"authority": "north"}, "2 of 4 councillors", ["Cara Overdue", "Dan Outstanding"], ["Eve Overdue"]),
            ({"ward": "ward_n2"}, "0 of 2 councillors", ["Cara Overdue", "Dan Outstanding"], ["Eve Overdue"]),
            ({"political_group": "red"}, "1 of 2 councillors", ["Cara Overdue"], ["Dan Outstanding"]),
            ({"status": "acknowledged"}, "3 of 6 councillors", ["Alice Ack", "Fay Ack"], ["Cara Overdue"]),
            ({"status": "overdue"}, "3 of 6 councillors", ["Cara Overdue", "Eve Overdue"], ["Dan Outstanding"]),
            ({"status": "outstanding"}, "3 of 6", ["Cara Overdue", "Dan Outstanding"], ["Alice Ack"]),
        ],
    )
    def test_filters(self, client, member_services, data, query, headline, shown, hidden):
        query = {k: data[v].pk if v in data else v for k, v in query.items()}
        page = client.get(URL, query).content.decode()
        assert headline in page
        lists = page[: page.index("Breakdown")]
        for name in shown:
            assert name in lists
        for name in hidden:
            assert name not in lists

    def test_bad_filters_are_reported_and_ignored(self, client, member_services, data):
        response = client.get(URL, {"authority": "nope", "status": "everything"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Choose an authority from the list" in page
        assert "Choose a status from the list" in page
        assert "3 of 6 councillors" in page

    def test_a_councils_wards_and_groups_are_all_on_offer_under_their_authority(self, client, member_services, data):
        # At a council's scale every select lists everything (at national scale see test_compliance_scale).
        page = client.get(URL).content.decode()
        assert f'<optgroup label="North Council"><option value="{data["n1"].pk}">Ash</option>' in page
        assert ">Cedar</option>" in page
        assert "Choose an authority and apply the filters" not in page

    def test_a_ward_or_group_left_over_from_another_authority_is_dropped(self, client, member_services, data):
        # Chose South's ward and group, then switched the authority to North and applied.
        query = {"authority": data["north"].pk, "ward": data["s1"].pk, "political_group": data["south_red"].pk}
        page = client.get(URL, query).content.decode()
        assert "govuk-error-summary" not in page
        assert "2 of 4 councillors" in page
        assert f'<option value="{data["s1"].pk}" selected>' not in page
        assert f'<option value="{data["south_red"].pk}" selected>' not in page

    def test_nothing_in_force(self, client, member_services):
        response = client.get(URL)
        assert response.status_code == 200
        assert "No version of the social media protocol is in force" in response.content.decode()
        assert client.get(CSV_URL).status_code == 302

    def test_a_minor_version_counts_acknowledgements_of_its_basis(self, client, member_services, data):
        protocol = data["version"].protocol
        draft = services.start_draft(actor=None, protocol=protocol)
        services.update_draft(actor=None, version=draft, change_summary="Typo.", change_kind="minor")
        services.publish_version(actor=None, version=draft)
        assert "3 of 6 councillors" in client.get(URL).content.decode()


def _population(n: int) -> None:
    authorities = [AuthorityFactory() for _ in range(3)]
    for i in range(n):
        authority = authorities[i % 3]
        CouncillorFactory(authority=authority)
    version = publish_first_version()
    from council.models import Councillor

    councillors = list(Councillor.objects.all())
    for councillor in councillors[::2]:
        acknowledge(councillor, version)
    make_overdue(*councillors[1::4])


class TestQueryCount:
    def _count(self, client) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len(queries)

    def test_the_same_for_5_and_50_councillors(self, client, member_services):
        _population(5)
        small = self._count(client)
        assert small <= 15
        _population_more = 45
        authority = AuthorityFactory()
        for _ in range(_population_more):
            CouncillorFactory(authority=authority)  # they get requirements as new councillors
        assert Requirement.objects.count() == 50
        assert self._count(client) == small

    def test_the_csv_too(self, client, member_services):
        _population(5)
        with CaptureQueriesContext(connection) as small:
            client.get(CSV_URL)
        for _ in range(45):
            CouncillorFactory()
        with CaptureQueriesContext(connection) as large:
            client.get(CSV_URL)
        assert len(small) == len(large)


class TestCsv:
    def _rows(self, response) -> list[dict[str, str]]:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        return list(csv.DictReader(io.StringIO(response.content.decode())))

    def test_everyone_with_their_status(self, client, member_services, data):
        rows = self._rows(client.get(CSV_URL))
        assert list(rows[0]) == [
            "Councillor",
            "Authority",
            "Ward",
            "Political group",
            "Email",
            "Due date",
            "Status",
            "Acknowledged at",
        ]
        by_name = {r["Councillor"]: r for r in rows}
        assert set(by_name) == {"Alice Ack", "Ben Ack", "Cara Overdue", "Dan Outstanding", "Eve Overdue", "Fay Ack"}
        assert by_name["Cara Overdue"]["Status"] == "Overdue"
        assert by_name["Dan Outstanding"]["Status"] == "Outstanding"
        assert by_name["Alice Ack"]["Status"] == "Acknowledged"
        assert by_name["Alice Ack"]["Acknowledged at"].startswith(timezone.localdate().isoformat())
        assert by_name["Cara Overdue"]["Acknowledged at"] == ""
        assert by_name["Alice Ack"]["Email"] == data["a"].email
        assert by_name["Fay Ack"]["Political group"] == ""
        assert by_name["Eve Overdue"]["Ward"] == "Cedar"

    def test_the_filters_apply(self, client, member_services, data):
        rows = self._rows(client.get(CSV_URL, {"authority": data["north"].pk, "status": "outstanding"}))
        assert sorted(r["Councillor"] for r in rows) == ["Cara Overdue", "Dan Outstanding"]

    def test_a_name_cannot_become_a_spreadsheet_formula(self, client, member_services):
        CouncillorFactory(name='=HYPERLINK("http://evil.example")')
        publish_first_version()
        rows = self._rows(client.get(CSV_URL))
        assert rows[0]["Councillor"].startswith("'=")

    def test_the_dashboard_links_to_the_filtered_csv(self, client, member_services, data):
        page = client.get(URL, {"authority": data["north"].pk}).content.decode()
        assert f"{CSV_URL}?authority={data['north'].pk}" in page


class TestCouncillorHistory:
    def test_shows_acknowledgements_requirements_reminders_and_accounts(self, client, member_services, data):
        councillor = data["c"]
        Reminder.objects.create(
            councillor=councillor, version=data["version"], kind=Reminder.Kind.DUE_SOON, on_date=timezone.localdate()
        )
        SocialAccount.objects.create(councillor=councillor, platform="x", handle="@cara", use="councillor")
        page = client.get(reverse("protocol:councillor_history", args=[councillor.pk])).content.decode()
        assert "Cara Overdue" in page
        assert "Overdue" in page
        assert "Due in 7 days" in page
        assert "@cara" in page
        assert reverse("protocol:record_paper", args=[councillor.pk]) in page

    def test_an_acknowledged_councillor(self, client, member_services, data):
        page = client.get(reverse("protocol:councillor_history", args=[data["a"].pk])).content.decode()
        assert "Acknowledged" in page and "In the portal" in page
        assert reverse("protocol:record_paper", args=[data["a"].pk]) not in page

    def test_unknown_councillor(self, client, member_services):
        assert client.get(reverse("protocol:councillor_history", args=[999999])).status_code == 404

    def test_the_directory_profile_shows_the_status(self, client, member_services, data):
        page = client.get(reverse("council:councillor_detail", args=[data["c"].pk])).content.decode()
        assert "Social media protocol" in page
        assert "Overdue" in page
        assert reverse("protocol:councillor_history", args=[data["c"].pk]) in page

    def test_member_services_home_panel(self, client, member_services, data):
        page = client.get(reverse("home")).content.decode()
        assert "Version 1 acknowledged" in page
        assert "50% (3 of 6)" in page


class TestPaperAcknowledgement:
    def _url(self, councillor) -> str:
        return reverse("protocol:record_paper", args=[councillor.pk])

    def _post(self, client, councillor, **overrides):
        today = timezone.localdate()
        data = {
            "typed_name": councillor.name,
            "signed_on_0": str(today.day),
            "signed_on_1": str(today.month),
            "signed_on_2": str(today.year),
            "confirm": "on",
        } | overrides
        return client.post(self._url(councillor), {k: v for k, v in data.items() if v is not None})

    def test_records_who_recorded_it(self, client, member_services, data):
        councillor = data["d"]
        assert client.get(self._url(councillor)).status_code == 200
        response = self._post(client, councillor)
        assert response.status_code == 302
        ack = Acknowledgement.objects.get(councillor=councillor)
        assert ack.method == Acknowledgement.Method.PAPER
        assert ack.recorded_by == member_services
        assert ack.content_hash == data["version"].content_hash
        assert Requirement.objects.get(councillor=councillor).met_at is not None
        page = client.get(response.url).content.decode()
        assert "Signed paper form, recorded by" in page

    def test_an_earlier_signing_date_is_kept(self, client, member_services, data):
        version = data["version"]
        Version.objects.filter(pk=version.pk).update(published_at=timezone.now() - timedelta(days=10))
        signed = timezone.localdate() - timedelta(days=4)
        self._post(
            client, data["d"], signed_on_0=str(signed.day), signed_on_1=str(signed.month), signed_on_2=str(signed.year)
        )
        assert timezone.localdate(Acknowledgement.objects.get(councillor=data["d"]).acknowledged_at) == signed

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"typed_name": "Someone Else"}, "Enter the name exactly as it appears: Dan Outstanding"),
            ({"confirm": None}, "Confirm that you have the signed form"),
            ({"signed_on_2": str(timezone.localdate().year + 1)}, "The date signed must be today or in the past"),
            ({"signed_on_2": "2001"}, "when version 1 came into force"),
            ({"signed_on_0": "", "signed_on_1": "", "signed_on_2": ""}, "Enter"),
        ],
    )
    def test_bad_input_is_refused(self, client, member_services, data, overrides, message):
        response = self._post(client, data["d"], **overrides)
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert message in page
        assert not Acknowledgement.objects.filter(councillor=data["d"]).exists()

    def test_already_acknowledged(self, client, member_services, data):
        response = self._post(client, data["a"])
        assert response.status_code == 302
        assert Acknowledgement.objects.filter(councillor=data["a"]).count() == 1


class TestWhoMaySee:
    @pytest.mark.parametrize("name", ["compliance", "compliance_csv", "declarations"])
    def test_councillors_may_not(self, client, login, name):
        login(Role.COUNCILLOR)
        assert client.get(reverse(f"protocol:{name}")).status_code == 403

    def test_councillors_may_not_see_anyones_history(self, client, login, data):
        user = login(Role.COUNCILLOR)
        data["a"].user = user
        data["a"].save()
        assert client.get(reverse("protocol:councillor_history", args=[data["a"].pk])).status_code == 403

    def test_the_monitoring_officer_sees_compliance_but_does_not_record_paper_forms(self, client, login, data):
        login(Role.MONITORING_OFFICER)
        assert client.get(URL).status_code == 200
        page = client.get(reverse("protocol:councillor_history", args=[data["d"].pk])).content.decode()
        assert reverse("protocol:record_paper", args=[data["d"].pk]) not in page
        assert client.get(reverse("protocol:record_paper", args=[data["d"].pk])).status_code == 403
