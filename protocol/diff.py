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
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(Piece("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(Piece("insert", "".join(b[j1:j2])))
    return pieces


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
