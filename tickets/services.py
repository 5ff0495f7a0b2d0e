"""Every change to a ticket goes through these functions.

Each one validates its input, locks the ticket row, writes the change, keeps the
denormalized fields (status changed, first response, resolved, replies count,
last reply, last updated) true, and records a TicketEvent with the actor and the
channel. Side effects such as emails are scheduled with `transaction.on_commit`,
so they never run for a change that was rolled back.

Emails (see `tickets.notifications`): an agent's public reply made in the web UI
goes to the requester and the CC contacts, and an assignment made there tells
the assignee (unless they assigned themselves). Notes are never emailed; the
API and the admin are silent.

Validation problems raise `django.core.exceptions.ValidationError` with a dict
of field messages; a change that the ticket's state forbids raises `Conflict`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import custom_fields, notifications
from .models import (
    ActiveState,
    Category,
    Channel,
    Client,
    Contact,
    Priority,
    Project,
    Rating,
    Reply,
    Source,
    Team,
    Ticket,
    TicketEvent,
    TicketPin,
    TicketStar,
    TicketStatus,
)

Agent = AbstractBaseUser


class Conflict(Exception):
    """The change conflicts with the ticket's current state (HTTP 409)."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks a keyword argument that was not given, as distinct from None."""

SUBJECT_MAX_LENGTH = Ticket._meta.get_field("subject").max_length


# Helpers -------------------------------------------------------------------


def _record(
    ticket: Ticket,
    kind: TicketEvent.Kind,
    *,
    actor: Agent | None,
    channel: Channel,
    old: Any = None,
    new: Any = None,
    field: str = "",
    actor_contact: Contact | None = None,
    at: datetime.datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_contact=actor_contact,
        channel=channel,
        field=field,
        old_value=old,
        new_value=new,
        created_at=at or timezone.now(),
    )


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked until the transaction ends, with fresh values."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _sync(target: Ticket, source: Ticket) -> None:
    """Copy a locked ticket's values back onto the caller's instance."""
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("status", "department", "client", "project", "assignee", "team", "requester"):
        field = Ticket._meta.get_field(name)
        if field.is_cached(target):
            field.delete_cached_value(target)


def _label(obj: Any) -> Any:
    """How a related object is kept in the history: its id and its name."""
    if obj is None:
        return None
    name = getattr(obj, "title", None) or getattr(obj, "name", None) or str(obj)
    if hasattr(obj, "get_username"):
        name = obj.get_full_name() or obj.get_username()
    return {"id": obj.pk, "name": name}


def _clean_text(value: str, field: str, *, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ["This field is required."]})
    if max_length and len(text) > max_length:
        raise ValidationError({field: [f"Ensure this value has at most {max_length} characters."]})
    return text


def _check_department(department: Category) -> None:
    if department.type != Category.Type.TICKET:
        raise ValidationError({"department": ["The department must be a category of type ticket."]})


def _check_project(project: Project | None, client: Client) -> None:
    if project is not None and project.client_id != client.pk:
        raise ValidationError({"project": ["The project does not belong to the ticket's client."]})


def _check_contacts(client: Client, requester: Contact | None, cc: Iterable[Contact]) -> None:
    if requester is not None and requester.client_id != client.pk:
        raise ValidationError({"requester": ["The requester must be a contact of the client."]})
    if any(contact.client_id != client.pk for contact in cc):
        raise ValidationError({"cc": ["Copied contacts must be contacts of the client."]})


def _check_agent(agent: Agent | None, field: str = "assignee") -> None:
    if agent is not None and not (agent.is_active and agent.is_staff):
        raise ValidationError({field: ["Tickets can only be assigned to active agents."]})


def _normalize_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        name = str(tag).strip()
        if not name:
            continue
        if len(name) > 100:
            raise ValidationError({"tags": ["A tag has at most 100 characters."]})
        seen.setdefault(name.lower(), name)
    return sorted(seen.values(), key=str.lower)


