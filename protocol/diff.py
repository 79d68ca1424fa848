"""Section-by-section comparison of two versions, with word-level changes.

Sections are matched by anchor (slug), then by title. The result is plain data
for a template, which marks changes with <ins>/<del> and words, not colour alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .models import Version

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class Piece:
    op: str  # equal | insert | delete
    text: str


@dataclass
class SectionDiff:
    status: str  # added | removed | changed | unchanged | moved
    title: str
    old_title: str = ""
    slug: str = ""
    pieces: list[Piece] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"added": "Added", "removed": "Removed", "changed": "Changed", "unchanged": "Unchanged"}[self.status]


def word_diff(old: str, new: str) -> list[Piece]:
    """Changed words, with a change that spans several words kept as one piece: the spaces
    between replaced words would otherwise split "promote greater clarity" into three
    small changes that are hard to read (and to hear)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    pieces: list[Piece] = []
    pending: list[int] | None = None  # [i1, i2, j1, j2] of the change being gathered
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        joins_changes = (
            tag == "equal" and pending is not None and index + 1 < len(opcodes) and "".join(a[i1:i2]).isspace()
        )
        if tag != "equal" or joins_changes:
            pending = [i1, i2, j1, j2] if pending is None else [pending[0], i2, pending[2], j2]
            continue
        if pending is not None:
            pieces += _change(a, b, *pending)
            pending = None
        pieces.append(Piece("equal", "".join(a[i1:i2])))
    if pending is not None:
        pieces += _change(a, b, *pending)
    return pieces


def _change(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int) -> list[Piece]:
    removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
    return [Piece(op, text) for op, text in (("delete", removed), ("insert", added)) if text]


def compare(old: Version, new: Version) -> list[SectionDiff]:
    old_sections = list(old.sections.all())
    new_sections = list(new.sections.all())
    by_slug = {s.slug: s for s in old_sections}
    by_title = {s.title.casefold(): s for s in old_sections}
    matched: set[int] = set()
    result: list[SectionDiff] = []
    for section in new_sections:
        previous = by_slug.get(section.slug) or by_title.get(section.title.casefold())
        if previous is None or previous.pk in matched:
            result.append(
                SectionDiff("added", section.title, slug=section.slug, pieces=[Piece("insert", section.body)])
            )
            continue
        matched.add(previous.pk)
        same = previous.title == section.title and previous.body == section.body
        result.append(
            SectionDiff(
                "unchanged" if same else "changed",
                section.title,
                old_title=previous.title if previous.title != section.title else "",
                slug=section.slug,
                pieces=[Piece("equal", section.body)] if same else word_diff(previous.body, section.body),
            )
        )
    for position, section in enumerate(old_sections):
        if section.pk not in matched:
            removed = SectionDiff("removed", section.title, slug=section.slug, pieces=[Piece("delete", section.body)])
            result.insert(min(position, len(result)), removed)
    return result
