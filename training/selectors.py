"""Queries the training pages and reports share."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .models import Booking, Session


def sessions_with_counts() -> QuerySet[Session]:
    """Sessions with their course, and how many are booked and waiting."""
    return Session.objects.select_related("course").annotate(
        booked=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)),
        waiting=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITING)),
    )


def session_with_counts(pk: int) -> Session:
    """One session (404 if there is none), with its counts."""
    return get_object_or_404(sessions_with_counts(), pk=pk)


def matrix_csv_url(query: str) -> str:
    """The matrix CSV's address with the page's filters (an encoded query string)."""
    return reverse("training:matrix_csv") + (f"?{query}" if query else "")
