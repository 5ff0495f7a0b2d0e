"""Replies and notes: the ticket's conversation."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import attachments as files
from tickets import changes, notifications, presence, tasks
from tickets.agents import Agent
from tickets.models import (
    Attachment,
    Channel,
    Contact,
    Reply,
    Source,
    Ticket,
    TicketEvent,
    TicketStatus,
    history,
)

from .common import (
    SOURCE_OF_CHANNEL,
    Stale,
    apply_status,
    check_agent,
    clean_text,
    is_import,
    lock_ticket,
    message_preview,
    new_event,
    record_event,
    refresh_from,
    save_events,
)


def post_reply(
    *,
    ticket: Ticket,
    text: str,
    kind: Reply.Kind = Reply.Kind.REPLY,
    author: Agent | Contact,
    channel: Channel,
    source: Source | None = None,
    attachments: Sequence[UploadedFile[bytes]] = (),
    seen_version: datetime.datetime | None = None,
    message_id: str = "",
    notify: bool = True,
    cc: Sequence[Contact] = (),
    at: datetime.datetime | None = None,
) -> Reply:
    """Add a reply or an internal note to the conversation, with its files.

    An agent's reply moves the ticket to the team-replied status and stamps the
    first response; a contact's reply moves it to the client-replied status.
    A note changes neither. Replies count and last reply at cover public
    replies only; notes are internal. The emailed reply carries its files.

    `seen_version` is the version of the ticket page the agent wrote on (see
    `tickets.presence`): if others changed the ticket since, nothing is posted and
    `Stale` lists their changes. The check runs under the ticket's row lock, so a
    reply another agent sends at the same moment is either seen or waits for this one.

    `message_id` is the Message-ID of the email a reply came in; an agent's public reply
    gets one of ours, which its email carries, so that the client's answer threads. A
    client's reply tells the agents who follow the ticket (its assignee, or the agents
    its mailbox names), unless `notify` is false (an automatic reply).

    `cc` are contacts of the ticket's client to copy on the ticket with this public reply
    (one CC_CHANGED event before the reply's), so that its email reaches them too.

    `at` is when it was written (an import's original time), else now. An import's replies
    leave the status alone: the import replays the status changes its source recorded.
    """
    text = clean_text(text, "text")
    checked = files.check_uploads(attachments)
    agent, contact = _checked_author(author, kind, ticket, channel)
    _check_copied(cc, kind, ticket)
    if source is None:
        source = SOURCE_OF_CHANNEL.get(channel, Source.WEB)
    if not message_id and agent is not None and kind == Reply.Kind.REPLY:
        message_id = notifications.new_reply_message_id(ticket)
    with changes.atomic():
        locked = lock_ticket(ticket)
        if seen_version is not None and agent is not None:
            missed = presence.changes_since(locked, seen_version, agent)
            if missed:
                raise Stale(missed)
        now = at or timezone.now()
        reply = Reply.objects.create(
            ticket=locked,
            kind=kind,
            text=text,
            author_agent=agent,
            author_contact=contact,
            source=source,
            message_id=message_id,
            created_at=now,
        )
        stored = files.store(checked, ticket=locked, reply=reply, uploaded_by=agent)
        # The copied contacts' event, the status change's and the reply's, in one INSERT.
        events: list[TicketEvent] = _copy_contacts(
            locked, cc, actor=agent, actor_contact=contact, channel=channel, now=now
        )
        changed = ["updated_at"]
        locked.updated_at = now
        if kind == Reply.Kind.REPLY:
            locked.replies_count += 1
            locked.last_reply_at = now
            locked.last_message_preview = message_preview(text)
            locked.last_message_from_client = contact is not None
            changed += [
                "replies_count",
                "last_reply_at",
                "last_message_preview",
                "last_message_from_client",
            ]
            if contact is None and locked.first_response_at is None:
                locked.first_response_at = now
                changed.append("first_response_at")
            if not is_import(channel):
                target = _reply_status(locked, from_client=contact is not None)
                changed += apply_status(
                    locked,
                    target,
                    actor=agent,
                    actor_contact=contact,
                    channel=channel,
                    now=now,
                    events=events,
                )
            # Answered, or asked again, whatever the new status is.
            waiting_since = now if contact is not None else None
            if (locked.waiting_since is None) != (waiting_since is None):
                locked.waiting_since = waiting_since
                changed.append("waiting_since")
        locked.save(update_fields=changed)
        event = new_event(
            locked,
            TicketEvent.Kind.NOTE_ADDED
            if kind == Reply.Kind.NOTE
            else TicketEvent.Kind.REPLY_ADDED,
            actor=agent,
            actor_contact=contact,
            channel=channel,
            new=history.reply_value(reply_id=reply.pk, files=[a.name for a in stored]),
            at=now,
        )
        save_events([*events, event])
        if kind == Reply.Kind.REPLY:
            _schedule_emails(reply, stored, channel=channel, notify=notify)
    refresh_from(ticket, locked)
    return reply


def _check_copied(cc: Sequence[Contact], kind: Reply.Kind, ticket: Ticket) -> None:
    if not cc:
        return
    if kind != Reply.Kind.REPLY:
        raise ValidationError({"cc": ["Notes are not sent: copy contacts on a public reply."]})
    if any(contact.client_id != ticket.client_id for contact in cc):
        raise ValidationError({"cc": ["Copied contacts must be contacts of the client."]})


def _copy_contacts(
    locked: Ticket,
    cc: Sequence[Contact],
    *,
    actor: Agent | None,
    actor_contact: Contact | None,
    channel: Channel,
    now: datetime.datetime,
) -> list[TicketEvent]:
    """Add the contacts `cc` to the locked ticket's CC contacts; the event, if any is new."""
    if not cc:
        return []
    before = sorted(locked.cc.values_list("pk", flat=True))
    new = [contact for contact in cc if contact.pk not in before]
    if not new:
        return []
    locked.cc.add(*new)
    after = sorted({*before, *(contact.pk for contact in new)})
    return [
        new_event(
            locked,
            TicketEvent.Kind.CC_CHANGED,
            actor=actor,
            actor_contact=actor_contact,
            channel=channel,
            old=before,
            new=after,
            at=now,
        )
    ]


def _reply_status(locked: Ticket, *, from_client: bool) -> TicketStatus:
    """The status a public reply moves the locked ticket to, the client-replied or the
    team-replied one; read in one query with the ticket's current status, which moving it
    reads too (a status joined to the lock itself could make PostgreSQL drop the row after
    a concurrent change: see lock_ticket)."""
    role = Q(use_for_client_replied=True) if from_client else Q(use_for_team_replied=True)
    statuses = list(TicketStatus.objects.filter(role | Q(pk=locked.status_id)))
    for status in statuses:
        if status.pk == locked.status_id:
            locked.status = status
    for status in statuses:
        if status.use_for_client_replied if from_client else status.use_for_team_replied:
            return status
    raise TicketStatus.DoesNotExist("No status is used for this kind of reply.")


def _checked_author(
    author: Agent | Contact, kind: Reply.Kind, ticket: Ticket, channel: Channel
) -> tuple[Agent | None, Contact | None]:
    """(agent, contact): who writes, checked; notes are by agents only."""
    if kind not in Reply.Kind.values:
        raise ValidationError({"kind": ["Select reply or note."]})
    agent = None if isinstance(author, Contact) else author
    contact = author if isinstance(author, Contact) else None
    if contact is not None and kind == Reply.Kind.NOTE:
        raise ValidationError({"kind": ["Only agents can write notes."]})
    if contact is not None and contact.client_id != ticket.client_id:
        raise ValidationError({"author": ["The contact does not belong to the ticket's client."]})
    check_agent(agent, "author", former_ok=is_import(channel))
    return agent, contact


def _schedule_emails(
    reply: Reply, stored: Sequence[Attachment], *, channel: Channel, notify: bool
) -> None:
    """After the commit: an agent's public reply is emailed to the client (from the web
    and by email), and a client's tells the agents who follow the ticket."""
    if reply.author_agent_id is not None and channel in notifications.EMAILING_CHANNELS:
        transaction.on_commit(
            partial(tasks.reply_posted, reply.pk, [a.pk for a in stored]), robust=True
        )
    if (
        reply.author_contact_id is not None
        and notify
        and channel not in notifications.SILENT_CHANNELS
    ):
        transaction.on_commit(partial(tasks.client_replied, reply.pk), robust=True)


def delete_reply(*, reply: Reply, actor: Agent | None, channel: Channel) -> None:
    """Remove a reply or note with its files; replies count and last reply at are
    recomputed exactly. The stored files are deleted once the removal is committed."""
    with changes.atomic():
        locked = lock_ticket(reply.ticket)
        reply = Reply.objects.get(pk=reply.pk, ticket=locked)
        now = timezone.now()
        kind, text = reply.kind, reply.text
        reply_id = reply.pk
        removed = list(reply.attachments.values_list("name", "file"))
        reply.delete()
        files.delete_files_on_commit(stored_name for _, stored_name in removed)
        public = Reply.objects.filter(ticket=locked, kind=Reply.Kind.REPLY)
        locked.replies_count = public.count()
        last = (
            public.order_by("-created_at", "-id")
            .values_list("created_at", "text", "author_contact_id")
            .first()
        )
        locked.last_reply_at = last[0] if last else None
        locked.last_message_preview = message_preview(last[1] if last else locked.message)
        locked.last_message_from_client = last[2] is not None if last else locked.creator_id is None
        locked.updated_at = now
        locked.save(
            update_fields=[
                "replies_count",
                "last_reply_at",
                "last_message_preview",
                "last_message_from_client",
                "updated_at",
            ]
        )
        record_event(
            locked,
            TicketEvent.Kind.REPLY_DELETED,
            actor=actor,
            channel=channel,
            old=history.deleted_reply_value(
                reply_id=reply_id, kind=kind, text=text, files=[name for name, _ in removed]
            ),
            at=now,
        )
    refresh_from(reply.ticket, locked)
