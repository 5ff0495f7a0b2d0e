"""Emails about ticket changes: who gets what, and what the message looks like.

This module only builds messages. The services decide *when* (a public reply or
an assignment made in the web UI) and call the entry points of `tickets.tasks`
through `transaction.on_commit`, so nothing is sent for a change that was rolled
back. The entry points only queue a task; the task loads the fresh rows, builds the
message with the functions here and sends it, retrying when the mail server fails.

The API and the admin are silent: only changes from `EMAILING_CHANNELS` send
mail. Notes are internal and are never emailed.

Every message carries the ticket reference in its subject (`[#32]`) and
threading headers: a stable Message-ID per message, and In-Reply-To and
References pointing at the ticket's root id, so that a mail program shows one
conversation per ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.utils import formataddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse

from tickets.agents import agent_name

from .models import Attachment, Channel, Contact, Reply, Ticket

logger = logging.getLogger("tickets.notifications")

# Changes made through these channels email people; the API and admin stay silent.
EMAILING_CHANNELS = frozenset({Channel.WEB})


# Threading ---------------------------------------------------------------------


def mail_domain() -> str:
    """The domain part of our Message-IDs: the site's host name."""
    return urlsplit(settings.HELPDESK_SITE_URL).hostname or str(DNS_NAME)


def ticket_message_id(ticket: Ticket) -> str:
    """The id of the ticket's root message, which every email about it refers to."""
    return f"<ticket-{ticket.pk}@{mail_domain()}>"


def reply_message_id(reply: Reply) -> str:
    """A stable id per reply: a retried send is recognised as the same message."""
    return f"<reply-{reply.pk}.ticket-{reply.ticket_id}@{mail_domain()}>"


def assignment_message_id(ticket: Ticket, assignee_id: int, marker: str) -> str:
    return f"<assigned-{marker}.agent-{assignee_id}.ticket-{ticket.pk}@{mail_domain()}>"


def threading_headers(ticket: Ticket, message_id: str) -> dict[str, str]:
    root = ticket_message_id(ticket)
    return {"Message-ID": message_id, "In-Reply-To": root, "References": root}


def subject_line(ticket: Ticket, *, prefix: str = "") -> str:
    """`[#32] Cannot log in`, with an optional prefix such as `Re: `."""
    return f"{prefix}[#{ticket.pk}] {ticket.subject}"


def ticket_url(ticket: Ticket) -> str:
    """The absolute address of the ticket's page in the agent workspace."""
    return settings.HELPDESK_SITE_URL.rstrip("/") + reverse("ticket", args=[ticket.pk])


# Messages ----------------------------------------------------------------------


def _address(name: str, email: str) -> str:
    return formataddr((name, email)) if name else email


def reply_recipients(ticket: Ticket) -> tuple[list[str], list[str]]:
    """(to, cc): the requester, and the CC contacts; contacts without an email are skipped.

    Without a requester, the CC contacts become the main recipients.
    """
    requester: Contact | None = ticket.requester
    to: list[str] = []
    seen: set[str] = set()
    if requester is not None and requester.email:
        to.append(_address(requester.name, requester.email))
        seen.add(requester.email.lower())
    cc: list[str] = []
    for contact in ticket.cc.all():
        if contact.email and contact.email.lower() not in seen:
            cc.append(_address(contact.name, contact.email))
            seen.add(contact.email.lower())
    if not to:
        to, cc = cc, []
    return to, cc


def build_reply_email(
    reply: Reply, attachments: Iterable[Attachment] = ()
) -> EmailMultiAlternatives | None:
    """The email of an agent's public reply with `attachments` (files of that reply),
    or None if it has nobody to go to.

    Notes are never emailed, whoever calls this.
    """
    if reply.kind != Reply.Kind.REPLY or reply.author_agent_id is None:
        return None
    ticket = reply.ticket
    to, cc = reply_recipients(ticket)
    if not to:
        return None
    agent = reply.author_agent
    context = {
        "ticket": ticket,
        "reply": reply,
        "agent_name": agent_name(agent),
        "reference": f"[#{ticket.pk}]",
    }
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="Re: "),
        body=render_to_string("emails/reply.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc,
        headers=threading_headers(ticket, reply_message_id(reply)),
    )
    message.attach_alternative(render_to_string("emails/reply.html", context), "text/html")
    for attachment in attachments:
        if attachment.reply_id != reply.pk:
            continue
        try:
            with attachment.file.open("rb") as stored:
                content = stored.read()
        except FileNotFoundError:
            # The reply still goes out; the missing file is for an administrator to see.
            logger.error(
                "The file of attachment %s (%s) is missing.", attachment.pk, attachment.name
            )
            continue
        message.attach(attachment.name, content, attachment.content_type)
    return message


def build_assignment_email(
    ticket: Ticket, assignee, actor=None, *, marker: str
) -> EmailMultiAlternatives | None:
    """The email telling `assignee` that `ticket` is theirs, or None without an address."""
    if not assignee.email:
        return None
    actor_name = agent_name(actor)
    context: dict[str, Any] = {
        "ticket": ticket,
        "assignee_name": agent_name(assignee),
        "actor_name": actor_name,
        "ticket_url": ticket_url(ticket),
    }
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="Assigned to you: "),
        body=render_to_string("emails/assigned.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_address(context["assignee_name"], assignee.email)],
        headers=threading_headers(ticket, assignment_message_id(ticket, assignee.pk, marker)),
    )
    message.attach_alternative(render_to_string("emails/assigned.html", context), "text/html")
    return message
