"""Training test data."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories import CouncillorFactory
from training.models import Booking, Course, Interest, MandatoryRule, Session, Topic, TrainingRecord


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    description = "What the course covers."
    topic = Topic.CODE_OF_CONDUCT


class MandatoryRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MandatoryRule

    course = factory.SubFactory(CourseFactory)
    kind = MandatoryRule.Kind.ALL_COUNCILLORS
    within_months = 6


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    duration_minutes = 120
    venue = "Committee Room 1, Town Hall"
    trainer = "Pat Trainer"
    capacity = 10


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    councillor = factory.SubFactory(CouncillorFactory)
    status = Booking.Status.BOOKED


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    course = factory.SubFactory(CourseFactory)
    councillor = factory.SubFactory(CouncillorFactory)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    councillor = factory.SubFactory(CouncillorFactory)
    course = factory.SubFactory(CourseFactory)
    title = factory.SelfAttribute("course.title")
    completed_on = factory.LazyFunction(timezone.localdate)
    source = TrainingRecord.Source.MANUAL
