"""Pages of long lists, with links for the GOV.UK pagination component
(templates/council/includes/pagination.html). Used by every app's list pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def get_page(request: HttpRequest, paginator: Paginator) -> Page:
    """The page asked for; a page that does not exist gets the nearest one and a message."""
    asked = request.GET.get("page") or "1"
    page = paginator.get_page(asked)
    if asked != str(page.number):
        messages.info(request, f"There is no page {asked[:20]} of the list. You are looking at page {page.number}.")
    return page


def page_link(request: HttpRequest, number: int) -> str:
    """The current address (filters kept) at another page."""
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def pagination(request: HttpRequest, page: Page) -> dict | None:
    """Links for the GOV.UK pagination component: first, last, and the pages
    around the current one, with ellipses between. None for a single page."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": page_link(request, number), "current": number == page.number})
    return {
        "items": items,
        "previous": page_link(request, page.previous_page_number()) if page.has_previous() else None,
        "next": page_link(request, page.next_page_number()) if page.has_next() else None,
    }
