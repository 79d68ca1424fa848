"""Panels other apps contribute to council pages (the home page's to-do list,
a councillor's profile), so that ``council`` never imports them.

An app registers a callable from its ``AppConfig.ready()``::

    home_panels.register(lambda request: {...} or None, order=20)

The callable returns a dict ``{"title", "template", "context"}`` or ``None``
when it has nothing for this person. A home panel that needs the signed-in
person's councillor record gets it from ``selectors.councillor_for_request``,
so that the page fetches it once for all the panels.

``councillor_record_sections`` make up a councillor's record report (the page
and its PDF): each callable takes ``(request, councillor)`` and its template is
a fragment that must read well both on the page and in the PDF (no links or
forms that only work in a browser).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PanelRegistry:
    _panels: list[tuple[int, Callable[..., dict[str, Any] | None]]] = field(default_factory=list)

    def register(self, panel: Callable[..., dict[str, Any] | None], *, order: int = 50) -> None:
        self._panels.append((order, panel))
        self._panels.sort(key=lambda item: item[0])

    def render_for(self, *args: Any) -> list[dict[str, Any]]:
        return [p for _, panel in self._panels if (p := panel(*args)) is not None]


home_panels = PanelRegistry()
councillor_panels = PanelRegistry()
councillor_record_sections = PanelRegistry()
