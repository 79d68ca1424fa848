"""The councillor directory list at council scale: 5,000 councillors in 300 authorities."""

from __future__ import annotations

from django.test import Client

from bench.common import Results, measure_page
from council.models import Authority, Councillor, PoliticalGroup, Ward
from council.roles import Role
from tests.factories import make_user


def _generate(authorities: int = 300, councillors: int = 5000) -> None:
    auths = Authority.objects.bulk_create(
        Authority(name=f"Bench Authority {i}", slug=f"bench-authority-{i}") for i in range(authorities)
    )
    wards = Ward.objects.bulk_create(Ward(authority=a, name=f"Ward {j}") for a in auths for j in range(5))
    groups = PoliticalGroup.objects.bulk_create(
        PoliticalGroup(authority=a, name=f"Group {j}") for a in auths for j in range(3)
    )
    Councillor.objects.bulk_create(
        Councillor(
            authority=auths[i % authorities],
            ward=wards[(i % authorities) * 5 + i % 5],
            political_group=groups[(i % authorities) * 3 + i % 3],
            name=f"Councillor Number {i}",
            email=f"cllr{i}@bench.example",
        )
        for i in range(councillors)
    )


def run(results: Results) -> None:
    _generate()
    user = make_user(Role.MEMBER_SERVICES)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    queries, median_ms = measure_page(client, "/directory/councillors/")
    results.add("council.councillor_list.queries", queries, "queries")
    results.add("council.councillor_list.median_ms", median_ms, "ms")
