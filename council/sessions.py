"""Database sessions that report a database outage as one.

Django's database session store turns any database error while updating a session into
"the session was deleted" (UpdateError), which the session middleware answers with a 400
page telling the person to check their form. When the connection itself failed (PostgreSQL
restarting), that blames the person and is logged as a security warning rather than a server
error; raise the database error instead, so they get the 500 page and the error is logged as one.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as exc:
            if isinstance(exc.__context__, OperationalError | InterfaceError):
                raise exc.__context__ from None
            raise
