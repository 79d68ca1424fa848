"""Turn a protocol written as plain text (as exported from a word processor)
into sections of Markdown.

Rules, tested against the council's own text in shared/data:

- The first non-blank line is the title.
- Lines starting with a bullet (·, •, -, *, ▪) become list items; an empty bullet is dropped.
- A *heading candidate* is a short line (at most 70 characters) that starts with a
  capital, has a letter, and does not end in punctuation (. : ; , ? ! or a quote).
- A candidate after a blank line starts a new section when a paragraph follows it
  before the next candidate; otherwise (a label over a list, such as a website's
  name) it is a sub-heading.
- A candidate followed at once by another opens a section of sub-headings (like
  "Best practice", whose parts each have a one-paragraph body); within it, a
  candidate after a blank line starts a new section only if two or more
  paragraphs follow it.
- Word-processor footnotes, ``text[footnoteRef:1] … [1: note]``, become Markdown
  footnotes in the section where they are used; bookmarks are removed.
- A text that already uses Markdown headings (``## Title``) is split on those instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

_BULLET = re.compile(r"^\s*[·•▪\-*]\s?")
_FOOTNOTE_REF = re.compile(r"\s*\[footnoteRef:(\d+)\]")
_FOOTNOTE_DEF = re.compile(r"\[(\d+):\s+(.+?)\]\s*$")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_TRAILING_PUNCTUATION = tuple(".:;,?!\"'”’)")


class ImportError_(ValueError):
    """The text cannot be turned into a protocol; the message says why."""


@dataclass
class ParsedSection:
    title: str
    slug: str
    body: str


@dataclass
class ParsedProtocol:
    title: str
    sections: list[ParsedSection] = field(default_factory=list)


@dataclass
class _Line:
    text: str
    after_blank: bool
    kind: str = "paragraph"  # paragraph | bullet | candidate


def parse_protocol(text: str) -> ParsedProtocol:
    """Parse the whole text; raises ImportError_ with a reason when there is nothing usable."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").lstrip("\ufeff")
    if "\x00" in text:
        raise ImportError_("The file is not plain text.")
    if re.search(r"^#{1,2} ", text, flags=re.M):
        return _parse_markdown(text)
    lines = _classify(text)
    if not lines:
        raise ImportError_("The file is empty.")
    title = lines.pop(0).text
    sections = _split_sections(lines)
    if not sections:
        raise ImportError_("No sections were found: the text needs headings on lines of their own.")
    return ParsedProtocol(title=title, sections=_unique_slugs(sections))


def _classify(text: str) -> list[_Line]:
    lines: list[_Line] = []
    after_blank = True
    for raw in text.split("\n"):
        stripped = _BOOKMARK.sub("", raw).strip()
        if not stripped:
            after_blank = True
            continue
        if _BULLET.match(raw) and not re.match(r"^\s*[-*]\S", raw):
            item = _BULLET.sub("", raw, count=1).strip()
            if item:
                lines.append(_Line(item, after_blank, "bullet"))
        elif _is_candidate(stripped):
            lines.append(_Line(stripped, after_blank, "candidate"))
        else:
            lines.append(_Line(stripped, after_blank))
        after_blank = False
    return lines


def _is_candidate(line: str) -> bool:
    return (
        len(line) <= 70
        and line[0].isupper()
        and any(c.isalpha() for c in line)
        and not line.endswith(_TRAILING_PUNCTUATION)
        and "[" not in line
    )


def _paragraphs_until_next_heading(lines: list[_Line], start: int) -> int:
    count = 0
    for line in lines[start + 1 :]:
        if line.kind == "candidate":
            break
        count += line.kind == "paragraph"
    return count


def _split_sections(lines: list[_Line]) -> list[ParsedSection]:
    sections: list[tuple[str, list[_Line | str]]] = []
    in_subheading_run = False
    for index, line in enumerate(lines):
        if line.kind != "candidate":
            if not sections:
                raise ImportError_(f"Text before the first heading: {line.text[:60]!r}")
            sections[-1][1].append(line)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        opens_run = following is not None and following.kind == "candidate" and not following.after_blank
        needed = 2 if in_subheading_run else 1
        if not sections or (line.after_blank and (opens_run or _paragraphs_until_next_heading(lines, index) >= needed)):
            sections.append((line.text, []))
            in_subheading_run = opens_run
        else:
            sections[-1][1].append(f"### {line.text}")
    return [ParsedSection(title, "", _to_markdown(body)) for title, body in sections]


def _to_markdown(body: list[_Line | str]) -> str:
    blocks: list[str] = []
    notes: list[str] = []
    previous_kind = None
    for item in body:
        if isinstance(item, str):
            blocks.append(item)
            previous_kind = "heading"
            continue
        text = _FOOTNOTE_REF.sub(lambda m: f"[^{m.group(1)}]", item.text)
        definition = _FOOTNOTE_DEF.search(text)
        if definition:
            notes.append(f"[^{definition.group(1)}]: {definition.group(2).strip()}")
            text = text[: definition.start()].rstrip()
        if item.kind == "bullet":
            entry = f"- {text}"
            if previous_kind == "bullet":
                blocks[-1] += "\n" + entry
            else:
                blocks.append(entry)
        else:
            blocks.append(text)
        previous_kind = item.kind
    return "\n\n".join(blocks + notes).strip()


def _parse_markdown(text: str) -> ParsedProtocol:
    title = ""
    sections: list[ParsedSection] = []
    for line in text.split("\n"):
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            sections.append(ParsedSection(line[3:].strip(), "", ""))
        elif sections:
            sections[-1].body += line + "\n"
        elif line.strip() and not title:
            title = line.strip()
    for section in sections:
        section.body = section.body.strip()
    if not title or not sections:
        raise ImportError_("A Markdown protocol needs a '# Title' and at least one '## Section'.")
    return ParsedProtocol(title=title, sections=_unique_slugs(sections))


def _unique_slugs(sections: list[ParsedSection]) -> list[ParsedSection]:
    seen: set[str] = set()
    for section in sections:
        base = slugify(section.title)[:90] or "section"
        slug, n = base, 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        section.slug = slug
    return sections
