"""Factories and builders for protocol versions. Published versions are made through the
services, so that they are in the state publishing really leaves them in."""

from __future__ import annotations

from collections.abc import Iterable

import factory
from django.utils.text import slugify

from protocol import services
from protocol.models import Protocol, Section, Version


class ProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Protocol
        django_get_or_create = ["slug"]

    title = "Social media protocol for councillors"
    slug = services.DEFAULT_PROTOCOL_SLUG


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Version

    protocol = factory.SubFactory(ProtocolFactory)
    number = factory.LazyAttribute(lambda o: (o.protocol.versions.order_by("-number").first() or _Zero).number + 1)
    change_summary = "A change."


class _Zero:
    number = 0


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    version = factory.SubFactory(VersionFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    body = "Councillors should think before they post."


DEFAULT_SECTIONS = (
    ("Introduction", "This protocol guides councillors on social media."),
    ("Responsibilities", "You are responsible for what you post.\n\n- Be respectful\n- Be accurate"),
)


def make_draft(
    sections: Iterable[tuple[str, str]] = DEFAULT_SECTIONS, *, protocol: Protocol | None = None, **kwargs
) -> Version:
    version = VersionFactory(protocol=protocol or ProtocolFactory(), **kwargs)
    for order, (title, body) in enumerate(sections, start=1):
        SectionFactory(version=version, order=order, title=title, slug=slugify(title), body=body)
    return version


def make_published(sections: Iterable[tuple[str, str]] = DEFAULT_SECTIONS, **kwargs) -> Version:
    return services.publish_version(actor=None, version=make_draft(sections, **kwargs))
