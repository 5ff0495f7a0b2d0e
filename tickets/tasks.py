"""Background tasks (Django's Tasks framework): sending the helpdesk's emails.

In development and tests the immediate backend runs a task as soon as it is
queued; in production `manage.py db_worker` (django-tasks-db) runs them from
the database (see docs/deploy.md).

A task receives ids, never objects: it runs after the change committed, maybe
in another process, and reads the rows as they are then. When the mail server
fails, the task logs it and queues itself again with a growing delay, if the
backend can run a task later; after the last attempt it gives up and fails, so
that the worker records the failure. The reply itself is never lost: it was
committed before the task ran.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.tasks import Task, task
from django.utils import timezone

from . import notifications
from .agents import Agent, is_agent
from .forms.auth import AgentPasswordResetForm
from .models import Attachment, NotificationSettings, RatingRequest, Reply, Ticket

logger = logging.getLogger("tickets.notifications")

# Delays before the 2nd, 3rd, ... attempt; the number of attempts is one more.
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# What a mail server that is down, slow or refusing looks like.
DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


@task
def send_reply_email(
    reply_id: int, attempt: int = 1, attachment_ids: list[int] | None = None
) -> str:
    """Email an agent's public reply to the ticket's requester and CC contacts, with the
    files given by id (read from storage now; a file removed since is left out)."""
    reply = (
        Reply.objects.select_related("ticket__requester", "author_agent")
        .prefetch_related("ticket__cc")
        .filter(pk=reply_id)
        .first()
    )
    if reply is None:
        logger.info("Reply %s was deleted before its email was sent.", reply_id)
        return "reply deleted"
    files = (
        list(Attachment.objects.filter(pk__in=attachment_ids, reply=reply))
        if attachment_ids
        else []
    )
    message = notifications.build_reply_email(reply, files)
    if message is None:
        return "no recipients"
    description = f"the email of reply {reply_id} on ticket #{reply.ticket_id}"
    kwargs = {"attachment_ids": attachment_ids} if attachment_ids else {}
    return _deliver(message, description, send_reply_email, (reply_id,), kwargs, attempt)


@task
def send_assignment_email(
    ticket_id: int,
    assignee_id: int,
    actor_id: int | None = None,
    marker: str = "",
    attempt: int = 1,
) -> str:
    """Tell an agent that a ticket was assigned to them."""
    ticket = Ticket.objects.select_related("client", "status").filter(pk=ticket_id).first()
    if ticket is None:
        return "ticket deleted"
    if ticket.assignee_id != assignee_id:
        # Reassigned (or unassigned) before the email went out: it would mislead.
        return "no longer assigned"
    users = get_user_model().objects.in_bulk([assignee_id, *([actor_id] if actor_id else [])])
    assignee = users.get(assignee_id)
    if assignee is None or not assignee.is_active:
        return "assignee inactive"
    if not wants_email(assignee, "on_assignment"):
        return "turned off by the assignee"
    message = notifications.build_assignment_email(
        ticket, assignee, users.get(actor_id) if actor_id else None, marker=marker or "0"
    )
    if message is None:
        return "no address"
    description = f"the assignment email of ticket #{ticket_id} to agent {assignee_id}"
    return _deliver(
        message,
        description,
        send_assignment_email,
        (ticket_id, assignee_id),
        {"actor_id": actor_id, "marker": marker},
        attempt,
    )


@task
def send_sla_breach_email(
    ticket_id: int, assignee_id: int, target: str, due_at: str, attempt: int = 1
) -> str:
    """Tell the assignee of a ticket that one of its SLA targets was breached."""
    ticket = Ticket.objects.select_related("client", "status").filter(pk=ticket_id).first()
    if ticket is None:
        return "ticket deleted"
    if ticket.assignee_id != assignee_id:
        return "no longer assigned"
    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None:
        return "assignee inactive"
    message = notifications.build_sla_breach_email(
        ticket, assignee, target=target, due_at=datetime.datetime.fromisoformat(due_at)
    )
    if message is None:
        return "no address"
    description = f"the SLA breach notice of ticket #{ticket_id} to agent {assignee_id}"
    return _deliver(
        message,
        description,
        send_sla_breach_email,
        (ticket_id, assignee_id, target, due_at),
        {},
        attempt,
    )


@task
def send_acknowledgment_email(ticket_id: int, attempt: int = 1) -> str:
    """Tell the requester of a ticket that came by email that it was received."""
    ticket = (
        Ticket.objects.select_related("requester", "mailbox", "client").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return "ticket deleted"
    message = notifications.build_acknowledgment_email(ticket)
    if message is None:
        return "no address"
    description = f"the acknowledgment of ticket #{ticket_id}"
    return _deliver(message, description, send_acknowledgment_email, (ticket_id,), {}, attempt)


@task
def request_rating(ticket_id: int) -> str:
    """Ask the requester of a ticket just closed how we did, if it is due
    (notifications.rating_request_due): the request is recorded, then its email queued."""
    with transaction.atomic():
        # Locked alone (see services.common.lock_ticket): two closes at once ask once.
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return "ticket deleted"
        contact = notifications.rating_request_due(ticket)
        if contact is None:
            return "not due"
        request = RatingRequest.objects.create(ticket=ticket, contact=contact)
    _enqueue(send_rating_email, request.pk)
    return "requested"


@task
def send_rating_email(request_id: int, attempt: int = 1) -> str:
    """Send the "How did we do?" email of a rating request."""
    request = (
        RatingRequest.objects.select_related("ticket__mailbox", "contact")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return "request deleted"
    message = notifications.build_rating_email(request)
    if message is None:
        return "no address"
    description = f"the rating request {request_id} of ticket #{request.ticket_id}"
    return _deliver(message, description, send_rating_email, (request_id,), {}, attempt)


@task
def send_client_reply_email(reply_id: int, agent_id: int, reason: str, attempt: int = 1) -> str:
    """Tell an agent that a client replied to a ticket they follow."""
    reply = (
        Reply.objects.select_related("ticket__mailbox", "author_contact")
        .filter(pk=reply_id)
        .first()
    )
    agent = get_user_model().objects.filter(pk=agent_id, is_active=True).first()
    if reply is None:
        return "reply deleted"
    if agent is None:
        return "agent inactive"
    message = notifications.build_client_reply_email(reply, agent, reason=reason)
    if message is None:
        return "no address"
    description = f"the notice of reply {reply_id} to agent {agent_id}"
    return _deliver(
        message, description, send_client_reply_email, (reply_id, agent_id, reason), {}, attempt
    )


@task
def send_client_reply_notices(reply_id: int) -> str:
    """Queue one notice of a client's reply per agent who follows its ticket."""
    reply = (
        Reply.objects.select_related("ticket__assignee", "ticket__mailbox")
        .filter(pk=reply_id)
        .first()
    )
    if reply is None:
        return "reply deleted"
    recipients = client_reply_recipients(reply)
    for agent, reason in recipients:
        _enqueue(send_client_reply_email, reply_id, agent.pk, reason)
    return f"{len(recipients)} notices queued"


