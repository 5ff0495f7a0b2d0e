"""Creating, editing, moving and deleting tickets."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from tickets import attachments as files
from tickets import changes, custom_fields, notifications, tasks
from tickets.agents import Agent
from tickets.models import (
    ActiveState,
    Category,
    Channel,
    Client,
    Contact,
    Priority,
    Project,
    Source,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
    history,
)
from tickets.statuses import FixedStatus, StatusCategory

if TYPE_CHECKING:
    from mail.models import Mailbox

from .common import (
    SOURCE_OF_CHANNEL,
    SUBJECT_MAX_LENGTH,
    UNSET,
    Conflict,
    apply_status,
    check_agent,
    check_department,
    clean_text,
    is_import,
    lock_ticket,
    message_preview,
    normalize_tags,
    record_event,
    refresh_from,
)


def _check_project(project: Project | None, client: Client) -> None:
    if project is not None and project.client_id != client.pk:
        raise ValidationError({"project": ["The project does not belong to the ticket's client."]})


def _check_contacts(client: Client, requester: Contact | None, cc: Iterable[Contact]) -> None:
    if requester is not None and requester.client_id != client.pk:
        raise ValidationError({"requester": ["The requester must be a contact of the client."]})
    if any(contact.client_id != client.pk for contact in cc):
        raise ValidationError({"cc": ["Copied contacts must be contacts of the client."]})


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
        lambda: check_department(department),
        lambda: _check_project(project, client),
        lambda: _check_contacts(client, requester, ()),
        lambda: _check_contacts(client, None, cc),
        lambda: check_agent(assignee),
        lambda: normalize_tags(tags),
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
    attachments: Sequence[UploadedFile[bytes]] = (),
    mailbox: Mailbox | None = None,
    message_id: str = "",
    at: datetime.datetime | None = None,
) -> Ticket:
    """Open a new ticket, with files on its opening message. The source follows the
    channel unless given; `at` is when it was opened (an import's original time), else now.

    A ticket that arrives by email remembers its `mailbox` and the `message_id` of the
    email; neither it nor an imported one is refused for the required custom fields
    nobody could fill in.
    """
    subject = clean_text(subject, "subject", max_length=SUBJECT_MAX_LENGTH)
    message = clean_text(message, "message")
    check_department(department)
    _check_project(project, client)
    cc = list(cc)
    _check_contacts(client, requester, cc)
    check_agent(assignee, former_ok=is_import(channel))
    _check_priority(priority)
    # A requester in the portal fills in the fields shown to clients, and only those.
    values = custom_fields.validate_values(
        custom_field_values or {},
        fields=custom_fields.client_fields() if channel == Channel.PORTAL else None,
        require=channel != Channel.EMAIL and not is_import(channel),
    )
    tag_names = normalize_tags(tags)
    checked = files.check_uploads(attachments)
    if source is None:
        source = SOURCE_OF_CHANNEL.get(channel, Source.WEB)
    now = at or timezone.now()
    status = status or TicketStatus.objects.get(pk=FixedStatus.OPEN)
    creator = actor if actor is not None and actor.is_authenticated else None
    with changes.atomic():
        ticket = Ticket.objects.create(
            subject=subject,
            message=message,
            status=status,
            priority=Priority(priority),
            source=source,
            department=department,
            client=client,
            project=project,
            creator=creator,
            requester=requester,
            assignee=assignee,
            team=team,
            due_at=due_at,
            custom_fields=values,
            mailbox=mailbox,
            message_id=message_id,
            created_at=now,
            updated_at=now,
            last_message_preview=message_preview(message),
            # Nobody of the workspace wrote it (an email, the portal): the client did.
            last_message_from_client=creator is None,
            status_changed_at=None,
            resolved_at=now if status.is_closed else None,
            waiting_since=now if status.category == StatusCategory.OPEN else None,
        )
        if cc:
            ticket.cc.set(cc)
        if tag_names:
            ticket.tags.set(tag_names)
        stored = files.store(checked, ticket=ticket, reply=None, uploaded_by=actor)
        record_event(
            ticket,
            TicketEvent.Kind.CREATED,
            actor=actor,
            channel=channel,
            at=now,
            new=history.created_value(
                subject=subject, status=status, files=[a.name for a in stored]
            ),
        )
        _notify_assignee(ticket, assignee, actor=actor, channel=channel)
    return ticket


def _check_priority(priority: Any) -> None:
    if priority not in Priority.values:
        raise ValidationError({"priority": ["Select normal, high or urgent."]})


class _Change(NamedTuple):
    """One history event that update_ticket records."""

    kind: TicketEvent.Kind
    old: Any
    new: Any
    field: str = ""


def _same(value: Any) -> Any:
    return value


def _no_check(value: Any, locked: Ticket) -> None:
    pass


@dataclass(frozen=True)
class _Field:
    """A ticket field that update_ticket changes, with one event of `kind` when it does.

    `check(value, locked)` refuses a value with ValidationError (the locked ticket has its
    new client by then), `clean` gives the value to store and `shown` how a value is kept
    in the history. A foreign key is compared by id, so an unchanged one loads nothing.
    """

    name: str
    kind: TicketEvent.Kind
    check: Callable[[Any, Ticket], None] = _no_check
    clean: Callable[[Any], Any] = _same
    shown: Callable[[Any], Any] = _same

    def change(self, locked: Ticket, value: Any) -> _Change | None:
        """Give the locked ticket `value`; the event to record, or None if it had it."""
        self.check(value, locked)
        value = self.clean(value)
        if Ticket._meta.get_field(self.name).is_relation:
            unchanged = (value.pk if value else None) == getattr(locked, f"{self.name}_id")
        else:
            unchanged = value == getattr(locked, self.name)
        if unchanged:
            return None
        change = _Change(self.kind, self.shown(getattr(locked, self.name)), self.shown(value))
        setattr(locked, self.name, value)
        return change


# The fields in the order update_ticket checks them and records their events.
_FIELDS = (
    _Field(
        "subject",
        TicketEvent.Kind.SUBJECT_CHANGED,
        clean=lambda text: clean_text(text, "subject", max_length=SUBJECT_MAX_LENGTH),
    ),
    _Field(
        "message", TicketEvent.Kind.MESSAGE_CHANGED, clean=lambda text: clean_text(text, "message")
    ),
    _Field(
        "priority",
        TicketEvent.Kind.PRIORITY_CHANGED,
        check=lambda priority, locked: _check_priority(priority),
        clean=Priority,
        shown=lambda priority: Priority(priority).code,
    ),
    _Field(
        "department",
        TicketEvent.Kind.DEPARTMENT_CHANGED,
        check=lambda department, locked: check_department(department),
        shown=history.reference,
    ),
    _Field("client", TicketEvent.Kind.CLIENT_CHANGED, shown=history.reference),
    _Field(
        "project",
        TicketEvent.Kind.PROJECT_CHANGED,
        check=lambda project, locked: _check_project(project, locked.client),
        shown=history.reference,
    ),
    _Field(
        "requester",
        TicketEvent.Kind.REQUESTER_CHANGED,
        check=lambda requester, locked: _check_contacts(locked.client, requester, ()),
        shown=history.reference,
    ),
    _Field(
        "due_at",
        TicketEvent.Kind.DUE_DATE_CHANGED,
        shown=lambda due_at: due_at.isoformat() if due_at else None,
    ),
)


def _drop_old_client_links(
    locked: Ticket, given: dict[str, Any], cc: Iterable[Contact]
) -> Iterable[Contact]:
    """After a client change, the project, requester and CC contacts of the old client no
    longer hold: unless given, they are cleared (`given` is updated) and the CC contacts
    returned are those of the new client."""
    if given["project"] is UNSET and locked.project_id is not None:
        given["project"] = None
    if given["requester"] is UNSET and locked.requester_id is not None:
        given["requester"] = None
    if cc is UNSET:
        cc = [contact for contact in locked.cc.all() if contact.client_id == locked.client_id]
    return cc


def _change_custom_fields(
    locked: Ticket, given: Mapping[str, Any], changed: list[str]
) -> list[_Change]:
    """Give the locked ticket the custom field values; one change per key that differs
    (`changed` gets "custom_fields" when the stored values differ)."""
    values = custom_fields.validate_values(given, current=locked.custom_fields)
    field_changes = []
    for key in sorted(set(values) | set(locked.custom_fields)):
        before, after = locked.custom_fields.get(key), values.get(key)
        if before != after:
            field_changes.append(_Change(TicketEvent.Kind.CUSTOM_FIELD_CHANGED, before, after, key))
    if values != locked.custom_fields:
        locked.custom_fields = values
        changed.append("custom_fields")
    return field_changes


def _change_cc(locked: Ticket, cc: Iterable[Contact]) -> list[_Change]:
    """Give the locked ticket these CC contacts (of its client); the change, if any."""
    cc = list(cc)
    _check_contacts(locked.client, None, cc)
    before = sorted(locked.cc.values_list("pk", flat=True))
    after = sorted({contact.pk for contact in cc})
    if before == after:
        return []
    locked.cc.set(cc)
    return [_Change(TicketEvent.Kind.CC_CHANGED, before, after)]


def change_cc(
    *,
    ticket: Ticket,
    add: Iterable[Contact] = (),
    remove: Iterable[Contact] = (),
    actor: Agent | None,
    channel: Channel,
) -> Ticket:
    """Copy contacts (of the ticket's client) on the ticket and stop copying others,
    keeping the rest as they are when the ticket is locked, so that a contact someone
    else added or removed meanwhile stays that way. One CC_CHANGED event, if any change."""
    add, removed = list(add), {contact.pk for contact in remove}
    with changes.atomic():
        locked = lock_ticket(ticket)
        current = [contact for contact in locked.cc.all() if contact.pk not in removed]
        known = {contact.pk for contact in current}
        cc_changes = _change_cc(locked, [*current, *(c for c in add if c.pk not in known)])
        if cc_changes:
            now = timezone.now()
            locked.updated_at = now
            locked.save(update_fields=["updated_at"])
            record_event(
                locked,
                TicketEvent.Kind.CC_CHANGED,
                actor=actor,
                channel=channel,
                old=cc_changes[0].old,
                new=cc_changes[0].new,
                at=now,
            )
    refresh_from(ticket, locked)
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
    given = {
        "subject": subject,
        "message": message,
        "priority": priority,
        "department": department,
        "client": client,
        "project": project,
        "requester": requester,
        "due_at": due_at,
    }
    with changes.atomic():
        locked = lock_ticket(ticket)
        now = timezone.now()
        changed: list[str] = []
        field_changes: list[_Change] = []
        for field in _FIELDS:
            if given[field.name] is UNSET:
                continue
            change = field.change(locked, given[field.name])
            if change is None:
                continue
            field_changes.append(change)
            changed.append(field.name)
            if field.name == "client":
                cc = _drop_old_client_links(locked, given, cc)
        if custom_field_values is not UNSET:
            field_changes += _change_custom_fields(locked, custom_field_values, changed)
        if cc is not UNSET:
            field_changes += _change_cc(locked, cc)

        if "message" in changed and locked.replies_count == 0:
            # The opening message is the latest public one until somebody replies.
            locked.last_message_preview = message_preview(locked.message)
            changed.append("last_message_preview")
        if changed or field_changes:
            locked.updated_at = now
            locked.save(update_fields=[*changed, "updated_at"])
            for change in field_changes:
                record_event(
                    locked,
                    change.kind,
                    actor=actor,
                    channel=channel,
                    old=change.old,
                    new=change.new,
                    field=change.field,
                    at=now,
                )
    refresh_from(ticket, locked)
    return ticket


def change_status(
    *,
    ticket: Ticket,
    status: TicketStatus,
    actor: Agent | None,
    channel: Channel,
    actor_contact: Contact | None = None,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Move a ticket to another status (at `at`, else now); closing stamps resolved at,
    reopening clears it. `actor_contact` is the requester who made the change (in the
    portal)."""
    with changes.atomic():
        locked = lock_ticket(ticket)
        now = at or timezone.now()
        changed = apply_status(
            locked, status, actor=actor, actor_contact=actor_contact, channel=channel, now=now
        )
        if changed:
            locked.updated_at = now
            locked.save(update_fields=[*changed, "updated_at"])
    refresh_from(ticket, locked)
    return ticket


def assign(
    *,
    ticket: Ticket,
    assignee: Agent | None,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Give a ticket to an agent, or take it from them with assignee=None."""
    check_agent(assignee, former_ok=is_import(channel))
    with changes.atomic():
        locked = lock_ticket(ticket)
        kind = TicketEvent.Kind.ASSIGNED
        if _set_link(locked, "assignee", assignee, kind, actor, channel, at=at):
            _notify_assignee(locked, assignee, actor=actor, channel=channel)
    refresh_from(ticket, locked)
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
        partial(tasks.ticket_assigned, ticket.pk, assignee.pk, actor_id), robust=True
    )


def set_team(
    *,
    ticket: Ticket,
    team: Team | None,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    with changes.atomic():
        locked = lock_ticket(ticket)
        _set_link(locked, "team", team, TicketEvent.Kind.TEAM_CHANGED, actor, channel, at=at)
    refresh_from(ticket, locked)
    return ticket


def _set_link(
    locked: Ticket,
    field: str,
    value: Any,
    kind: TicketEvent.Kind,
    actor: Agent | None,
    channel: Channel,
    *,
    at: datetime.datetime | None,
) -> bool:
    """Point a locked ticket's foreign key `field` at `value` and record it; False if unchanged."""
    if (value.pk if value else None) == getattr(locked, f"{field}_id"):
        return False
    now = at or timezone.now()
    old = history.reference(getattr(locked, field))
    setattr(locked, field, value)
    locked.updated_at = now
    locked.save(update_fields=[field, "updated_at"])
    record_event(
        locked, kind, actor=actor, channel=channel, old=old, new=history.reference(value), at=now
    )
    return True


def set_tags(
    *,
    ticket: Ticket,
    tags: Iterable[str],
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Replace the ticket's tags with exactly `tags`; an empty list clears them."""
    new_tags = normalize_tags(tags)
    return _change_tags(ticket, lambda current: new_tags, actor=actor, channel=channel, at=at)


def add_tags(
    *, ticket: Ticket, tags: Iterable[str], actor: Agent | None, channel: Channel
) -> Ticket:
    return change_tags(ticket=ticket, add=tags, actor=actor, channel=channel)


def remove_tags(
    *, ticket: Ticket, tags: Iterable[str], actor: Agent | None, channel: Channel
) -> Ticket:
    return change_tags(ticket=ticket, remove=tags, actor=actor, channel=channel)


def change_tags(
    *,
    ticket: Ticket,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    actor: Agent | None,
    channel: Channel,
) -> Ticket:
    """Add and remove some tags, keeping the others as they are when the ticket is locked,
    so that a tag someone else added or removed meanwhile stays that way."""
    added = normalize_tags(add)
    removed = {name.lower() for name in normalize_tags(remove, limit=False)}

    def changed(current: list[str]) -> list[str]:
        kept = [name for name in current if name.lower() not in removed]
        return normalize_tags([*kept, *added])

    return _change_tags(ticket, changed, actor=actor, channel=channel)


def _change_tags(
    ticket: Ticket,
    new_tags_for: Callable[[list[str]], list[str]],
    *,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Give the locked ticket the tags `new_tags_for(its current tags)`, with one event."""
    with changes.atomic():
        locked = lock_ticket(ticket)
        old_tags = sorted(locked.tags.names(), key=str.lower)
        new_tags = new_tags_for(old_tags)
        if old_tags != new_tags:
            now = at or timezone.now()
            locked.tags.set(new_tags)
            locked.updated_at = now
            locked.save(update_fields=["updated_at"])
            record_event(
                locked,
                TicketEvent.Kind.TAGS_CHANGED,
                actor=actor,
                channel=channel,
                old=old_tags,
                new=new_tags,
                at=now,
            )
    refresh_from(ticket, locked)
    # Drops the tags prefetched before the change (Django's prefetch cache is not in the stubs).
    ticket._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    return ticket


def archive(
    *,
    ticket: Ticket,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Archive a ticket (at `at`, an import's original time, else now)."""
    return _set_active_state(ticket, ActiveState.ARCHIVED, actor=actor, channel=channel, at=at)


def restore(*, ticket: Ticket, actor: Agent | None, channel: Channel) -> Ticket:
    return _set_active_state(ticket, ActiveState.ACTIVE, actor=actor, channel=channel)


def _set_active_state(
    ticket: Ticket,
    state: ActiveState,
    *,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    with changes.atomic():
        locked = lock_ticket(ticket)
        if locked.active_state == state:
            raise Conflict(
                "The ticket is already archived."
                if state == ActiveState.ARCHIVED
                else "The ticket is not archived."
            )
        now = at or timezone.now()
        locked.active_state = state
        locked.updated_at = now
        locked.save(update_fields=["active_state", "updated_at"])
        kind = (
            TicketEvent.Kind.ARCHIVED
            if state == ActiveState.ARCHIVED
            else TicketEvent.Kind.RESTORED
        )
        record_event(locked, kind, actor=actor, channel=channel, at=now)
    refresh_from(ticket, locked)
    return ticket


def mark_spam(
    *,
    ticket: Ticket,
    is_spam: bool,
    actor: Agent | None,
    channel: Channel,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Mark a ticket as spam, or not; spam is hidden from the normal views."""
    with changes.atomic():
        locked = lock_ticket(ticket)
        if locked.is_spam != is_spam:
            now = at or timezone.now()
            locked.is_spam = is_spam
            locked.updated_at = now
            locked.save(update_fields=["is_spam", "updated_at"])
            kind = TicketEvent.Kind.SPAM_MARKED if is_spam else TicketEvent.Kind.SPAM_UNMARKED
            record_event(locked, kind, actor=actor, channel=channel, at=now)
    refresh_from(ticket, locked)
    return ticket


def set_last_updated(*, ticket: Ticket, at: datetime.datetime) -> Ticket:
    """Move the ticket's last-updated time forward to `at`, recording no event.

    For an import only: the system it comes from changed the ticket last at `at` in a way
    its export does not tell (a tag removed, a field edited), so no event could say what
    changed; every event the import replays is recorded by the other services. Never
    moves the time back."""
    with changes.atomic():
        locked = lock_ticket(ticket)
        if at < locked.updated_at:
            raise ValidationError({"updated_at": ["The ticket changed after that time."]})
        if at != locked.updated_at:
            locked.updated_at = at
            locked.save(update_fields=["updated_at"])
    refresh_from(ticket, locked)
    return ticket


def delete_ticket(*, ticket: Ticket, actor: Agent | None, channel: Channel) -> None:
    """Delete a ticket with its conversation, history and files (removed from storage
    once the deletion is committed)."""
    import logging

    with changes.atomic():
        locked = lock_ticket(ticket)
        logging.getLogger("tickets").info(
            "Ticket #%s deleted by %s via %s", locked.pk, actor, channel
        )
        stored_names = list(locked.attachments.values_list("file", flat=True))
        locked.delete()
        files.delete_files_on_commit(stored_names)