def _apply_status(
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Agent | None,
    channel: Channel,
    now: datetime.datetime,
    actor_contact: Contact | None = None,
) -> list[str]:
    """Move a locked ticket to `status`; returns the fields it changed."""
    if ticket.status_id == status.pk:
        return []
    old_status = ticket.status
    ticket.status = status
    ticket.status_changed_at = now
    changed = ["status", "status_changed_at"]
    if status.is_closed and not old_status.is_closed:
        ticket.resolved_at = now
        changed.append("resolved_at")
    elif not status.is_closed and ticket.resolved_at is not None:
        ticket.resolved_at = None
        changed.append("resolved_at")
    _record(
        ticket,
        TicketEvent.Kind.STATUS_CHANGED,
        actor=actor,
        actor_contact=actor_contact,
        channel=channel,
        old=_label(old_status),
        new=_label(status),
        at=now,
    )
    return changed


# Tickets -------------------------------------------------------------------


def check_ticket_fields(
    *,
    client: Client,
    department: Category,
    project: Project | None = None,
    requester: Contact | None = None,
    cc: Iterable[Contact] = (),
    assignee: Agent | None = None,
    tags: Iterable[str] = (),
) -> None:
    """Run the checks of create_ticket and update_ticket on a complete set of values.

    Forms call it to show every problem next to its field before anything is saved.
    Raises one ValidationError with the messages of all failed checks, by field.
    """
    errors: dict[str, list[str]] = {}
    checks = (
        lambda: _check_department(department),
        lambda: _check_project(project, client),
        lambda: _check_contacts(client, requester, ()),
        lambda: _check_contacts(client, None, cc),
        lambda: _check_agent(assignee),
        lambda: _normalize_tags(tags),
    )
    for check in checks:
        try:
            check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)


def create_ticket(
    *,
    client: Client,
    department: Category,
    subject: str,
    message: str,
    priority: Priority = Priority.NORMAL,
    actor: Agent | None,
    channel: Channel,
    source: Source | None = None,
    project: Project | None = None,
    requester: Contact | None = None,
    cc: Iterable[Contact] = (),
    assignee: Agent | None = None,
    team: Team | None = None,
    due_at: datetime.datetime | None = None,
    tags: Iterable[str] = (),
    custom_field_values: Mapping[str, Any] | None = None,
    status: TicketStatus | None = None,
) -> Ticket:
    """Open a new ticket. The source follows the channel unless given."""
    subject = _clean_text(subject, "subject", max_length=SUBJECT_MAX_LENGTH)
    message = _clean_text(message, "message")
    _check_department(department)
    _check_project(project, client)
    cc = list(cc)
    _check_contacts(client, requester, cc)
    _check_agent(assignee)
    if priority not in Priority.values:
        raise ValidationError({"priority": ["Select normal, high or urgent."]})
    values = custom_fields.validate_values(custom_field_values or {})
    tag_names = _normalize_tags(tags)
    if source is None:
        source = {Channel.API: Source.API, Channel.EMAIL: Source.EMAIL}.get(channel, Source.WEB)
    now = timezone.now()
    status = status or TicketStatus.objects.get(pk=TicketStatus.OPEN)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            subject=subject,
            message=message,
            status=status,
            priority=Priority(priority),
            source=source,
            department=department,
            client=client,
            project=project,
            creator=actor if actor is not None and actor.is_authenticated else None,
            requester=requester,
            assignee=assignee,
            team=team,
            due_at=due_at,
            custom_fields=values,
            created_at=now,
            updated_at=now,
            status_changed_at=None,
            resolved_at=now if status.is_closed else None,
        )
        if cc:
            ticket.cc.set(cc)
        if tag_names:
            ticket.tags.set(tag_names)
        _record(
            ticket,
            TicketEvent.Kind.CREATED,
            actor=actor,
            channel=channel,
            at=now,
            new={"subject": subject, "status": _label(status)},
        )
        _notify_assignee(ticket, assignee, actor=actor, channel=channel)
    return ticket


