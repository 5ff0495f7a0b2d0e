"""Fixtures of the email channel's tests: a mailbox, and messages made to order."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import pytest
from django.core.cache import cache

from tests import factories

DOMAIN = "helpdesk.example.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HELPDESK_SITE_URL = f"https://{DOMAIN}"
    settings.DEFAULT_FROM_EMAIL = f"noreply@{DOMAIN}"


@pytest.fixture(autouse=True)
def _no_cached_addresses():
    """Mailbox and agent addresses are cached for a few seconds: each test starts without."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mailbox(db):
    return factories.MailboxFactory(name="Support", address=f"support@{DOMAIN}")


def make_email(
    *,
    sender: str = "Jane Roe <jane@acme.example>",
    to: str = f"support@{DOMAIN}",
    subject: str = "Printer on floor 3 is broken",
    body: str = "It shows error 42 since this morning.",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    """A raw message: plain text, with these headers and files (name, type, content)."""
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = message_id or email.utils.make_msgid(domain="acme.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


from .servers import dovecot, smtp_server  # noqa: E402, F401
