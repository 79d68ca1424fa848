"""factory_boy factories for the whole project."""

from __future__ import annotations

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from faker import Faker

from council.models import (
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)
from council.roles import Role, requires_mfa

TEST_PASSWORD = "correct horse battery staple"
_faker = Faker("en_GB")


def _plain_name() -> str:
    # No apostrophes (O'Neill): pages escape them, which makes text assertions flaky.
    return _faker.name().replace("'", "")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@council.example")
    full_name = factory.LazyFunction(_plain_name)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


def make_user(role: str | None = None, *, mfa: bool = True, **kwargs) -> User:
    """A user holding ``role``; staff roles get a TOTP authenticator unless ``mfa=False``.

    The TOTP secret is kept on the user object as ``totp_secret`` so tests can sign in with a code."""
    user = UserFactory(roles=[role] if role else [], **kwargs)
    user.totp_secret = None
    if role and mfa and requires_mfa(user):
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Authority {n} Council")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    kind = Authority.Kind.PRINCIPAL


class ParishFactory(AuthorityFactory):
    name = factory.Sequence(lambda n: f"Parish {n} Council")
    kind = Authority.Kind.PARISH
    principal = factory.SubFactory(AuthorityFactory)
    clerk_name = "Parish Clerk"
    clerk_email = factory.Sequence(lambda n: f"clerk{n}@parish.example")


def make_principals_with_parishes(names=("North", "South", "West"), parishes: int = 100) -> list[Authority]:
    """Principal councils ("North District Council", …) with ``parishes`` parish and town councils
    each ("North Parish 001 Council", slug "<principal>-parish-001"): over the 200-option limit at
    which filters and forms switch to their national-scale behaviour."""
    principals = [AuthorityFactory(name=f"{n} District Council") for n in names]
    Authority.objects.bulk_create(
        Authority(
            name=f"{p.name.split()[0]} Parish {i:03d} Council",
            slug=f"{p.slug}-parish-{i:03d}",
            kind=Authority.Kind.PARISH if i % 2 else Authority.Kind.TOWN,
            principal=p,
        )
        for p in principals
        for i in range(parishes)
    )
    return principals


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")


class PoliticalGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliticalGroup

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class CouncillorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Councillor

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.LazyFunction(_plain_name)
    ward = factory.SubFactory(WardFactory, authority=factory.SelfAttribute("..authority"))
    political_group = factory.SubFactory(PoliticalGroupFactory, authority=factory.SelfAttribute("..authority"))
    email = factory.Sequence(lambda n: f"cllr{n}@council.example")
    is_active = True


class TermOfOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermOfOffice

    councillor = factory.SubFactory(CouncillorFactory)
    start_date = factory.Faker("date_between", start_date="-3y", end_date="-1y")


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"Committee {n}")


class CommitteeMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMembership

    committee = factory.SubFactory(CommitteeFactory)
    councillor = factory.SubFactory(CouncillorFactory, authority=factory.SelfAttribute("..committee.authority"))


__all__ = ["TEST_PASSWORD", "Role", "make_user"]