@task
def send_password_reset_emails(email: str) -> str:
    """Queue a password reset email to each agent with this address, if any. The request
    queues this for every address asked, known or not, so that it answers alike for both."""
    users = list(AgentPasswordResetForm().get_users(email))
    for user in users:
        _enqueue(send_password_reset_email, user.pk)
    return f"{len(users)} emails queued"


@task
def send_password_reset_email(user_id: int, attempt: int = 1) -> str:
    """Send an agent the link to choose a new password."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not is_agent(user) or not user.has_usable_password() or not user.email:
        return "no longer an agent with an address"
    message = notifications.build_password_reset_email(user)
    description = f"the password reset email of user {user_id}"
    return _deliver(message, description, send_password_reset_email, (user_id,), {}, attempt)


def wants_email(agent: Agent, kind: str) -> bool:
    """Whether `agent` wants notification emails of `kind` ("on_assignment",
    "on_client_reply"): yes unless they turned it off."""
    settings = NotificationSettings.objects.filter(agent=agent).first()
    return settings is None or bool(getattr(settings, kind))


def client_reply_recipients(reply: Reply) -> list[tuple[Agent, str]]:
    """Who hears of a client's reply, and why: the ticket's assignee, or when nobody is
    assigned, the agents its mailbox names; each unless they turned it off."""
    ticket = reply.ticket
    if ticket.assignee_id is not None:
        candidates = [(ticket.assignee, "the ticket is assigned to you")]
    elif ticket.mailbox is not None:
        reason = f"you watch the mailbox {ticket.mailbox.address} and nobody is assigned"
        candidates = [(agent, reason) for agent in ticket.mailbox.notify_agents.all()]
    else:
        candidates = []
    return [
        (agent, reason)
        for agent, reason in candidates
        if agent is not None and is_agent(agent) and wants_email(agent, "on_client_reply")
    ]


def _deliver(
    message: EmailMultiAlternatives,
    description: str,
    this_task: Task,
    args: tuple,
    kwargs: dict,
    attempt: int,
) -> str:
    """Send `message`; on a delivery error, queue `this_task` again later or give up."""
    try:
        mailers.default.send_messages([message])
    except DELIVERY_ERRORS as error:
        if attempt < MAX_ATTEMPTS and this_task.get_backend().supports_defer:
            delay = RETRY_DELAYS[attempt - 1]
            logger.warning(
                "Could not send %s (attempt %s of %s): %s. Trying again in %s.",
                description,
                attempt,
                MAX_ATTEMPTS,
                error,
                delay,
            )
            try:
                this_task.using(run_after=timezone.now() + delay).enqueue(
                    *args, **kwargs, attempt=attempt + 1
                )
            except Exception:
                logger.exception("Could not queue a new attempt to send %s.", description)
                raise error from None
            return "retry queued"
        logger.error(
            "Could not send %s (attempt %s of %s): %s. Giving up%s.",
            description,
            attempt,
            MAX_ATTEMPTS,
            error,
            "" if attempt >= MAX_ATTEMPTS else ": the task backend cannot run a task later",
        )
        raise
    return "sent"


# Entry points, called by the services after the transaction commits ------------


def reply_posted(reply_id: int, attachment_ids: Sequence[int] = ()) -> None:
    """Queue the email of an agent's public reply to the requester and CC contacts,
    with the reply's files (by id: the task reads them from storage)."""
    if attachment_ids:
        _enqueue(send_reply_email, reply_id, attachment_ids=list(attachment_ids))
    else:
        _enqueue(send_reply_email, reply_id)


