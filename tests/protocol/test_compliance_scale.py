"""The compliance dashboard with many authorities: only the rows it shows leave the database, and
the filters offer principal councils first, then the chosen one's parish councils, groups and wards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from council.models import Authority, Councillor, PoliticalGroup, Ward
from protocol import selectors
from protocol.models import Requirement
from protocol.selectors import TABLE_LIMIT, ComplianceFilters, Figures
from tests.factories import AuthorityFactory, CouncillorFactory
from tests.protocol.test_compliance import publish_first_version

pytestmark = pytest.mark.django_db

URL = reverse("protocol:compliance")
PRINCIPALS, PARISHES_EACH, PER_AUTHORITY = 100, 2, 10


@pytest.fixture
def country():
    """100 principal councils with two parish councils each (300 authorities), two wards and two
    groups in each, and 3,000 serving councillors: in each authority one without a group and one
    without a ward, and a share acknowledged that varies by authority, so the percentages differ."""
    principals = Authority.objects.bulk_create(
        Authority(name=f"Scale Principal {i:03d}", slug=f"scale-principal-{i:03d}") for i in range(PRINCIPALS)
    )
    parishes = Authority.objects.bulk_create(
        Authority(
            name=f"Scale Parish {i:03d}-{j}",
            slug=f"scale-parish-{i:03d}-{j}",
            kind=Authority.Kind.PARISH,
            principal=p,
        )
        for i, p in enumerate(principals)
        for j in range(PARISHES_EACH)
    )
    authorities = principals + parishes
    wards = Ward.objects.bulk_create(Ward(authority=a, name=f"Ward {w}") for a in authorities for w in "AB")
    groups = PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"Group {g}") for a in authorities for g in "AB"
    )
    n = len(authorities)
    Councillor.objects.bulk_create(
        Councillor(
            authority=authorities[i % n],
            name=f"Scale Councillor {i:05d}",
            ward=None if i // n == 9 else wards[(i % n) * 2 + (i // n) % 2],
            political_group=None if i // n == 8 else groups[(i % n) * 2 + (i // n) % 2],
        )
        for i in range(n * PER_AUTHORITY)
    )
    version = publish_first_version()
    # In authority number a, councillors with i // n below a % 11 have acknowledged; of the rest,
    # every third is overdue.
    requirements = Requirement.objects.filter(version=version).values_list("pk", "councillor__name")
    met, overdue = [], []
    for pk, name in requirements:
        i = int(name.rsplit(" ", 1)[1])
        (met if i // n < (i % n) % 11 else overdue if i % 3 == 0 else []).append(pk)
    Requirement.objects.filter(pk__in=met).update(met_at=timezone.now())
    Requirement.objects.filter(pk__in=overdue).update(due_date=timezone.localdate() - timedelta(days=2))
    return {"version": version, "principals": principals, "parishes": parishes}


def _every_row(key: str, none_label: str) -> list[Figures]:
    """The whole breakdown, worked out in Python from every requirement: what the page used to do."""
    today = timezone.localdate()
    rows: dict[tuple, Figures] = {}
    for r in Requirement.objects.filter(councillor__is_active=True).values(
        f"councillor__{key}_id", f"councillor__{key}__name", "councillor__authority__name", "met_at", "due_date"
    ):
        authority = r["councillor__authority__name"]
        label = r[f"councillor__{key}__name"] or none_label
        row = rows.setdefault((r[f"councillor__{key}_id"], authority), Figures(label=label, authority=authority))
        row.required += 1
        row.acknowledged += r["met_at"] is not None
        row.outstanding += r["met_at"] is None
        row.overdue += r["met_at"] is None and r["due_date"] < today
    return sorted(rows.values(), key=lambda f: (f.percent, -f.overdue, f.authority, f.label))


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select, name
    return re.findall(r"<option [^>]*>([^<]*)</option>", select.group(0))


class TestBreakdowns:
    def test_only_the_shown_rows_come_back_and_the_totals_are_right(self, country):
        with CaptureQueriesContext(connection) as queries:
            dashboard = selectors.compliance_dashboard(country["version"], ComplianceFilters())
        # One aggregate, and one grouped query per table cut short by the database (which also
        # says how many rows the table has in all).
        assert len(queries) == 4
        grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
        assert len(grouped) == 3
        assert all(sql.rstrip().endswith(f"LIMIT {TABLE_LIMIT}") for sql in grouped)

        assert dashboard.overall.required == 3000
        assert dashboard.overall.acknowledged == Requirement.objects.filter(met_at__isnull=False).count()
        for table, key, none_label, total in (
            (dashboard.by_authority, "authority", "None", 300),
            # 600 groups, and those without one in each of the 300 authorities.
            (dashboard.by_group, "political_group", "No group", 900),
            (dashboard.by_ward, "ward", "No ward", 900),
        ):
            every = _every_row(key, none_label)
            assert table.total == len(every) == total
            assert len(table.rows) == TABLE_LIMIT and table.truncated
            assert table.rows == every[:TABLE_LIMIT]

    def test_the_page_says_how_many_it_shows(self, client, member_services, country):
        page = client.get(URL).content.decode()
        assert "The 100 of 300 with the lowest percentage acknowledged" in page
        assert "The 100 of 900 with the lowest percentage acknowledged" in page

    def test_a_parish_council_on_its_own(self, country):
        parish = country["parishes"][0]
        dashboard = selectors.compliance_dashboard(country["version"], ComplianceFilters(authority_id=parish.pk))
        assert dashboard.overall.required == PER_AUTHORITY
        assert [row.label for row in dashboard.by_authority.rows] == [parish.name]
        assert dashboard.by_group.total == 3 and not dashboard.by_group.truncated
        assert dashboard.by_ward.total == 3


class TestFilters:
    def test_the_authority_select_lists_principal_councils_only(self, client, member_services, country):
        page = client.get(URL).content.decode()
        authorities = _options(page, "authority")
        assert authorities == ["Any authority"] + [p.name for p in country["principals"]]
        assert _options(page, "parish") == ["None"]
        assert "Choose a principal council and apply the filters to choose one of its parish" in page
        assert _options(page, "political_group") == ["Any group"]
        assert _options(page, "ward") == ["Any ward"]
        assert page.count("Choose an authority and apply the filters to choose from its list.") == 2

    def test_choosing_a_principal_offers_its_parishes_groups_and_wards(self, client, member_services, country):
        principal = country["principals"][1]
        page = client.get(URL, {"authority": principal.pk}).content.decode()
        assert _options(page, "parish") == ["None", "Scale Parish 001-0", "Scale Parish 001-1"]
        assert _options(page, "political_group") == ["Any group", "Group A", "Group B"]
        assert _options(page, "ward") == ["Any ward", "Ward A", "Ward B"]
        assert f"of {PER_AUTHORITY} councillors matching the filters" in page

    def test_then_a_parish(self, client, member_services, country):
        principal, parish = country["principals"][1], country["parishes"][2]
        page = client.get(URL, {"authority": principal.pk, "parish": parish.pk}).content.decode()
        assert f'<option value="{parish.pk}" selected>' in page
        by_authority = page[page.index("By authority") : page.index("By political group")]
        assert f">{parish.name}</th>" in by_authority and principal.name not in by_authority
        # Its own groups on offer, not the principal council's.
        group = PoliticalGroup.objects.get(authority=parish, name="Group A")
        assert f'<option value="{group.pk}">Group A</option>' in page

    def test_a_parish_named_as_the_authority_is_found_under_its_principal(self, client, member_services, country):
        principal, parish = country["principals"][1], country["parishes"][2]
        page = client.get(URL, {"authority": parish.pk}).content.decode()
        assert "Choose an authority from the list" not in page
        assert f'<option value="{principal.pk}" selected>' in page
        assert f'<option value="{parish.pk}" selected>' in page
        by_authority = page[page.index("By authority") : page.index("By political group")]
        assert f">{parish.name}</th>" in by_authority and principal.name not in by_authority

    def test_a_parish_left_over_from_another_principal_is_dropped(self, client, member_services, country):
        principal, elsewhere = country["principals"][1], country["parishes"][0]
        page = client.get(URL, {"authority": principal.pk, "parish": elsewhere.pk}).content.decode()
        assert "Choose a parish or town council from the list" not in page
        assert f"of {PER_AUTHORITY} councillors matching the filters" in page
        assert _options(page, "parish") == ["None", "Scale Parish 001-0", "Scale Parish 001-1"]
        assert _options(page, "ward") == ["Any ward", "Ward A", "Ward B"]

    def test_a_parish_that_is_not_one_is_refused(self, client, member_services, country):
        page = client.get(URL, {"parish": country["principals"][1].pk}).content.decode()
        assert "Choose a parish or town council from the list" in page
        assert "3000 councillors" in page

    def test_the_csv_and_pdf_follow_the_parish(self, client, member_services, country, monkeypatch):
        principal, parish = country["principals"][1], country["parishes"][2]
        query = {"authority": principal.pk, "parish": parish.pk}
        response = client.get(reverse("protocol:compliance_csv"), query)
        body = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        assert len(body.strip().splitlines()) == 1 + PER_AUTHORITY
        assert parish.name in body and principal.name not in body

        from protocol import report_views

        seen = {}

        def fake_render(template, context):
            seen.update(context)
            return b"%PDF-"

        monkeypatch.setattr(report_views.pdf, "render_pdf", fake_render)
        assert client.get(reverse("protocol:compliance_pdf"), query).status_code == 200
        assert seen["dashboard"].overall.required == PER_AUTHORITY
        assert ("Authority", parish.name) in seen["filters"]

    def test_the_query_count_does_not_depend_on_the_choice(self, client, member_services, country):
        principal, parish = country["principals"][1], country["parishes"][2]

        def count(query) -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(URL, query).status_code == 200
            return len(queries)

        chosen = count({"authority": principal.pk})
        assert count({"authority": principal.pk, "parish": parish.pk}) == chosen
        assert count({"authority": principal.pk + 1}) == chosen


def test_a_council_without_parishes_is_not_offered_a_parish_select(client, member_services):
    north = AuthorityFactory(name="North Council")
    CouncillorFactory(authority=north)
    publish_first_version()
    for query in ({}, {"authority": north.pk}):
        page = client.get(URL, query).content.decode()
        assert '<select name="parish"' not in page
        assert _options(page, "authority") == ["Any authority", "North Council"]
