from __future__ import annotations

from django.shortcuts import render

from .access import public
from .registry import home_panels
from .roles import Role, user_roles


@public
def home(request):
    """The front page: what to do next, for whoever is looking."""
    if not request.user.is_authenticated:
        return render(request, "council/home_public.html")
    roles = user_roles(request.user)
    panels = home_panels.render_for(request)
    return render(
        request,
        "council/home.html",
        {"panels": panels, "roles": roles, "Role": Role},
    )


@public
def accessibility(request):
    return render(request, "council/accessibility.html")


@public
def privacy(request):
    return render(request, "council/privacy.html")
