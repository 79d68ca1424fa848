"""Making a complaint: the public journey, signed-in people, routing, spam and abuse, safeguarding."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from complaints.models import CodeHeading, Complaint, EqualityMonitoring, Evidence, Post, Stage, TimelineEntry
from council.models import Authority
from council.roles import Role
from tests.complaints.factories import PNG, form_data, use_private_storage
from tests.factories import AuthorityFactory, CouncillorFactory, ParishFactory, make_user

pytestmark = pytest.mark.django_db

NEW = reverse("complaints:new")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    cache.clear()


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/complaints/track/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_start_page_explains_and_links(client):
    page = client.get(reverse("complaints:start")).content.decode()
    assert "Code of Conduct" in page and "council services" in page
    for name in ("complaints:new", "complaints:safeguarding", "complaints:wales"):
        assert f'href="{reverse(name)}"' in page
    assert "999" in page


def test_wales_page_points_to_the_ombudsman(client):
    page = client.get(reverse("complaints:wales")).content.decode()
    assert "www.ombudsman.wales" in page and "0300 790 0203" in page


def test_the_public_journey(client, outbox):
    principal = AuthorityFactory()
    councillor = CouncillorFactory(authority=principal, name="Sam Jones")
    mo = make_user(Role.MONITORING_OFFICER, authority=principal)
    other_mo = make_user(Role.MONITORING_OFFICER, authority=AuthorityFactory())
    heading = CodeHeading.objects.filter(is_active=True).first()

    response = client.post(
        NEW, form_data(councillor, headings=[str(heading.pk)], post0_files=_png("shot.png")), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("complaints:check_email")
    assert "pat@example.com" in response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.stage == Stage.DRAFT and complaint.email_confirmed_at is None
    assert complaint.principal_authority == principal
    assert list(complaint.headings.all()) == [heading]
    post = complaint.posts.get()
    assert post.platform == "Facebook" and post.posted_at.hour == 14 and post.posted_at.minute == 30
    assert complaint.evidence.get().post == post
    [confirm] = outbox
    assert confirm.to == ["pat@example.com"]
    link = _link(confirm)

    review = client.get(link)
    assert review.status_code == 200
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is not None
    page = review.content.decode()
    assert "Sam Jones" in page and "shot.png" in page and "A rude post about a resident" in page
    assert '<meta name="referrer" content="no-referrer">' in page
    assert review["Referrer-Policy"] == "no-referrer"

    outbox.clear()
    status = client.post(link, {"send": ""}, follow=True)
    complaint.refresh_from_db()
    assert complaint.stage == Stage.RECEIVED and complaint.reference
    page = status.content.decode()
    assert complaint.reference in page and "Received" in page
    to_mo = [m for m in outbox if m.to == [mo.email]]
    assert len(to_mo) == 1 and complaint.reference in to_mo[0].body
    # Email is less secure: the officers' email has the reference and a link, not the complaint.
    assert "pat@example.com" not in to_mo[0].body and "rude post" not in to_mo[0].body
    assert not [m for m in outbox if m.to == [other_mo.email]]
    [to_complainant] = [m for m in outbox if m.to == ["pat@example.com"]]
    assert complaint.reference in to_complainant.body and "/track/" not in to_complainant.body


def test_a_signed_in_councillor_submits_directly(client, login, outbox):
    principal = AuthorityFactory()
    target = CouncillorFactory(authority=principal)
    user = login(Role.COUNCILLOR, full_name="Chris Member")
    CouncillorFactory(authority=principal, user=user)

    form = client.get(NEW).content.decode()
    assert 'value="Chris Member"' in form
    assert re.search(r'value="councillor"\s+checked|checked[^>]*value="councillor"', form)
    data = form_data(target, complainant_email="someone-else@example.com", complainant_type="councillor")
    data["equality-sex"] = "Female"
    response = client.post(NEW, data, follow=True)
    complaint = Complaint.objects.get()
    assert complaint.stage == Stage.RECEIVED and complaint.submitted_by == user
    # The account's address is used; no confirmation is needed.
    assert complaint.complainant_email == user.email
    assert complaint.complainant_type == "councillor"
    assert complaint.reference in response.content.decode()
    assert EqualityMonitoring.objects.get().sex == "Female"


def test_an_officer_is_offered_the_officer_type(client, login):
    login(Role.MEMBER_SERVICES)
    assert re.search(r'value="officer"\s+checked|checked[^>]*value="officer"', client.get(NEW).content.decode())


def test_a_parish_councillor_goes_to_the_principal_authority(client):
    parish = ParishFactory()
    councillor = CouncillorFactory(authority=parish)
    client.post(NEW, form_data(councillor))
    assert Complaint.objects.get().principal_authority == parish.principal


def test_a_welsh_councillor_is_sent_to_the_ombudsman(client, outbox):
    welsh = AuthorityFactory(nation=Authority.Nation.WALES)
    councillor = CouncillorFactory(authority=ParishFactory(principal=welsh))
    response = client.post(NEW, form_data(councillor))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Public Services Ombudsman for Wales" in page and "www.ombudsman.wales" in page
    assert not Complaint.objects.exists() and not outbox


def test_validation_errors_keep_what_was_entered(client):
    councillor = CouncillorFactory(name="Kim Lee")
    data = form_data(councillor, outcome_sought="", post0_time="25 o'clock", post0_files=_png("a.png"))
    response = client.post(NEW, data)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Enter the outcome you are looking for" in page
    assert "Enter the time of post 1" in page
    assert 'value="Pat Complainant"' in page and "A rude post about a resident" in page
    assert "Kim Lee" in page and re.search(rf'value="{councillor.pk}"\s+checked', page)
    assert "Choose them again" in page
    assert not Complaint.objects.exists() and not Evidence.objects.exists()


def test_a_post_needs_what_it_said_and_at_least_one_post(client):
    councillor = CouncillorFactory()
    blank = {f"post0_{name}": "" for name in ("platform", "url", "date_0", "date_1", "date_2", "time", "content")}
    page = client.post(NEW, form_data(councillor, **blank)).content.decode()
    assert "Tell us what the post said or showed" in page
    page = client.post(NEW, form_data(councillor, post1_platform="X")).content.decode()
    assert "Tell us what post 2 said or showed" in page
    assert not Complaint.objects.exists()


def test_confidentiality_needs_reasons(client):
    page = client.post(NEW, form_data(CouncillorFactory(), confidentiality_requested="on")).content.decode()
    assert "Give your reasons" in page
    assert not Complaint.objects.exists()


def test_searching_for_a_councillor_keeps_the_form(client):
    parish = ParishFactory(name="Little Snoring Parish Council")
    wanted = CouncillorFactory(authority=parish, name="Robin Hood")
    CouncillorFactory(name="Someone Else")
    data = form_data(wanted, councillors=None, councillor_q="snoring", search="")
    data.pop("continue")
    response = client.post(NEW, data)
    page = response.content.decode()
    assert "Robin Hood, Little Snoring Parish Council" in page and "Someone Else" not in page
    assert "govuk-error-summary" not in page
    assert 'value="Pat Complainant"' in page
    assert not Complaint.objects.exists()


def test_the_councillor_search_page(client):
    CouncillorFactory(name="Alex Carter", authority=ParishFactory(name="Upper Parish Council"))
    page = client.get(reverse("complaints:councillor_search"), {"q": "carter"}).content.decode()
    assert "Alex Carter" in page and "Upper Parish Council" in page
    assert f"{NEW}?councillor=" in page


def test_the_honeypot_pretends_and_saves_nothing(client, outbox):
    response = client.post(NEW, form_data(CouncillorFactory(), website="http://spam.example"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("complaints:check_email")
    assert "Check your email" in response.content.decode()
    assert not Complaint.objects.exists() and not outbox


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get(NEW).content.decode()
    assert re.search(
        r'<div class="govuk-visually-hidden"[^>]*>\s*<label for="id_website">Leave this blank</label>', page
    )
    assert re.search(r'name="website"[^>]*tabindex="-1"[^>]*autocomplete="off"', page)


def test_rate_limit_per_email(client):
    councillor = CouncillorFactory()
    for n in range(3):
        assert client.post(NEW, form_data(councillor), REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
    response = client.post(NEW, form_data(councillor), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert Complaint.objects.count() == 3


def test_rate_limit_per_ip_address(client):
    councillor = CouncillorFactory()
    for n in range(5):
        data = form_data(councillor, complainant_email=f"person{n}@example.com")
        assert client.post(NEW, data, REMOTE_ADDR="10.1.1.1").status_code == 302
    response = client.post(NEW, form_data(councillor, complainant_email="new@example.com"), REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert Complaint.objects.count() == 5


@pytest.mark.parametrize(
    ("answers", "stored"),
    [({}, 0), ({"equality-age_band": "25 to 34", "equality-religion": "Prefer not to say"}, 1)],
)
def test_equality_answers_are_stored_apart_and_only_when_given(client, outbox, answers, stored):
    client.post(NEW, form_data(CouncillorFactory()))
    link = _link(outbox[0])
    client.get(link)
    client.post(link, {"send": "", **answers})
    assert Complaint.objects.get().stage == Stage.RECEIVED
    assert EqualityMonitoring.objects.count() == stored
    if stored:
        row = EqualityMonitoring.objects.get()
        assert row.age_band == "25 to 34" and row.sex == ""
        assert not [f for f in EqualityMonitoring._meta.get_fields() if f.related_model is Complaint]


def test_a_draft_can_be_changed_through_the_link(client, outbox):
    councillor = CouncillorFactory()
    client.post(NEW, form_data(councillor, post0_files=_png("first.png")))
    link = _link(outbox[0])
    client.get(link)
    form = client.get(link + "?change=1").content.decode()
    assert "Change your complaint" in form and "A rude post about a resident" in form
    data = form_data(councillor, outcome_sought="Training", post1_platform="X", post1_content="Second post")
    data["save"] = ""
    response = client.post(link + "?change=1", data, follow=True)
    assert "Your changes have been saved" in response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.outcome_sought == "Training" and complaint.posts.count() == 2
    # The file sent first is kept, still with its post.
    assert complaint.evidence.get().post == complaint.posts.order_by("pk").first()


def test_safeguarding_concern_emails_the_leads_and_creates_no_complaint(client, outbox, settings):
    settings.COMPLAINTS_SAFEGUARDING_EMAILS = ["lead@council.example", "deputy-lead@council.example"]
    page = client.get(reverse("complaints:safeguarding")).content.decode()
    assert "999" in page
    response = client.post(
        reverse("complaints:safeguarding"),
        {"concern": "A child is being groomed", "who_where": "@someone on Instagram", "when": "Last night"},
        follow=True,
    )
    assert "Safeguarding concern sent" in response.content.decode()
    [message] = outbox
    assert message.to == ["lead@council.example", "deputy-lead@council.example"]
    assert "A child is being groomed" in message.body and "@someone on Instagram" in message.body
    assert not Complaint.objects.exists() and not Post.objects.exists() and not TimelineEntry.objects.exists()


def test_safeguarding_form_needs_the_concern(client, outbox):
    page = client.post(reverse("complaints:safeguarding"), {"concern": "", "who_where": ""}).content.decode()
    assert "Tell us what your concern is" in page and not outbox


def _png(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_no_councillor_chosen_is_reported_by_the_search_box(client):
    page = client.post(NEW, form_data(CouncillorFactory(), councillors=None)).content.decode()
    assert 'href="#id_councillor_q"' in page and "Search for the councillor and select them" in page
    assert not Complaint.objects.exists()