def update_ticket(
    *,
    ticket: Ticket,
    actor: Agent | None,
    channel: Channel,
    subject: str = UNSET,
    message: str = UNSET,
    priority: Priority = UNSET,
    department: Category = UNSET,
    client: Client = UNSET,
    project: Project | None = UNSET,
    requester: Contact | None = UNSET,
    cc: Iterable[Contact] = UNSET,
    due_at: datetime.datetime | None = UNSET,
    custom_field_values: Mapping[str, Any] = UNSET,
) -> Ticket:
    """Change a ticket's fields; only the arguments given are touched.

    One history event is recorded for each field whose value really changes.
    """
    with transaction.atomic():
        locked = _locked(ticket)
        now = timezone.now()
        changed: list[str] = []
        events: list[tuple[TicketEvent.Kind, Any, Any, str]] = []

        if subject is not UNSET:
            subject = _clean_text(subject, "subject", max_length=SUBJECT_MAX_LENGTH)
            if subject != locked.subject:
                events.append((TicketEvent.Kind.SUBJECT_CHANGED, locked.subject, subject, ""))
                locked.subject = subject
                changed.append("subject")
        if message is not UNSET:
            message = _clean_text(message, "message")
            if message != locked.message:
                events.append((TicketEvent.Kind.MESSAGE_CHANGED, locked.message, message, ""))
                locked.message = message
                changed.append("message")
        if priority is not UNSET:
            if priority not in Priority.values:
                raise ValidationError({"priority": ["Select normal, high or urgent."]})
            if priority != locked.priority:
                events.append(
                    (
                        TicketEvent.Kind.PRIORITY_CHANGED,
                        Priority(locked.priority).code,
                        Priority(priority).code,
                        "",
                    )
                )
                locked.priority = Priority(priority)
                changed.append("priority")
        if department is not UNSET:
            _check_department(department)
            if department.pk != locked.department_id:
                events.append(
                    (
                        TicketEvent.Kind.DEPARTMENT_CHANGED,
                        _label(locked.department),
                        _label(department),
                        "",
                    )
                )
                locked.department = department
                changed.append("department")
        if client is not UNSET and client.pk != locked.client_id:
            events.append(
                (TicketEvent.Kind.CLIENT_CHANGED, _label(locked.client), _label(client), "")
            )
            locked.client = client
            changed.append("client")
            # Links to the old client's contacts and project no longer hold.
            if project is UNSET and locked.project_id is not None:
                project = None
            if requester is UNSET and locked.requester_id is not None:
                requester = None
            if cc is UNSET:
                cc = [c for c in locked.cc.all() if c.client_id == client.pk]
        if project is not UNSET:
            _check_project(project, locked.client)
            if (project.pk if project else None) != locked.project_id:
                events.append(
                    (TicketEvent.Kind.PROJECT_CHANGED, _label(locked.project), _label(project), "")
                )
                locked.project = project
                changed.append("project")
        if requester is not UNSET:
            _check_contacts(locked.client, requester, ())
            if (requester.pk if requester else None) != locked.requester_id:
                events.append(
                    (
                        TicketEvent.Kind.REQUESTER_CHANGED,
                        _label(locked.requester),
                        _label(requester),
                        "",
                    )
                )
                locked.requester = requester
                changed.append("requester")
        if due_at is not UNSET and due_at != locked.due_at:
            events.append(
                (
                    TicketEvent.Kind.DUE_DATE_CHANGED,
                    locked.due_at.isoformat() if locked.due_at else None,
                    due_at.isoformat() if due_at else None,
                    "",
                )
            )
            locked.due_at = due_at
            changed.append("due_at")
        if custom_field_values is not UNSET:
            values = custom_fields.validate_values(
                custom_field_values, current=locked.custom_fields
            )
            for key in sorted(set(values) | set(locked.custom_fields)):
                before, after = locked.custom_fields.get(key), values.get(key)
                if before != after:
                    events.append((TicketEvent.Kind.CUSTOM_FIELD_CHANGED, before, after, key))
            if values != locked.custom_fields:
                locked.custom_fields = values
                changed.append("custom_fields")
        cc_changed = False
        if cc is not UNSET:
            cc = list(cc)
            _check_contacts(locked.client, None, cc)
            before_cc = sorted(locked.cc.values_list("pk", flat=True))
            after_cc = sorted({contact.pk for contact in cc})
            if before_cc != after_cc:
                locked.cc.set(cc)
                events.append((TicketEvent.Kind.CC_CHANGED, before_cc, after_cc, ""))
                cc_changed = True

        if changed or cc_changed:
            locked.updated_at = now
            locked.save(update_fields=[*changed, "updated_at"])
            for kind, old, new, field in events:
                _record(
                    locked,
                    kind,
                    actor=actor,
                    channel=channel,
                    old=old,
                    new=new,
                    field=field,
                    at=now,
                )
    _sync(ticket, locked)
    return ticket


