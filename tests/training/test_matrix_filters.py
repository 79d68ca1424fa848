"""The mandatory-training matrix's filters at national scale, through the HTTP client.

Beyond MatrixFilterForm.MAX_UNFILTERED_OPTIONS groups (or committees) their selects list only the
chosen authority's; beyond as many authorities the authority select lists principal councils and a
second select the chosen one's parishes.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from council.models import Authority, Committee, PoliticalGroup
from tests.factories import AuthorityFactory, CommitteeMembershipFactory, CouncillorFactory
from training.models import Course, MandatoryRule, Topic

pytestmark = pytest.mark.django_db

MATRIX = reverse("training:matrix")


def options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))


def get(client, url: str = MATRIX, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def everyone_must_train():
    course = Course.objects.create(title="Code of conduct", topic=Topic.PLANNING)
    MandatoryRule.objects.create(course=course, kind=MandatoryRule.Kind.ALL_COUNCILLORS, within_months=2)


@pytest.fixture
def councils():
    """3 principal councils with 70 political groups and 70 committees each (210 of each, over the limit)."""
    principals = [AuthorityFactory(name=f"{n} District Council") for n in ("North", "South", "West")]
    PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"{a.name.split()[0]} Group {i:02d}") for a in principals for i in range(70)
    )
    Committee.objects.bulk_create(
        Committee(authority=a, name=f"{a.name.split()[0]} Committee {i:02d}") for a in principals for i in range(70)
    )
    return principals


def group(authority: Authority, i: int = 0) -> PoliticalGroup:
    return PoliticalGroup.objects.get(authority=authority, name__endswith=f"Group {i:02d}")


def committee(authority: Authority, i: int = 0) -> Committee:
    return Committee.objects.get(authority=authority, name__endswith=f"Committee {i:02d}")


def test_groups_and_committees_are_offered_once_an_authority_is_chosen(client, member_services, councils):
    north, south, _west = councils
    page = get(client)
    assert options(page, "political_group") == [("", "Any group")]
    assert options(page, "committee") == [("", "Any committee")]
    assert page.count("Choose an authority and apply the filters to choose from its list.") == 2
    assert "North Group 00" not in page and "North Committee 00" not in page

    page = get(client, authority=north.pk)
    groups, committees = options(page, "political_group")[1:], options(page, "committee")[1:]
    assert len(groups) == len(committees) == 70
    assert all(html.unescape(label).endswith("(North District Council)") for _v, label in groups + committees)
    assert str(group(south).pk) not in {value for value, _label in groups}


def test_it_filters_by_the_chosen_authoritys_group_and_committee(client, member_services, councils):
    north, south, _west = councils
    in_group = CouncillorFactory(authority=north, political_group=group(north, 1), name="Grace Group")
    on_committee = CouncillorFactory(authority=north, name="Colin Committee")
    CommitteeMembershipFactory(councillor=on_committee, committee=committee(north, 2))
    CouncillorFactory(authority=south, name="Sam South")

    page = get(client, authority=north.pk, political_group=group(north, 1).pk, committee="")
    assert "Grace Group" in page and "Colin Committee" not in page and "Sam South" not in page
    page = get(client, authority=north.pk, committee=committee(north, 2).pk)
    assert "Colin Committee" in page and "Grace Group" not in page
    # A link naming a group without an authority still works.
    page = get(client, political_group=group(north, 1).pk)
    assert "Grace Group" in page and "Sam South" not in page
    assert in_group.name in page


def test_a_group_left_over_from_another_authority_is_dropped(client, member_services, councils):
    north, south, _west = councils
    CouncillorFactory(authority=south, name="Sam South")
    # Chose a North group, then switched the authority to South and applied.
    page = get(client, authority=south.pk, political_group=group(north).pk, committee=committee(north).pk)
    assert "govuk-error-summary" not in page
    assert "Sam South" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"political_group": "abc"}, "Choose a political group from the list"),
        ({"committee": "999999"}, "Choose a committee from the list"),
        ({"authority": "-1"}, "Choose an authority from the list"),
    ],
)
def test_bad_filter_values_are_still_explained(client, member_services, councils, params, message):
    CouncillorFactory(authority=councils[0], name="Nora North")
    page = get(client, **params)
    assert message in page
    assert "Nora North" in page


def test_the_matrix_makes_the_same_number_of_queries_for_3_and_30_councillors(client, member_services, councils):
    north = councils[0]
    params = {"authority": north.pk, "political_group": group(north).pk}
    get(client, **params)
    CouncillorFactory.create_batch(3, authority=north, political_group=group(north))
    with CaptureQueriesContext(connection) as few:
        get(client, **params)
    CouncillorFactory.create_batch(27, authority=north, political_group=group(north))
    with CaptureQueriesContext(connection) as many:
        page = get(client, **params)
    assert "30 councillors" in page
    assert len(many) == len(few), [q["sql"] for q in many]


def test_with_hundreds_of_parishes_the_authority_select_lists_principal_councils(client, member_services, councils):
    north, _south, _west = councils
    Authority.objects.bulk_create(
        Authority(name=f"{p.name.split()[0]} Parish {i:03d} Council", slug=f"{p.slug}-{i}", kind="parish", principal=p)
        for p in councils
        for i in range(100)
    )
    parish = Authority.objects.get(slug=f"{north.slug}-7")
    CouncillorFactory(authority=parish, name="Pat Parish")
    CouncillorFactory(authority=north, name="Nora North")

    page = get(client)
    assert [v for v, _label in options(page, "authority")] == [""] + [str(a.pk) for a in councils]
    assert options(page, "parish") == [("", "None")]

    page = get(client, authority=north.pk)
    assert len(options(page, "parish")) == 101
    assert "Nora North" in page and "Pat Parish" not in page

    page = get(client, authority=north.pk, parish=parish.pk)
    assert "Pat Parish" in page and "Nora North" not in page
    # The spreadsheet keeps the parish filter.
    csv_url = reverse("training:matrix_csv") + f"?authority={parish.pk}"
    assert html.escape(csv_url) in page or csv_url in page
    rows = list(csv.reader(io.StringIO(client.get(csv_url).content.decode())))
    assert [row[0] for row in rows[1:]] == ["Pat Parish"]
