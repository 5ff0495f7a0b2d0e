"""The domain: tickets, their conversation and history, and who they belong to."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class Category(models.Model):
    """A grouping used across the helpdesk; a department is a category of type ticket."""

    class Type(models.TextChoices):
        TICKET = "ticket", "Ticket"
        PROJECT = "project", "Project"
        CLIENT = "client", "Client"

    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.TICKET)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["type", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["type", "name"], name="category_unique_name_per_type"),
            models.CheckConstraint(
                condition=Q(type__in=["ticket", "project", "client"]), name="category_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientQuerySet(models.QuerySet["Client"]):
    def active(self) -> ClientQuerySet:
        return self.filter(is_active=True)

    def search(self, text: str) -> ClientQuerySet:
        return self.filter(Q(name__icontains=text) | Q(email__icontains=text))


class Client(models.Model):
    """A customer company."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="client_name_idx")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a client: a ticket's requester or a copied (CC) recipient."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"],
                condition=~Q(email=""),
                name="contact_unique_email_per_client",
                violation_error_message="This client already has a contact with this email.",
            )
        ]
        indexes = [models.Index(fields=["email"], name="contact_email_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class Project(models.Model):
    """A piece of work for one client; a ticket may be filed under it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"], name="project_unique_name_per_client"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A named group of agents that a ticket can be assigned to."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="helpdesk_teams",
        blank=True,
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketStatus(models.Model):
    """A ticket status. Ids 1-5 are created by a migration and fixed by the API."""

    OPEN = 1
    CLOSED = 2
    ON_HOLD = 3
    ANSWERED = 4
    CUSTOMER_REPLIED = 5

    id = models.PositiveSmallIntegerField(primary_key=True)
    title = models.CharField(max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    colour = models.CharField(max_length=7, default="#6b7280", help_text="A hex colour, #rrggbb.")
    is_closed = models.BooleanField(default=False)
    use_for_team_replied = models.BooleanField(
        default=False, help_text="Tickets move here when an agent replies."
    )
    use_for_client_replied = models.BooleanField(
        default=False, help_text="Tickets move here when the client replies."
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "ticket statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["use_for_team_replied"],
                condition=Q(use_for_team_replied=True),
                name="status_single_team_replied",
                violation_error_message="Only one status can be used for team replies.",
            ),
            models.UniqueConstraint(
                fields=["use_for_client_replied"],
                condition=Q(use_for_client_replied=True),
                name="status_single_client_replied",
                violation_error_message="Only one status can be used for client replies.",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="status_colour_hex",
                violation_error_message="The colour must be a hex colour such as #1d4ed8.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def team_replied(cls) -> TicketStatus:
        return cls.objects.get(use_for_team_replied=True)

    @classmethod
    def client_replied(cls) -> TicketStatus:
        return cls.objects.get(use_for_client_replied=True)


class Priority(models.IntegerChoices):
    """Ticket priority. Stored as a number so that sorting follows urgency."""

    NORMAL = 1, "Normal"
    HIGH = 2, "High"
    URGENT = 3, "Urgent"

    @property
    def code(self) -> str:
        """The name used by the API: normal, high or urgent."""
        return self.name.lower()

    @classmethod
    def from_code(cls, code: str) -> Priority:
        try:
            return cls[code.strip().upper()]
        except (KeyError, AttributeError):
            raise ValueError(f"Unknown priority {code!r}.") from None


class Source(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "Email"
    API = "api", "API"


class ActiveState(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Channel(models.TextChoices):
    """Where a change came from, as recorded in the history."""

    WEB = "web", "Web"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    EMAIL = "email", "Email"
    SYSTEM = "system", "System"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__is_closed=False)

    def closed(self) -> TicketQuerySet:
        return self.filter(status__is_closed=True)

    def active(self) -> TicketQuerySet:
        return self.filter(active_state=ActiveState.ACTIVE)

    def archived(self) -> TicketQuerySet:
        return self.filter(active_state=ActiveState.ARCHIVED)

    def not_spam(self) -> TicketQuerySet:
        return self.filter(is_spam=False)

    def spam(self) -> TicketQuerySet:
        return self.filter(is_spam=True)

    def for_agent(self, user: AbstractBaseUser) -> TicketQuerySet:
        """The tickets an agent may see and change: every agent sees every ticket."""
        if user.is_active and user.is_staff:
            return self
        return self.none()

    def with_related(self) -> TicketQuerySet:
        """Everything a ticket list shows, fetched in a fixed number of queries."""
        return self.select_related(
            "status", "department", "client", "project", "assignee", "team", "requester"
        ).prefetch_related("tags")

    def search(self, text: str) -> TicketQuerySet:
        """Tickets whose subject, message or any reply or note matches `text`.

        PostgreSQL uses full-text search backed by GIN indexes (see migration
        0002); other databases fall back to a case-insensitive contains search.
        """
        text = text.strip()
        if not text:
            return self
        if self.db_connection_vendor() == "postgresql":
            query = SearchQuery(text, config="english", search_type="websearch")
            in_ticket = (
                Ticket.objects.annotate(search_vector=TICKET_SEARCH_VECTOR)
                .filter(search_vector=query)
                .values("pk")
            )
            in_reply = (
                Reply.objects.annotate(search_vector=REPLY_SEARCH_VECTOR)
                .filter(search_vector=query)
                .values("ticket_id")
            )
            # One IN over a UNION: PostgreSQL hashes the matches (spilling to disk if it
            # must). Two INs joined by OR look cheaper for a page, but when a word's
            # matching replies outgrow work_mem PostgreSQL rescans them for every ticket,
            # and a count then runs for many minutes (a word in 268,000 replies, at a
            # million tickets). Pages of a search go through tickets.filters.search_page.
            return self.filter(pk__in=in_ticket.union(in_reply))
        in_reply = Reply.objects.filter(text__icontains=text).values("ticket_id")
        return self.filter(
            Q(subject__icontains=text) | Q(message__icontains=text) | Q(pk__in=in_reply)
        )

    def db_connection_vendor(self) -> str:
        from django.db import connections

        return connections[self.db].vendor


# The search expressions must match the GIN indexes of migration 0002 exactly.
TICKET_SEARCH_VECTOR = SearchVector("subject", "message", config="english")
REPLY_SEARCH_VECTOR = SearchVector("text", config="english")


class TaggedTicket(TaggedItemBase):
    """A tag on a ticket, with a real foreign key so tag filters join on an index."""

    content_object = models.ForeignKey(
        "Ticket", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_ticket_once")
        ]


class Ticket(models.Model):
    subject = models.CharField(max_length=255)
    message = models.TextField()
    status = models.ForeignKey(
        TicketStatus, on_delete=models.PROTECT, default=TicketStatus.OPEN, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    active_state = models.CharField(
        max_length=10, choices=ActiveState.choices, default=ActiveState.ACTIVE
    )
    department = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="tickets",
        limit_choices_to={"type": Category.Type.TICKET},
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tickets")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tickets",
    )
    requester = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="requested_tickets"
    )
    cc = models.ManyToManyField(Contact, blank=True, related_name="copied_tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    due_at = models.DateTimeField("due date", null=True, blank=True)
    is_spam = models.BooleanField("spam", default=False)
    tags = TaggableManager(through=TaggedTicket, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField("last updated", default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    replies_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)

    starred_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TicketStar", related_name="starred_tickets", blank=True
    )
    pinned_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TicketPin", related_name="pinned_tickets", blank=True
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The queue and the API list: default view and each sort.
            models.Index(fields=["active_state", "-updated_at"], name="ticket_state_updated_idx"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(fields=["status", "-updated_at"], name="ticket_status_updated_idx"),
            models.Index(fields=["priority", "-updated_at"], name="ticket_priority_updated_idx"),
            models.Index(fields=["assignee", "-updated_at"], name="ticket_assignee_updated_idx"),
            models.Index(fields=["client", "-updated_at"], name="ticket_client_updated_idx"),
            models.Index(
                fields=["department", "-updated_at"], name="ticket_department_updated_idx"
            ),
            models.Index(fields=["team", "-updated_at"], name="ticket_team_updated_idx"),
            models.Index(fields=["project", "-updated_at"], name="ticket_project_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["-updated_at"], condition=Q(is_spam=True), name="ticket_spam_idx"),
            models.Index(
                fields=["due_at"], condition=Q(due_at__isnull=False), name="ticket_due_idx"
            ),
            # The reports.
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            models.Index(fields=["first_response_at"], name="ticket_first_response_idx"),
            models.Index(fields=["source", "created_at"], name="ticket_source_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=[1, 2, 3]), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["web", "email", "api"]), name="ticket_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(active_state__in=["active", "archived"]),
                name="ticket_active_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=models.F("created_at")),
                name="ticket_first_response_after_created",
                violation_error_message="The first response cannot be before the ticket was created.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def priority_code(self) -> str:
        return Priority(self.priority).code

    @property
    def is_archived(self) -> bool:
        return self.active_state == ActiveState.ARCHIVED

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.department_id and self.department.type != Category.Type.TICKET:
            errors["department"] = "The department must be a category of type ticket."
        if self.project_id and self.client_id and self.project.client_id != self.client_id:
            errors["project"] = "The project does not belong to the ticket's client."
        if self.requester_id and self.client_id and self.requester.client_id != self.client_id:
            errors["requester"] = "The requester must be a contact of the ticket's client."
        if errors:
            raise ValidationError(errors)


class TicketStar(models.Model):
    """An agent follows a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="stars")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "ticket"], name="ticket_star_once_per_agent")
        ]

    def __str__(self) -> str:
        return f"Star on #{self.ticket_id}"


