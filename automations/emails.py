"""The emails that rules send: their placeholders, and filling them in for a ticket.

A subject or body holds placeholders such as `{{ ticket.subject }}`. Only the names
below are replaced, each by a plain value read here: a template never reaches an
attribute of the ticket or anything else (no template engine runs an administrator's
text), and a placeholder not listed is refused when the rule is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives

from tickets import notifications
from tickets.agents import agent_name
from tickets.models import Priority, Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_.]+)\s*\}\}")

PLACEHOLDERS: dict[str, tuple[str, Callable[[Ticket], str]]] = {
    "ticket.id": ("the ticket's number", lambda t: str(t.pk)),
    "ticket.subject": ("the ticket's subject", lambda t: t.subject),
    "ticket.status": ("the ticket's status", lambda t: t.status.title),
    "ticket.priority": ("the ticket's priority", lambda t: Priority(t.priority).label),
    "ticket.url": ("the ticket's page in the agent workspace", notifications.ticket_url),
    "ticket.portal_url": (
        "the ticket's page in the portal, signed for its requester",
        notifications.portal_url,
    ),
    "requester.name": ("the requester's name", lambda t: t.requester.name if t.requester else ""),
    "requester.email": (
        "the requester's address",
        lambda t: t.requester.email if t.requester else "",
    ),
    "client.name": ("the ticket's client", lambda t: t.client.name),
    "assignee.name": (
        "the assigned agent's name",
        lambda t: agent_name(t.assignee) if t.assignee else "",
    ),
}


def check_template(text: str) -> None:
    """Refuse a text with a placeholder not listed, naming it and the ones there are."""
    if "{%" in text:
        raise ValidationError("Template tags ({% ... %}) are not allowed; use placeholders.")
    for name in PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{{ {known} }}}}" for known in PLACEHOLDERS)
            raise ValidationError(f"Unknown placeholder {{{{ {name} }}}}: use one of {known}.")


def render(text: str, ticket: Ticket) -> str:
    return PLACEHOLDER.sub(lambda match: _value(match.group(1), ticket), text)


def _value(name: str, ticket: Ticket) -> str:
    placeholder = PLACEHOLDERS.get(name)
    return placeholder[1](ticket) if placeholder else ""


def build_rule_email(
    ticket: Ticket, *, to: list[str], subject: str, body: str
) -> EmailMultiAlternatives:
    """A rule's email about `ticket`, from the ticket's sender, threaded in its
    conversation, marked as automatic so that auto-responders stay quiet."""
    headers = {
        **notifications.AUTOMATIC_HEADERS,
        "In-Reply-To": notifications.ticket_message_id(ticket),
        "References": notifications.ticket_message_id(ticket),
    }
    return EmailMultiAlternatives(
        subject=render(subject, ticket),
        body=render(body, ticket),
        from_email=notifications.sender(ticket),
        to=to,
        headers=headers,
    )
