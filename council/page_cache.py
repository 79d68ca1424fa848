"""Whole public pages kept for visitors who are not signed in, dropped when their content changes.

The public protocol page is the portal's busiest page and the same for every anonymous reader.
A view opts in with ``@cached_for_anonymous``; ``PublicPageCacheMiddleware`` (high in the stack,
under the security and CSP middleware so every response still gets their headers) then keeps
the response and serves it again to anyone without a session cookie, without routing, database
queries or templates.

Entries are found through a generation number in the shared cache: ``invalidate()`` (called
when a protocol version is published) moves it on once the transaction commits, and every
process stops using what it kept. Each process keeps recent pages in memory and reads the
generation at most once every ``GENERATION_CHECK_SECONDS``, so a hit costs no database query or
cache read at all; the process that published sees the change at once, others within that time.

Only GET requests without a query string, from visitors without a session cookie, to paths
under ``PAGE_CACHE_PREFIXES`` are looked up; a response is kept only if it is a 200 that sets
no cookies (a page holding a CSRF token sets one, so forms are never shared).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
MARK = "_council_cached_for_anonymous"
LOCAL_ENTRIES = 64
# How often a process looks up the shared generation: how long another process may go on
# showing the page as it was before a version was published.
GENERATION_CHECK_SECONDS = 1.0
# A kept page is also dropped after this long, whatever happens.
TIMEOUT = 60 * 60
_SKIP_HEADERS = {"set-cookie", "content-length"}

_local: OrderedDict[tuple[int, str], tuple[int, list[tuple[str, str]], bytes]] = OrderedDict()
_lock = Lock()
# (generation, when it was read): this process's view of the shared generation.
_seen: list = [None, 0.0]


def cached_for_anonymous(view):
    """Let the middleware keep this view's page for visitors who are not signed in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapped


def invalidate() -> None:
    """Drop every kept page once the current transaction commits (at once outside one)."""
    transaction.on_commit(_advance)


def _advance() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or the cache was emptied): start afresh
        cache.set(GENERATION_KEY, time.time_ns(), None)
    with _lock:
        _local.clear()
        _seen[:] = [None, 0.0]


def _generation() -> int:
    now = time.monotonic()
    with _lock:
        generation, read_at = _seen
        if generation is not None and now - read_at < GENERATION_CHECK_SECONDS:
            return generation
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(GENERATION_KEY)
    with _lock:
        _seen[:] = [int(generation), now]
    return int(generation)


def _key(generation: int, path: str) -> str:
    return f"page-cache:{generation}:{path}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _eligible(request) -> bool:
        prefixes = tuple(settings.PAGE_CACHE_PREFIXES)
        return (
            bool(prefixes)
            and request.method == "GET"
            and not request.META.get("QUERY_STRING")
            and request.path.startswith(prefixes)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    def __call__(self, request):
        if not self._eligible(request):
            return self.get_response(request)
        try:
            generation = _generation()
        except Exception:  # the cache is down: serve the page the ordinary way
            logger.warning("Page cache unavailable", exc_info=True)
            return self.get_response(request)
        entry = self._lookup(generation, request.path)
        if entry is not None:
            return self._response(entry)
        response = self.get_response(request)
        keep = getattr(response, MARK, False) and response.status_code == 200 and not response.cookies
        if keep and not getattr(response, "streaming", False):
            self._keep(generation, request.path, response)
        return response

    @staticmethod
    def _lookup(generation: int, path: str):
        with _lock:
            entry = _local.get((generation, path))
            if entry is not None:
                _local.move_to_end((generation, path))
                return entry
        try:
            entry = cache.get(_key(generation, path))
        except Exception:
            return None
        if entry is not None:
            _remember(generation, path, entry)
        return entry

    @staticmethod
    def _keep(generation: int, path: str, response: HttpResponse) -> None:
        headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS]
        entry = (response.status_code, headers, response.content)
        _remember(generation, path, entry)
        try:
            cache.set(_key(generation, path), entry, TIMEOUT)
        except Exception:
            logger.warning("Could not keep a page in the cache", exc_info=True)

    @staticmethod
    def _response(entry) -> HttpResponse:
        status, headers, content = entry
        response = HttpResponse(content, status=status)
        for key, value in headers:
            response[key] = value
        return response


def _remember(generation: int, path: str, entry) -> None:
    with _lock:
        _local[(generation, path)] = entry
        _local.move_to_end((generation, path))
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
