"""bench/national.py at a tiny scale: the loader writes rows every page can show (so a new
required model field fails here, not ten minutes into ``make bench``), and each floor shows
the same figures as the page it stands beside."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bench import national, national_data
from bench import national_floors as floors
from complaints import reports
from complaints.models import Complaint
from council.models import Authority, Councillor
from protocol.models import Acknowledgement, Requirement
from training import mandatory

SIZES = {
    "PRINCIPALS": 4,
    "PARISHES_PER_PRINCIPAL": 2,
    "AUTHORITIES": 12,
    "COUNCILLORS_PER_PRINCIPAL": 12,
    "COUNCILLORS": 80,
    "ACKNOWLEDGEMENTS": 200,
    "COMPLAINTS": 300,
    "SESSIONS": 60,
    "MANUAL_RECORDS": 100,
    "CHUNK": 50,
    "VERSIONS": 4,
}


@pytest.fixture
def small_nation(db, monkeypatch):
    for name, value in SIZES.items():
        monkeypatch.setattr(national_data, name, value)
    return national_data.NationalData(progress=lambda line: None).load()


def test_it_loads_the_data_set(small_nation):
    assert small_nation["council_authority"] == Authority.objects.count() == 12
    assert Authority.objects.filter(kind=Authority.Kind.PRINCIPAL).count() == 4
    assert small_nation["council_councillor"] == Councillor.objects.count() == 80
    assert Acknowledgement.objects.count() == 200  # more were due: the surplus is taken off
    assert Complaint.objects.count() == 300
    # Every acknowledgement meets the requirement it answers.
    assert Requirement.objects.filter(acknowledgement__isnull=False).count() == 200
    assert not Requirement.objects.filter(acknowledgement__isnull=False, met_at__isnull=True).exists()


def test_the_floors_show_what_the_pages_show(small_nation):
    period = reports.last_financial_year()
    report = reports.annual_report(period)
    annual = floors.annual_floor(period).content.decode()
    assert f"<h1>{report['total']} complaints</h1>" in annual
    for timing in report["timings"]:
        assert f"{timing.name}: {timing.measured} measured" in annual

    first_page = list(mandatory.councillors_for({}).values_list("pk", flat=True)[: floors.MATRIX_PAGE])
    grid = mandatory.matrix({"councillors": first_page})
    expected = Counter(cell.label for row in grid.rows for cell in row.requirements)
    cells = re.findall(r"<td>([^<]+)</td>", floors.matrix_floor().content.decode())
    assert Counter("Outstanding" if c.startswith("Due ") else c for c in cells) == expected


def test_every_page_and_floor_answers(small_nation, settings):
    for page in national._pages():
        measured = national.measure(page, repeat=1)
        assert measured.queries > 0
        assert measured.floor_queries > 0
