"""Every change to a ticket goes through these functions.

Each one validates its input, locks the ticket row, writes the change, keeps the
denormalized fields (status changed, first response, resolved, replies count,
last reply, last updated) true, and records a TicketEvent with the actor and the
channel. Side effects such as emails are scheduled with `transaction.on_commit`,
so they never run for a change that was rolled back.

Emails (see `tickets.notifications`): an agent's public reply made in the web UI
goes to the requester and the CC contacts, and an assignment made there tells
the assignee (unless they assigned themselves). Notes are never emailed; the
API and the admin are silent, and an import (channel import) tells nobody at all.

Times: a change happens now, unless the service takes `at` (an import replays the
original times with it); the history event and the ticket's times take that moment.

Validation problems raise `django.core.exceptions.ValidationError` with a dict
of field messages; a change that the ticket's state forbids raises `Conflict`, and
a reply written against an old version of the ticket raises `Stale` (a `Conflict`).

Callers use the package: `from tickets import services; services.post_reply(...)`.
"""

from .bulk import MAX_BULK_TICKETS, BulkAction, BulkResult, apply_bulk_action
from .common import UNSET, Conflict, Stale
from .conversation import delete_reply, post_reply
from .delivery import record_bounce
from .feedback import rate_ticket, set_pin, set_star
from .macros import apply_macro
from .many import change_status_of_many, set_field_of_many
from .removal import delete_agent, delete_contact, delete_team
from .service_levels import record_sla_breach
from .sticky_notes import add_sticky_note, change_sticky_note, remove_sticky_note
from .tickets import (
    add_tags,
    archive,
    assign,
    change_cc,
    change_status,
    change_tags,
    check_ticket_fields,
    create_ticket,
    delete_ticket,
    mark_spam,
    remove_tags,
    restore,
    set_last_updated,
    set_tags,
    set_team,
    update_ticket,
)

__all__ = [
    "MAX_BULK_TICKETS",
    "UNSET",
    "BulkAction",
    "BulkResult",
    "Conflict",
    "Stale",
    "add_sticky_note",
    "add_tags",
    "apply_bulk_action",
    "apply_macro",
    "archive",
    "assign",
    "change_cc",
    "change_status",
    "change_status_of_many",
    "change_sticky_note",
    "change_tags",
    "check_ticket_fields",
    "create_ticket",
    "delete_agent",
    "delete_contact",
    "delete_reply",
    "delete_team",
    "delete_ticket",
    "mark_spam",
    "post_reply",
    "rate_ticket",
    "record_bounce",
    "record_sla_breach",
    "remove_sticky_note",
    "remove_tags",
    "restore",
    "set_field_of_many",
    "set_last_updated",
    "set_pin",
    "set_star",
    "set_tags",
    "set_team",
    "update_ticket",
]