def change_status(
    *, ticket: Ticket, status: TicketStatus, actor: Agent | None, channel: Channel
) -> Ticket:
    """Move a ticket to another status; closing stamps resolved at, reopening clears it."""
    with transaction.atomic():
        locked = _locked(ticket)
        now = timezone.now()
        changed = _apply_status(locked, status, actor=actor, channel=channel, now=now)
        if changed:
            locked.updated_at = now
            locked.save(update_fields=[*changed, "updated_at"])
    _sync(ticket, locked)
    return ticket


def assign(
    *, ticket: Ticket, assignee: Agent | None, actor: Agent | None, channel: Channel
) -> Ticket:
    """Give a ticket to an agent, or take it from them with assignee=None."""
    _check_agent(assignee)
    with transaction.atomic():
        locked = _locked(ticket)
        if (assignee.pk if assignee else None) == locked.assignee_id:
            _sync(ticket, locked)
            return ticket
        now = timezone.now()
        old = _label(locked.assignee)
        locked.assignee = assignee
        locked.updated_at = now
        locked.save(update_fields=["assignee", "updated_at"])
        _record(
            locked,
            TicketEvent.Kind.ASSIGNED,
            actor=actor,
            channel=channel,
            old=old,
            new=_label(assignee),
            at=now,
        )
        _notify_assignee(locked, assignee, actor=actor, channel=channel)
    _sync(ticket, locked)
    return ticket


def _notify_assignee(
    ticket: Ticket, assignee: Agent | None, *, actor: Agent | None, channel: Channel
) -> None:
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    if (
        assignee is None
        or assignee.pk == actor_id
        or channel not in notifications.EMAILING_CHANNELS
    ):
        return
    transaction.on_commit(
        partial(notifications.ticket_assigned, ticket.pk, assignee.pk, actor_id), robust=True
    )


def set_team(*, ticket: Ticket, team: Team | None, actor: Agent | None, channel: Channel) -> Ticket:
    with transaction.atomic():
        locked = _locked(ticket)
        if (team.pk if team else None) != locked.team_id:
            now = timezone.now()
            old = _label(locked.team)
            locked.team = team
            locked.updated_at = now
            locked.save(update_fields=["team", "updated_at"])
            _record(
                locked,
                TicketEvent.Kind.TEAM_CHANGED,
                actor=actor,
                channel=channel,
                old=old,
                new=_label(team),
                at=now,
            )
    _sync(ticket, locked)
    return ticket


def set_tags(
    *, ticket: Ticket, tags: Iterable[str], actor: Agent | None, channel: Channel
) -> Ticket:
    """Replace the ticket's tags with exactly `tags`; an empty list clears them."""
    new_tags = _normalize_tags(tags)
    with transaction.atomic():
        locked = _locked(ticket)
        old_tags = sorted(locked.tags.names(), key=str.lower)
        if old_tags != new_tags:
            now = timezone.now()
            locked.tags.set(new_tags)
            locked.updated_at = now
            locked.save(update_fields=["updated_at"])
            _record(
                locked,
                TicketEvent.Kind.TAGS_CHANGED,
                actor=actor,
                channel=channel,
                old=old_tags,
                new=new_tags,
                at=now,
            )
    _sync(ticket, locked)
    ticket._prefetched_objects_cache = {}
    return ticket


