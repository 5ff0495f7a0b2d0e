"""Emails about ticket changes: who gets what, and what the message looks like.

This module only builds messages. The services decide *when* (a public reply or
an assignment made in the web UI) and call the entry points of `tickets.tasks`
through `transaction.on_commit`, so nothing is sent for a change that was rolled
back. The entry points only queue a task; the task loads the fresh rows, builds the
message with the functions here and sends it, retrying when the mail server fails.

The API and the admin are silent: only changes from `EMAILING_CHANNELS` send
mail. An import is silent altogether (`SILENT_CHANNELS`): even a client's reply it
replays tells no agent. Notes are internal and are never emailed.

Every message carries the ticket reference in its subject (`[#32]`) and
threading headers: a stable Message-ID per message, and In-Reply-To and
References pointing at the ticket's root id, so that a mail program shows one
conversation per ticket.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from collections.abc import Iterable
from email.utils import formataddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tickets.agents import agent_name

from .models import Attachment, Channel, Contact, Reply, Ticket

logger = logging.getLogger("tickets.notifications")

# Changes made through these channels email people; the API and admin stay silent. An
# agent's reply by email goes to the client like one written in the workspace.
EMAILING_CHANNELS = frozenset({Channel.WEB, Channel.EMAIL})
# Changes that tell nobody at all: an import replays what happened elsewhere, long ago.
SILENT_CHANNELS = frozenset({Channel.IMPORT})
# A ticket closed through these asks its requester how we did. A requester who marks their
# own ticket solved in the portal is offered the choice on the page instead.
RATING_REQUEST_CHANNELS = EMAILING_CHANNELS


# Threading ---------------------------------------------------------------------


def mail_domain() -> str:
    """The domain part of our Message-IDs: the site's host name."""
    return urlsplit(settings.HELPDESK_SITE_URL).hostname or str(DNS_NAME)


def _ticket_signature(ticket_id: int) -> str:
    return salted_hmac("helpdesk.mail.ticket", str(ticket_id), algorithm="sha256").hexdigest()[:12]


def ticket_message_id(ticket: Ticket) -> str:
    """The id of the ticket's root message, which every email about it refers to (and the
    acknowledgment carries). It is signed, so that nobody can write into a ticket by
    naming it in In-Reply-To without having received our mail."""
    return f"<ticket-{ticket.pk}.{_ticket_signature(ticket.pk)}@{mail_domain()}>"


ROOT_MESSAGE_ID = re.compile(r"<ticket-(\d{1,18})\.([0-9a-f]{12})@[^<>@\s]+>")


def ticket_id_of(message_id: str) -> int | None:
    """The ticket a root Message-ID of ours names, if its signature is right."""
    match = ROOT_MESSAGE_ID.fullmatch(message_id.strip())
    if match is None:
        return None
    ticket_id = int(match.group(1))
    if not constant_time_compare(match.group(2), _ticket_signature(ticket_id)):
        return None
    return ticket_id


def new_reply_message_id(ticket: Ticket) -> str:
    """A new, unguessable id for an agent's reply; the reply keeps it, so that a retried
    send is the same message and the client's answer threads by it."""
    return f"<reply-{secrets.token_hex(8)}.ticket-{ticket.pk}@{mail_domain()}>"


def reply_message_id(reply: Reply) -> str:
    """The id of the email of `reply`: the one it keeps (replies made before Message-IDs
    were kept get a stable one made from their ids)."""
    return reply.message_id or f"<reply-{reply.pk}.ticket-{reply.ticket_id}@{mail_domain()}>"


def assignment_message_id(ticket: Ticket, assignee_id: int, marker: str) -> str:
    return f"<assigned-{marker}.agent-{assignee_id}.ticket-{ticket.pk}@{mail_domain()}>"


def threading_headers(ticket: Ticket, message_id: str) -> dict[str, str]:
    """Headers that put a message in the ticket's conversation: after the client's first
    email when the ticket came by email, and our root message."""
    root = ticket_message_id(ticket)
    references = f"{ticket.message_id} {root}" if ticket.message_id else root
    return {"Message-ID": message_id, "In-Reply-To": root, "References": references}


