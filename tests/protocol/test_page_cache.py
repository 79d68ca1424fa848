"""The public protocol page is kept for anonymous readers and dropped the moment a version is
published; signed-in people, query strings and pages that set cookies are never shared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from council import page_cache
from council.roles import Role
from tests.protocol.factories import make_draft, make_published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    settings.PAGE_CACHE_PREFIXES = ["/protocol/"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}}
    from django.core.cache import cache

    cache.clear()
    page_cache._local.clear()
    page_cache._seen[:] = [None, 0.0]
    yield
    page_cache._local.clear()
    page_cache._seen[:] = [None, 0.0]


def _get(client, url="/protocol/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_a_second_anonymous_reader_gets_the_kept_page_without_queries(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_published([("Introduction", "Be kind online.")])
    first, first_queries = _get(Client())
    second, second_queries = _get(Client())

    assert first_queries > 0 and second_queries == 0
    assert second.status_code == 200 and second.content == first.content
    assert "Be kind online." in second.content.decode()
    # The kept page still carries the security headers.
    assert "default-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert second["X-Content-Type-Options"] == "nosniff"


def test_publishing_a_version_drops_the_kept_page(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = make_published([("Introduction", "The first words.")])
    _get(Client())
    from protocol import services

    draft = make_draft([("Introduction", "The second words.")], protocol=version.protocol, number=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_version(actor=None, version=draft)

    page, _ = _get(Client())
    assert "The second words." in page.content.decode()
    assert "The first words." not in page.content.decode()


def test_a_version_page_is_kept_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = make_published([("Introduction", "Version words.")])
    url = f"/protocol/{version.protocol.slug}/v{version.number}/"
    _get(Client(), url)
    page, queries = _get(Client(), url)
    assert queries == 0 and "Version words." in page.content.decode()


def test_signed_in_people_get_their_own_page(client, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_published()
    _get(Client())
    login(Role.COUNCILLOR)
    page, queries = _get(client)
    assert queries > 0
    assert "Sign out" in page.content.decode()


def test_a_query_string_is_never_kept(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_published()
    _get(Client(), "/protocol/?utm=x")
    _, queries = _get(Client(), "/protocol/?utm=x")
    assert queries > 0


def test_a_page_that_sets_a_cookie_is_not_kept():
    # The versions page is public but not marked for keeping.
    page, _ = _get(Client(), "/protocol/versions/")
    assert page.status_code in (200, 404)
    assert not page_cache._local


def test_the_page_is_served_the_ordinary_way_when_the_cache_is_down(monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_published([("Introduction", "Still here.")])

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache, "_generation", broken)
    page, _ = _get(Client())
    assert page.status_code == 200 and "Still here." in page.content.decode()


def test_a_marked_page_that_sets_a_cookie_or_fails_is_not_kept(rf, settings):
    settings.PAGE_CACHE_PREFIXES = ["/protocol/"]

    @page_cache.cached_for_anonymous
    def with_cookie(request):
        response = HttpResponse("x")
        response.set_cookie("csrftoken", "secret")
        return response

    @page_cache.cached_for_anonymous
    def failing(request):
        return HttpResponse("no", status=500)

    for view in (with_cookie, failing):
        page_cache.PublicPageCacheMiddleware(view)(rf.get("/protocol/"))
    assert not page_cache._local


def test_another_process_sees_a_publication_within_the_check_interval(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        make_published([("Introduction", "Old words.")])
    _get(Client())
    # Another process publishes: the shared generation moves on, this process has not seen it.
    from django.core.cache import cache

    cache.incr(page_cache.GENERATION_KEY)
    _, queries = _get(Client())
    assert queries == 0  # still within the interval: the page as this process kept it
    monkeypatch.setattr(page_cache, "GENERATION_CHECK_SECONDS", 0)
    _, queries = _get(Client())
    assert queries > 0  # the new generation is read and the page made afresh