def add_tags(
    *, ticket: Ticket, tags: Iterable[str], actor: Agent | None, channel: Channel
) -> Ticket:
    current = list(ticket.tags.names())
    return set_tags(ticket=ticket, tags=[*current, *tags], actor=actor, channel=channel)


def remove_tags(
    *, ticket: Ticket, tags: Iterable[str], actor: Agent | None, channel: Channel
) -> Ticket:
    removed = {str(tag).strip().lower() for tag in tags}
    kept = [name for name in ticket.tags.names() if name.lower() not in removed]
    return set_tags(ticket=ticket, tags=kept, actor=actor, channel=channel)


def archive(*, ticket: Ticket, actor: Agent | None, channel: Channel) -> Ticket:
    return _set_active_state(ticket, ActiveState.ARCHIVED, actor=actor, channel=channel)


def restore(*, ticket: Ticket, actor: Agent | None, channel: Channel) -> Ticket:
    return _set_active_state(ticket, ActiveState.ACTIVE, actor=actor, channel=channel)


def _set_active_state(
    ticket: Ticket, state: ActiveState, *, actor: Agent | None, channel: Channel
) -> Ticket:
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.active_state == state:
            raise Conflict(
                "The ticket is already archived."
                if state == ActiveState.ARCHIVED
                else "The ticket is not archived."
            )
        now = timezone.now()
        locked.active_state = state
        locked.updated_at = now
        locked.save(update_fields=["active_state", "updated_at"])
        kind = (
            TicketEvent.Kind.ARCHIVED
            if state == ActiveState.ARCHIVED
            else TicketEvent.Kind.RESTORED
        )
        _record(locked, kind, actor=actor, channel=channel, at=now)
    _sync(ticket, locked)
    return ticket


def mark_spam(*, ticket: Ticket, is_spam: bool, actor: Agent | None, channel: Channel) -> Ticket:
    """Mark a ticket as spam, or not; spam is hidden from the normal views."""
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_spam != is_spam:
            now = timezone.now()
            locked.is_spam = is_spam
            locked.updated_at = now
            locked.save(update_fields=["is_spam", "updated_at"])
            kind = TicketEvent.Kind.SPAM_MARKED if is_spam else TicketEvent.Kind.SPAM_UNMARKED
            _record(locked, kind, actor=actor, channel=channel, at=now)
    _sync(ticket, locked)
    return ticket


def delete_ticket(*, ticket: Ticket, actor: Agent | None, channel: Channel) -> None:
    """Delete a ticket with its conversation and history."""
    import logging

    with transaction.atomic():
        locked = _locked(ticket)
        logging.getLogger("tickets").info(
            "Ticket #%s deleted by %s via %s", locked.pk, actor, channel
        )
        locked.delete()


# The conversation -----------------------------------------------------------


def post_reply(
    *,
    ticket: Ticket,
    text: str,
    kind: Reply.Kind = Reply.Kind.REPLY,
    author: Agent | Contact,
    channel: Channel,
    source: Source | None = None,
) -> Reply:
    """Add a reply or an internal note to the conversation.

    An agent's reply moves the ticket to the team-replied status and stamps the
    first response; a contact's reply moves it to the client-replied status.
    A note changes neither. Replies count and last reply at cover public
    replies only; notes are internal.
    """
    text = _clean_text(text, "text")
    if kind not in Reply.Kind.values:
        raise ValidationError({"kind": ["Select reply or note."]})
    by_contact = isinstance(author, Contact)
    if by_contact and kind == Reply.Kind.NOTE:
        raise ValidationError({"kind": ["Only agents can write notes."]})
    if by_contact and author.client_id != ticket.client_id:
        raise ValidationError({"author": ["The contact does not belong to the ticket's client."]})
    if not by_contact:
        _check_agent(author, "author")
    if source is None:
        source = {Channel.API: Source.API, Channel.EMAIL: Source.EMAIL}.get(channel, Source.WEB)
    with transaction.atomic():
        locked = _locked(ticket)
        now = timezone.now()
        reply = Reply.objects.create(
            ticket=locked,
            kind=kind,
            text=text,
            author_agent=None if by_contact else author,
            author_contact=author if by_contact else None,
            source=source,
            created_at=now,
        )
        actor = None if by_contact else author
        actor_contact = author if by_contact else None
        changed = ["updated_at"]
        locked.updated_at = now
        if kind == Reply.Kind.REPLY:
            locked.replies_count += 1
            locked.last_reply_at = now
            changed += ["replies_count", "last_reply_at"]
            if by_contact:
                target = TicketStatus.client_replied()
            else:
                target = TicketStatus.team_replied()
                if locked.first_response_at is None:
                    locked.first_response_at = now
                    changed.append("first_response_at")
            changed += _apply_status(
                locked, target, actor=actor, actor_contact=actor_contact, channel=channel, now=now
            )
        locked.save(update_fields=changed)
        _record(
            locked,
            TicketEvent.Kind.NOTE_ADDED
            if kind == Reply.Kind.NOTE
            else TicketEvent.Kind.REPLY_ADDED,
            actor=actor,
            actor_contact=actor_contact,
            channel=channel,
            new={"reply_id": reply.pk},
            at=now,
        )
        if (
            kind == Reply.Kind.REPLY
            and not by_contact
            and channel in notifications.EMAILING_CHANNELS
        ):
            transaction.on_commit(partial(notifications.reply_posted, reply.pk), robust=True)
    _sync(ticket, locked)
    return reply