def ticket_assigned(ticket_id: int, assignee_id: int, actor_id: int | None = None) -> None:
    """Queue the email that tells an agent a ticket was assigned to them."""
    # Made once here so that every retry of this email keeps the same Message-ID.
    marker = uuid.uuid4().hex[:16]
    _enqueue(send_assignment_email, ticket_id, assignee_id, actor_id=actor_id, marker=marker)


def sla_breached(ticket_id: int, assignee_id: int, target: str, due_at: datetime.datetime) -> None:
    """Queue the email that tells an assignee that a target of their ticket was breached."""
    _enqueue(send_sla_breach_email, ticket_id, assignee_id, target, due_at.isoformat())


def _enqueue(task, *args, **kwargs) -> None:
    # The change is committed already; failing to queue its email must not
    # turn the agent's page into an error.
    try:
        task.enqueue(*args, **kwargs)
    except Exception:
        logger.exception("Could not queue %s%s", task.name, args)


def acknowledge(ticket_id: int) -> None:
    """Queue the acknowledgment of a new ticket that came by email."""
    _enqueue(send_acknowledgment_email, ticket_id)


def client_replied(reply_id: int) -> None:
    """Queue the notices of a client's reply to the agents who follow its ticket (who they
    are is read by the task, outside the request)."""
    _enqueue(send_client_reply_notices, reply_id)


def password_reset_requested(email: str) -> None:
    """Queue the password reset emails asked for `email` (whom they go to is read by the
    task, outside the request)."""
    _enqueue(send_password_reset_emails, email)


def ticket_closed(ticket_id: int) -> None:
    """Queue the question of how we did to the requester of a ticket just closed (whether
    it is due is read by the task)."""
    _enqueue(request_rating, ticket_id)
