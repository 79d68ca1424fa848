"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("missing", "env"),
    [
        ("SECRET_KEY", {"ALLOWED_HOSTS": "portal.example", "DATABASE_URL": "postgres://u@h/db"}),
        ("ALLOWED_HOSTS", {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@h/db"}),
        ("DATABASE_URL", {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "portal.example", "DATABASE_URL": ""}),
        ("PostgreSQL", {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "portal.example", "DATABASE_URL": "sqlite:///x"}),
    ],
)
def test_production_refuses_to_start_half_configured(missing, env):
    result = _check({"DJANGO_ENV": "production", **env})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = _check(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": "k" * 20 + "Q7!x" * 10,
            "ALLOWED_HOSTS": "portal.example",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_email_goes_through_gov_uk_notify_when_a_key_is_set(settings):
    """Notify's API is outside our control, so only its client is replaced here."""
    from council.notifications import deliver, queue_email

    settings.EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
    settings.GOVUK_NOTIFY_API_KEY = "test-key-" + "0" * 36 + "-" + "0" * 36
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
    with mock.patch("django_gov_notify.backends.NotificationsAPIClient") as client:
        message = queue_email(to="a@council.example", subject="Hello", body_text="Body", enqueue=False)
        assert deliver(message.pk)
    call = client.return_value.send_email_notification.call_args.kwargs
    assert call["email_address"] == "a@council.example"
    assert call["personalisation"]["subject"] == "Hello"


def test_secret_links_are_redacted_in_logs():
    import logging

    from council.logging import RedactSecretLinks, redact

    assert redact("GET /complaints/track/abc123XYZ/withdraw/ 404") == "GET /complaints/track/[redacted]/withdraw/ 404"
    assert redact("/directory/invitation/tok-en_1/") == "/directory/invitation/[redacted]/"
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", ("/complaints/track/s3cret/",), None
    )
    RedactSecretLinks().filter(record)
    assert "s3cret" not in record.getMessage()
    # Celery logs with a mapping of arguments: it must stay a mapping.
    record = logging.LogRecord("celery", logging.INFO, "", 0, "Task %(name)s done", None, None)
    record.args = {"name": "/training/calendar/tok/"}
    RedactSecretLinks().filter(record)
    assert record.getMessage() == "Task /training/calendar/[redacted]/ done"
