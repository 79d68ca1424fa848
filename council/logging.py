"""Keep secret links out of logs: a complainant's private tracking link, an invitation
link and a councillor's training calendar feed are bearer tokens, so request logs show them redacted."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_SECRET_PATHS = re.compile(r"(/complaints/track/|/directory/invitation/|/training/calendar/)[^/\s\"?]+")


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1[redacted]", text)


class RedactSecretLinks(logging.Filter):
    """A logging filter for Django's request and security loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if isinstance(record.args, Mapping):  # "%(name)s"-style arguments stay a mapping
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = None  # the request object would print the full path
        return True


try:  # gunicorn is a production dependency; its access log gets the same treatment.
    from gunicorn.glogging import Logger as _GunicornLogger

    class GunicornLogger(_GunicornLogger):
        def access(self, resp, req, environ, request_time):
            environ = {
                **environ,
                "PATH_INFO": redact(environ.get("PATH_INFO", "")),
                "RAW_URI": redact(environ.get("RAW_URI", "")),
            }
            req.path = redact(req.path)
            req.uri = redact(req.uri)
            super().access(resp, req, environ, request_time)

except ImportError:  # pragma: no cover
    pass