def sender(ticket: Ticket) -> str:
    """Whom mail about `ticket` comes from: the mailbox it came through, else its
    department's mailbox, else DEFAULT_FROM_EMAIL."""
    from mail.models import Mailbox  # the mail app builds on the tickets app

    mailbox = ticket.mailbox
    if mailbox is None:
        mailbox = (
            Mailbox.objects.filter(department_id=ticket.department_id, is_active=True)
            .order_by("pk")
            .first()
        )
    if mailbox is None:
        return settings.DEFAULT_FROM_EMAIL
    return _address(mailbox.from_name, mailbox.address)


def subject_line(ticket: Ticket, *, prefix: str = "") -> str:
    """`[#32] Cannot log in`, with an optional prefix such as `Re: `."""
    return f"{prefix}[#{ticket.pk}] {ticket.subject}"


def ticket_url(ticket: Ticket) -> str:
    """The absolute address of the ticket's page in the agent workspace."""
    return settings.HELPDESK_SITE_URL.rstrip("/") + reverse("ticket", args=[ticket.pk])


def portal_url(ticket: Ticket) -> str:
    """The address that opens the ticket in the portal, signed for its requester; empty
    when it has none (every email to a requester carries it)."""
    from portal import links  # the portal builds on the tickets app

    if ticket.requester_id is None:
        return ""
    return links.ticket_link(ticket.pk, ticket.requester_id)


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
        "portal_url": portal_url(ticket),
    }
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="Re: "),
        body=render_to_string("emails/reply.txt", context),
        from_email=sender(ticket),
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
        from_email=sender(ticket),
        to=[_address(context["assignee_name"], assignee.email)],
        headers=threading_headers(ticket, assignment_message_id(ticket, assignee.pk, marker)),
    )
    message.attach_alternative(render_to_string("emails/assigned.html", context), "text/html")
    return message


def build_sla_breach_email(
    ticket: Ticket, assignee, *, target: str, due_at: datetime.datetime
) -> EmailMultiAlternatives | None:
    """The email telling `assignee` that a target of `ticket` was breached, or None
    without an address."""
    if not assignee.email:
        return None
    context: dict[str, Any] = {
        "ticket": ticket,
        "assignee_name": agent_name(assignee),
        "target": target,
        "due_at": timezone.localtime(due_at),
        "ticket_url": ticket_url(ticket),
    }
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix=f"SLA breached ({target.lower()}): "),
        body=render_to_string("emails/sla_breached.txt", context),
        from_email=sender(ticket),
        to=[_address(context["assignee_name"], assignee.email)],
        headers=AUTOMATIC_HEADERS,
    )
    message.attach_alternative(render_to_string("emails/sla_breached.html", context), "text/html")
    return message


# Automatic messages carry these, so that other robots do not answer them (RFC 3834).
AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def build_acknowledgment_email(ticket: Ticket) -> EmailMultiAlternatives | None:
    """The automatic answer to a new ticket from email: it was received, under which
    reference. None when the requester has no address."""
    requester: Contact | None = ticket.requester
    if requester is None or not requester.email:
        return None
    reference = f"[#{ticket.pk}]"
    context = {
        "ticket": ticket,
        "reference": reference,
        "requester_name": requester.name if requester.name != requester.email else "",
        "signature": ticket.mailbox.from_name or ticket.mailbox.address
        if ticket.mailbox
        else settings.DEFAULT_FROM_EMAIL,
        "portal_url": portal_url(ticket),
    }
    root = ticket_message_id(ticket)
    headers = {**AUTOMATIC_HEADERS, "Message-ID": root}
    if ticket.message_id:
        headers |= {"In-Reply-To": ticket.message_id, "References": ticket.message_id}
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="Re: "),
        body=render_to_string("emails/acknowledgment.txt", context),
        from_email=sender(ticket),
        to=[_address(requester.name, requester.email)],
        headers=headers,
    )
    message.attach_alternative(render_to_string("emails/acknowledgment.html", context), "text/html")
    return message


# A client's reply is quoted in its notification up to this many characters.
EXCERPT_LENGTH = 1000


