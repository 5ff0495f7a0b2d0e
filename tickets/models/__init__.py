"""The helpdesk's models, by concept: `organisation` (categories, clients, contacts,
projects, teams), `tickets`, `conversation` (replies, files, ratings), `history` (events and
their payloads), `api_keys`, `idempotency` (the answers of requests made with an
Idempotency-Key), `workspace` (the agents' aids), `notifications` (the bell's mentions and
client replies), and `counts` and `search` (kept by PostgreSQL).

Models hold data and integrity rules only. Every change to a ticket goes through
`tickets.services`, which keeps the denormalized fields and the history true.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Field, Model

from .api_keys import ApiKey, ApiKeyQuerySet
from .conversation import (
    PREVIEWABLE_IMAGE_TYPES,
    Attachment,
    Rating,
    RatingRequest,
    Reply,
    attachment_path,
)
from .counts import TicketCount, TicketTagCount, TicketWorkloadCount
from .history import TicketEvent
from .idempotency import IDEMPOTENCY_KEY_LIFETIME, IdempotencyKey, IdempotencyKeyQuerySet
from .notifications import Notification, NotificationQuerySet
from .organisation import (
    Category,
    Client,
    ClientDomain,
    ClientQuerySet,
    Contact,
    Project,
    Team,
)
from .search import TicketHiddenSearchTerm, TicketSearchDocument, TicketSearchTerm
from .tickets import (
    ActiveState,
    Channel,
    CustomField,
    Priority,
    SlaState,
    Source,
    TaggedTicket,
    Ticket,
    TicketPin,
    TicketQuerySet,
    TicketStar,
    TicketStatus,
)
from .workspace import (
    AssignAction,
    CannedResponse,
    NotificationSettings,
    SavedView,
    StickyNote,
    TeamAction,
    TicketPresence,
    TicketVisit,
)

__all__ = [
    "IDEMPOTENCY_KEY_LIFETIME",
    "PREVIEWABLE_IMAGE_TYPES",
    "ActiveState",
    "ApiKey",
    "ApiKeyQuerySet",
    "AssignAction",
    "Attachment",
    "CannedResponse",
    "Category",
    "Channel",
    "Client",
    "ClientDomain",
    "ClientQuerySet",
    "Contact",
    "CustomField",
    "IdempotencyKey",
    "IdempotencyKeyQuerySet",
    "Notification",
    "NotificationQuerySet",
    "NotificationSettings",
    "Priority",
    "Project",
    "Rating",
    "RatingRequest",
    "Reply",
    "SavedView",
    "SlaState",
    "Source",
    "StickyNote",
    "TaggedTicket",
    "Team",
    "TeamAction",
    "Ticket",
    "TicketCount",
    "TicketEvent",
    "TicketHiddenSearchTerm",
    "TicketPin",
    "TicketPresence",
    "TicketQuerySet",
    "TicketSearchDocument",
    "TicketSearchTerm",
    "TicketStar",
    "TicketStatus",
    "TicketTagCount",
    "TicketVisit",
    "TicketWorkloadCount",
    "attachment_path",
    "max_length",
]


def max_length(model: type[Model], field_name: str) -> int:
    """The most characters a model's text field holds, for checks made before saving."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or field.max_length is None:
        raise ImproperlyConfigured(f"{model.__name__}.{field_name} has no max_length.")
    return field.max_length
