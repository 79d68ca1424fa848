"""Ids that arrive in addresses and form data.

``str.isdigit()`` is true for "²" and "①", which ``int()`` refuses, and a plain number may be too
big for the database's integer column (SQLite then raises OverflowError). Either way a query
built from it fails with a server error instead of finding nothing.
"""

from __future__ import annotations

# The largest value of the 64-bit integer columns that hold ids.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The id ``value`` names, or None when it is not a whole number of ASCII digits that fits."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None