class TicketPin(models.Model):
    """An agent keeps a ticket at the top of their queue."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pins")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "ticket"], name="ticket_pin_once_per_agent")
        ]

    def __str__(self) -> str:
        return f"Pin on #{self.ticket_id}"


class CustomField(models.Model):
    """The definition of an extra ticket field; values live in Ticket.custom_fields by key."""

    class Type(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice"
        CHECKBOX = "checkbox", "Checkbox"

    key = models.SlugField(
        max_length=50, unique=True, help_text="The name used in the API, e.g. order_number."
    )
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    choices = models.JSONField(
        default=list, blank=True, help_text="For choice fields: the allowed values, as a list."
    )
    required = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=["text", "number", "date", "choice", "checkbox"]),
                name="custom_field_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.type == self.Type.CHOICE:
            if (
                not isinstance(self.choices, list)
                or not self.choices
                or not all(isinstance(c, str) and c.strip() for c in self.choices)
            ):
                raise ValidationError(
                    {"choices": "A choice field needs a list of one or more non-empty values."}
                )
            if len(set(self.choices)) != len(self.choices):
                raise ValidationError({"choices": "The choices must be different from each other."})
        elif self.choices:
            raise ValidationError({"choices": "Only choice fields have choices."})


class Reply(models.Model):
    """A message in a ticket's conversation: a public reply, or an internal note."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        NOTE = "note", "Note"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField()
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_replies",
    )
    author_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="reply_ticket_created_idx"),
            models.Index(fields=["author_agent", "created_at"], name="reply_agent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["reply", "note"]), name="reply_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(author_agent__isnull=True) | Q(author_contact__isnull=True),
                name="reply_single_author",
                violation_error_message="A reply has one author: an agent or a contact.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="note") | Q(author_contact__isnull=True),
                name="reply_note_by_agent",
                violation_error_message="Only agents can write notes.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def author(self):
        return self.author_agent or self.author_contact

    @property
    def is_note(self) -> bool:
        return self.kind == self.Kind.NOTE


# Images a browser may show inline as a preview. SVG is left out on purpose: it can
# carry script, so it is only ever downloaded.
PREVIEWABLE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def attachment_path(attachment: Attachment, filename: str) -> str:
    """A random storage name: an uploaded file never chooses its own path or extension.

    The name the agent or client gave it is kept in `Attachment.name` and is only
    ever sent back in a Content-Disposition header.
    """
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file on a ticket's opening message (no reply) or on one of its replies or notes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="attachment_ticket_idx"),
            models.Index(fields=["reply"], name="attachment_reply_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="attachment_name_not_empty",
                violation_error_message="An attachment needs a file name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_previewable_image(self) -> bool:
        return self.content_type in PREVIEWABLE_IMAGE_TYPES


class TicketEvent(models.Model):
    """One entry in a ticket's append-only history."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        ASSIGNED = "assigned", "Assigned"
        TEAM_CHANGED = "team_changed", "Team changed"
        DEPARTMENT_CHANGED = "department_changed", "Department changed"
        CLIENT_CHANGED = "client_changed", "Client changed"
        PROJECT_CHANGED = "project_changed", "Project changed"
        REQUESTER_CHANGED = "requester_changed", "Requester changed"
        CC_CHANGED = "cc_changed", "CC changed"
        SUBJECT_CHANGED = "subject_changed", "Subject changed"
        MESSAGE_CHANGED = "message_changed", "Message changed"
        DUE_DATE_CHANGED = "due_date_changed", "Due date changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored"
        SPAM_MARKED = "spam_marked", "Marked as spam"
        SPAM_UNMARKED = "spam_unmarked", "Unmarked as spam"
        REPLY_ADDED = "reply_added", "Reply added"
        NOTE_ADDED = "note_added", "Note added"
        REPLY_DELETED = "reply_deleted", "Reply deleted"
        CUSTOM_FIELD_CHANGED = "custom_field_changed", "Custom field changed"
        RATED = "rated", "Rated"
        STICKY_NOTE_ADDED = "sticky_note_added", "Sticky note added"
        STICKY_NOTE_CHANGED = "sticky_note_changed", "Sticky note changed"
        STICKY_NOTE_REMOVED = "sticky_note_removed", "Sticky note removed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    field = models.CharField(max_length=50, blank=True, help_text="For custom field changes.")
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx"),
            models.Index(fields=["actor", "-created_at"], name="event_actor_created_idx"),
            models.Index(fields=["kind", "-created_at"], name="event_kind_created_idx"),
            models.Index(fields=["-created_at"], name="event_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"


class Rating(models.Model):
    """A client's rating of how a ticket was handled."""

    class Value(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    value = models.CharField(max_length=4, choices=Value.choices)
    comment = models.TextField(blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_ratings",
        help_text="The agent rated: the ticket's assignee when the rating was given.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="rating_created_idx"),
            models.Index(fields=["agent", "created_at"], name="rating_agent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=["good", "bad"]), name="rating_value_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} for #{self.ticket_id}"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> ApiKeyQuerySet:
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            agent__is_active=True,
            agent__is_staff=True,
        )


class ApiKey(models.Model):
    """A bearer key for the REST API. Only a SHA-256 hash of the key is stored."""

    PREFIX = "hd_"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    hint = models.CharField(max_length=12, editable=False, help_text="The key's first characters.")
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.hint}… ({self.agent})"

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls, *, agent, name: str = "", expires_at=None) -> tuple[ApiKey, str]:
        """Create a key; returns it with the raw key, which is never stored."""
        raw_key = cls.PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            agent=agent,
            name=name,
            hint=raw_key[:10],
            hashed_key=cls.hash(raw_key),
            expires_at=expires_at,
        )
        return key, raw_key

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.agent.is_active
            and self.agent.is_staff
        )