def delete_reply(*, reply: Reply, actor: Agent | None, channel: Channel) -> None:
    """Remove a reply or note; replies count and last reply at are recomputed exactly."""
    with transaction.atomic():
        locked = _locked(reply.ticket)
        reply = Reply.objects.get(pk=reply.pk, ticket=locked)
        now = timezone.now()
        kind, text = reply.kind, reply.text
        reply_id = reply.pk
        reply.delete()
        public = Reply.objects.filter(ticket=locked, kind=Reply.Kind.REPLY)
        locked.replies_count = public.count()
        last = public.order_by("-created_at").values_list("created_at", flat=True).first()
        locked.last_reply_at = last
        locked.updated_at = now
        locked.save(update_fields=["replies_count", "last_reply_at", "updated_at"])
        _record(
            locked,
            TicketEvent.Kind.REPLY_DELETED,
            actor=actor,
            channel=channel,
            old={"reply_id": reply_id, "kind": kind, "text": text},
            at=now,
        )
    _sync(reply.ticket, locked)


# Ratings, stars and pins -------------------------------------------------------


def rate_ticket(
    *,
    ticket: Ticket,
    value: Rating.Value,
    comment: str = "",
    contact: Contact | None,
    channel: Channel,
) -> Rating:
    """Record (or replace) the client's rating of a ticket; the agent rated is the assignee."""
    if value not in Rating.Value.values:
        raise ValidationError({"value": ["Select good or bad."]})
    with transaction.atomic():
        locked = _locked(ticket)
        now = timezone.now()
        rating, _ = Rating.objects.update_or_create(
            ticket=locked,
            defaults={
                "value": value,
                "comment": comment.strip(),
                "contact": contact,
                "agent_id": locked.assignee_id,
                "created_at": now,
            },
        )
        _record(
            locked,
            TicketEvent.Kind.RATED,
            actor=None,
            actor_contact=contact,
            channel=channel,
            new={"value": value, "comment": comment.strip()},
            at=now,
        )
    return rating


def set_star(*, ticket: Ticket, agent: Agent, starred: bool) -> None:
    """Star or unstar a ticket for one agent (personal; not ticket state)."""
    if starred:
        TicketStar.objects.get_or_create(ticket=ticket, agent=agent)
    else:
        TicketStar.objects.filter(ticket=ticket, agent=agent).delete()


def set_pin(*, ticket: Ticket, agent: Agent, pinned: bool) -> None:
    """Pin or unpin a ticket to the top of one agent's queue (personal; not ticket state)."""
    if pinned:
        TicketPin.objects.get_or_create(ticket=ticket, agent=agent)
    else:
        TicketPin.objects.filter(ticket=ticket, agent=agent).delete()