def build_client_reply_email(
    reply: Reply, agent: Any, *, reason: str
) -> EmailMultiAlternatives | None:
    """Tell `agent` that a client replied to a ticket they follow; None without an address."""
    if not agent.email:
        return None
    ticket = reply.ticket
    author = reply.author_contact
    text = reply.text if len(reply.text) <= EXCERPT_LENGTH else reply.text[:EXCERPT_LENGTH] + "…"
    context = {
        "ticket": ticket,
        "agent_name": agent_name(agent),
        "author_name": author.name if author else "The client",
        "excerpt": text,
        "ticket_url": ticket_url(ticket),
        "profile_url": settings.HELPDESK_SITE_URL.rstrip("/") + reverse("profile"),
        "reason": reason,
    }
    message_id = f"<client-reply-{reply.pk}.agent-{agent.pk}.ticket-{ticket.pk}@{mail_domain()}>"
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="Client replied: "),
        body=render_to_string("emails/client_reply.txt", context),
        from_email=sender(ticket),
        to=[_address(agent_name(agent), agent.email)],
        headers={"Auto-Submitted": "auto-generated", **threading_headers(ticket, message_id)},
    )
    message.attach_alternative(render_to_string("emails/client_reply.html", context), "text/html")
    return message


# Satisfaction ratings --------------------------------------------------------------


def rating_request_due(ticket: Ticket) -> Contact | None:
    """Whom to ask how we did about a ticket that was just closed: its requester, when
    rating emails are on, the ticket is still closed and not spam, the requester has an
    address, and an agent has replied in public since the last time we asked (so that a
    ticket is asked about once per answer, however often it is reopened and closed)."""
    from .models import RatingRequest

    requester: Contact | None = ticket.requester
    if not settings.PORTAL_RATING_EMAILS or ticket.is_spam or not ticket.status.is_closed:
        return None
    if requester is None or not requester.email:
        return None
    replies = Reply.objects.filter(ticket=ticket, kind=Reply.Kind.REPLY, author_agent__isnull=False)
    last = (
        RatingRequest.objects.filter(ticket=ticket)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        replies = replies.filter(created_at__gt=last)
    return requester if replies.exists() else None


def build_rating_email(request: Any) -> EmailMultiAlternatives | None:
    """The "How did we do?" email of a RatingRequest, with its Good and Bad links."""
    from portal import links  # the portal builds on the tickets app

    ticket: Ticket = request.ticket
    contact: Contact | None = request.contact
    if contact is None or not contact.email:
        return None
    context = {
        "ticket": ticket,
        "reference": f"[#{ticket.pk}]",
        "requester_name": contact.name if contact.name != contact.email else "",
        "links": links.rating_links(request.pk),
        "days": settings.PORTAL_RATING_LINK_DAYS,
        "portal_url": links.ticket_link(ticket.pk, contact.pk),
        "site_name": settings.PORTAL_SITE_NAME,
    }
    message_id = f"<rating-{request.pk}.ticket-{ticket.pk}@{mail_domain()}>"
    message = EmailMultiAlternatives(
        subject=subject_line(ticket, prefix="How did we do? "),
        body=render_to_string("emails/rating_request.txt", context),
        from_email=sender(ticket),
        to=[_address(contact.name, contact.email)],
        headers={**AUTOMATIC_HEADERS, **threading_headers(ticket, message_id)},
    )
    message.attach_alternative(render_to_string("emails/rating_request.html", context), "text/html")
    return message


def build_password_reset_email(user: Any) -> EmailMultiAlternatives:
    """The email with a link to choose a new password, made when it is sent (the link's
    token is only valid until the password changes). Links point at HELPDESK_SITE_URL,
    never at the Host header of the request that asked."""
    site = urlsplit(settings.HELPDESK_SITE_URL)
    context = {
        "user": user,
        "email": user.email,
        "protocol": site.scheme,
        "domain": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    subject = render_to_string("registration/password_reset_subject.txt", context)
    return EmailMultiAlternatives(
        # A header holds one line.
        subject="".join(subject.splitlines()),
        body=render_to_string("registration/password_reset_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
