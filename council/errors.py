"""Error pages that explain, in the house style, without a traceback."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from .access import public


@public
def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


@public
def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


@public
def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@public
def server_error(request):
    # Rendered without the request context: the database may be what failed.
    body = loader.get_template("errors/500.html").render({"council_name": settings.COUNCIL_NAME})
    return HttpResponseServerError(body)
