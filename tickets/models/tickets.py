"""Tickets: their statuses, priorities and other choices, tags, stars, pins and custom fields."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from tickets.agents import is_agent
from tickets.days import day_end, day_start
from tickets.statuses import FixedStatus, StatusCategory

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from tickets.agents import AnyUser

from .organisation import Category, Client, Contact, Project, Team


class TicketStatus(models.Model):
    """A ticket status. Ids 1-5 are created by a migration and fixed by the API
    (tickets.statuses.FixedStatus)."""

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
    category = models.CharField(
        max_length=10,
        choices=StatusCategory,
        default=StatusCategory.OPEN,
        help_text="Open: we have to act. Pending: waiting for the client or someone else. "
        "Solved: done (a closed status always is).",
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
                condition=Q(category__in=["open", "pending", "solved"]),
                name="status_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_closed=False) | Q(category="solved"),
                name="status_closed_is_solved",
                violation_error_message="A closed status is in the category solved.",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="status_colour_hex",
                violation_error_message="The colour must be a hex colour such as #1d4ed8.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A closed status is always solved (the constraint status_closed_is_solved).
        if self.is_closed:
            self.category = StatusCategory.SOLVED

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
    PORTAL = "portal", "Portal"


class ActiveState(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Channel(models.TextChoices):
    """Where a change came from, as recorded in the history."""

    WEB = "web", "Web"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    EMAIL = "email", "Email"
    IMPORT = "import", "Import"
    SYSTEM = "system", "System"
    PORTAL = "portal", "Portal"


# The queue's rules, as conditions. TicketQuerySet filters by them (the queue's and the
# API's FilterSets call its methods) and the sidebar's counts aggregate by them
# (tickets.counts), so every reader applies a rule the same way.


def status_condition(
    ids: Iterable[int] = (), *, any_open: bool = False, any_closed: bool = False
) -> Q:
    """One of the statuses `ids`, or any open or any closed status; an empty Q when none."""
    condition = Q()
    if ids:
        condition |= Q(status_id__in=list(ids))
    if any_open:
        condition |= Q(status_id__in=TicketStatus.objects.filter(is_closed=False).values("pk"))
    if any_closed:
        condition |= Q(status_id__in=TicketStatus.objects.filter(is_closed=True).values("pk"))
    return condition


def assignee_condition(agent: AbstractBaseUser | None) -> Q:
    """Assigned to `agent`; None means unassigned."""
    return Q(assignee__isnull=True) if agent is None else Q(assignee_id=agent.pk)


def any_tag_condition(names: Iterable[str]) -> Q:
    """Carrying any of the tags (case-insensitive)."""
    any_tag = Q()
    for name in names:
        any_tag |= Q(tag__name__iexact=name)
    return Q(pk__in=TaggedTicket.objects.filter(any_tag).values("content_object_id"))


def created_condition(first_day: datetime.date | None, last_day: datetime.date | None) -> Q:
    """Created on or after `first_day` and on or before `last_day`, whole days in the
    current time zone; either end may be open."""
    condition = Q()
    if first_day:
        condition &= Q(created_at__gte=day_start(first_day))
    if last_day:
        condition &= Q(created_at__lt=day_end(last_day))
    return condition


class SlaState(models.TextChoices):
    """The queue's filters by SLA (the sla app keeps Ticket.sla_due_at)."""

    BREACHED = "breached", "Breached"
    DUE_SOON = "due_soon", "Due within an hour"


SLA_DUE_SOON = datetime.timedelta(hours=1)


def sla_condition(state: SlaState | str, now: datetime.datetime | None = None) -> Q:
    """Tickets whose next SLA due time has passed (breached), or comes within the hour:
    both an index range of ticket_sla_due_idx."""
    now = now or timezone.now()
    if state == SlaState.BREACHED:
        return Q(sla_due_at__lt=now)
    if state == SlaState.DUE_SOON:
        return Q(sla_due_at__gte=now, sla_due_at__lt=now + SLA_DUE_SOON)
    raise ValueError(f"Unknown SLA state {state!r}.")


def starred_condition(agent: AbstractBaseUser) -> Q:
    return Q(pk__in=TicketStar.objects.filter(agent_id=agent.pk).values("ticket_id"))


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__is_closed=False)

    def closed(self) -> TicketQuerySet:
        return self.filter(status__is_closed=True)

    def active(self) -> TicketQuerySet:
        return self.filter(active_state=ActiveState.ACTIVE)

    def archived(self) -> TicketQuerySet:
        return self.filter(active_state=ActiveState.ARCHIVED)

    def in_state(self, state: ActiveState | str) -> TicketQuerySet:
        return self.filter(active_state=state)

    def not_spam(self) -> TicketQuerySet:
        return self.filter(is_spam=False)

    def spam(self) -> TicketQuerySet:
        return self.filter(is_spam=True)

    def with_statuses(
        self, ids: Iterable[int] = (), *, any_open: bool = False, any_closed: bool = False
    ) -> TicketQuerySet:
        """In any of the statuses `ids`, or any open or any closed status when asked."""
        return self.filter(status_condition(ids, any_open=any_open, any_closed=any_closed))

    def with_priorities(self, priorities: Iterable[int]) -> TicketQuerySet:
        return self.filter(priority__in=list(priorities))

    def assigned_to(self, agent: AbstractBaseUser | None) -> TicketQuerySet:
        """Assigned to `agent`; None means unassigned."""
        return self.filter(assignee_condition(agent))

    def with_any_tag(self, names: Iterable[str]) -> TicketQuerySet:
        """Carrying any of the tags (case-insensitive)."""
        return self.filter(any_tag_condition(names))

    def created_between(
        self, first_day: datetime.date | None, last_day: datetime.date | None
    ) -> TicketQuerySet:
        """Created from `first_day` to `last_day` included (local days; either may be None)."""
        return self.filter(created_condition(first_day, last_day))

    def with_sla(self, state: SlaState | str) -> TicketQuerySet:
        """Breached, or due within the hour (see sla_condition)."""
        return self.filter(sla_condition(state))

    def by_next_breach(self, *, descending: bool = False) -> TicketQuerySet:
        """Soonest SLA due time first (or last), tickets without one after all others;
        soonest first walks ticket_sla_due_idx in its own order."""
        due = models.F("sla_due_at")
        if descending:
            return self.order_by(due.desc(nulls_last=True), "-id")
        return self.order_by(due.asc(nulls_last=True), "id")

    def starred_by(self, agent: AnyUser) -> TicketQuerySet:
        """The tickets `agent` starred (none for an anonymous user)."""
        if not agent.is_authenticated:
            return self.none()
        return self.filter(starred_condition(agent))

    def for_agent(self, user: AnyUser) -> TicketQuerySet:
        """The tickets an agent may see and change: every agent sees every ticket."""
        if is_agent(user):
            return self
        return self.none()

    def with_related(self) -> TicketQuerySet:
        """Everything a ticket list shows, fetched in a fixed number of queries."""
        return self.select_related(
            "status", "department", "client", "project", "assignee", "team", "requester"
        ).prefetch_related("tags")

    def search(self, text: str) -> TicketQuerySet:
        """Tickets whose conversation matches `text`: subject, message, replies and notes
        (see tickets.models.search; tickets.search counts and pages a search)."""
        from .search import matching_ticket_ids  # the search module builds on this one

        text = text.strip()
        if not text:
            return self
        return self.filter(pk__in=matching_ticket_ids(text, using=self.db))

    def find(self, text: str) -> TicketQuerySet:
        """What the workspace's search box finds for `text`: the tickets whose conversation
        matches it, the ticket of that number, and the tickets of the requester or client
        it names (see tickets.models.search.people_condition)."""
        from .search import finding_condition  # the search module builds on this one

        text = text.strip()
        if not text:
            return self
        return self.filter(finding_condition(text, using=self.db))

    def db_connection_vendor(self) -> str:
        from django.db import connections

        return connections[self.db].vendor


class SecondsBetween(models.Func):
    """`end - start` in seconds, as a double; null when either is null."""

    output_field = models.FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        # date_part computes in double precision; EXTRACT goes through numeric, which is
        # much slower over the many rows a duration report reads.
        return self.as_sql(
            compiler, connection, template="date_part('epoch', %(expressions)s)", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() is built in, so the generated columns below need no function of
        # Django's; it keeps milliseconds, far finer than the reports' hundredths of hours.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


class TaggedTicket(TaggedItemBase):
    """A tag on a ticket, with a real foreign key so tag filters join on an index."""

    content_object = models.ForeignKey(
        "Ticket", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_ticket_once")
        ]


# taggit has no types: the stubs' plugin cannot see TaggedTicket's manager on the ticket.
class Ticket(models.Model):  # type: ignore[django-manager-missing]
    subject = models.CharField(max_length=255)
    message = models.TextField()
    status = models.ForeignKey(
        TicketStatus, on_delete=models.PROTECT, default=FixedStatus.OPEN, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    source = models.CharField(max_length=10, choices=Source, default=Source.WEB)
    active_state = models.CharField(max_length=10, choices=ActiveState, default=ActiveState.ACTIVE)
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
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="The mailbox the ticket came through; mail about it is sent from there.",
    )
    message_id = models.CharField(
        "Message-ID",
        max_length=998,
        blank=True,
        default="",
        # The demo data's COPY leaves the column out: the database fills it in.
        db_default="",
        help_text="The Message-ID of the email that opened the ticket.",
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField("last updated", default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The reports' durations, kept by the database with the times they come from: the
    # reports' indexes include them, so a million durations are read, not computed.
    first_response_seconds = models.GeneratedField(
        expression=SecondsBetween("first_response_at", "created_at"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    resolution_seconds = models.GeneratedField(
        expression=SecondsBetween("resolved_at", "created_at"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    replies_count = models.PositiveIntegerField(default=0)
    # Service levels (the sla app): the policy covering the ticket, and the earliest due
    # time of its running targets (null when none runs), kept by sla.clock.
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    sla_due_at = models.DateTimeField("next SLA breach", null=True, blank=True)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    # The start of the latest public message (the opening one or a reply), kept by the
    # services for the queue's rows: reading it from the replies costs a join per row.
    last_message_preview = models.CharField(
        max_length=200,
        blank=True,
        default="",
        # The demo data's COPY leaves the column out: the database fills it in.
        db_default="",
    )
    # Whether that message is the client's (for the queue's mark of an unread one).
    last_message_from_client = models.BooleanField(default=False, db_default=False)
    # Since when the client has been waiting for us: set when the ticket enters a status of
    # the category open (it is new, or the client wrote), cleared by an agent's public reply
    # and by a pending or solved status. The queue shows it; automations select on it.
    waiting_since = models.DateTimeField("waiting for us since", null=True, blank=True)

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
            # A requester's tickets, latest first: the ticket page's other tickets, the
            # queue's requester filter and the global search's names and addresses.
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester_updated_idx"),
            models.Index(
                fields=["department", "-updated_at"], name="ticket_department_updated_idx"
            ),
            models.Index(fields=["team", "-updated_at"], name="ticket_team_updated_idx"),
            models.Index(fields=["project", "-updated_at"], name="ticket_project_updated_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(
                fields=["waiting_since"],
                condition=Q(waiting_since__isnull=False),
                name="ticket_waiting_since_idx",
            ),
            # The queue sorted by time waited, longest first: ascending, where a btree puts
            # the tickets waiting for nobody (NULL) last, as the queue wants them.
            models.Index(fields=["waiting_since", "id"], name="ticket_waiting_sort_idx"),
            # User.com's archived list, newest first: archived tickets are old ones, so
            # ticket_created_idx would walk every newer ticket before the first of them.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(active_state=ActiveState.ARCHIVED),
                name="ticket_archived_created_idx",
            ),
            # User.com's lists, newest first without spam: a deep page's offset is walked
            # in this index alone, where ticket_created_idx visits each row for its flag.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(is_spam=False),
                name="ticket_not_spam_created_idx",
            ),
            models.Index(fields=["-updated_at"], condition=Q(is_spam=True), name="ticket_spam_idx"),
            # The tickets the lists leave out by default (spam or archived, a fifth at
            # most), with both columns, for index-only reads of them. (A search's hidden
            # matches are counted from TicketHiddenSearchTerm since migration 0017.)
            models.Index(
                fields=["id"],
                include=["is_spam", "active_state"],
                condition=Q(is_spam=True) | ~Q(active_state=ActiveState.ACTIVE),
                name="ticket_hidden_idx",
            ),
            models.Index(
                fields=["due_at"], condition=Q(due_at__isnull=False), name="ticket_due_idx"
            ),
            # The queue by next SLA breach (nulls last, the index's own order) and its
            # filters "breached" (sla_due_at < now) and "due within an hour": index ranges.
            models.Index(fields=["sla_due_at", "id"], name="ticket_sla_due_idx"),
            # Threading incoming mail: the email that opened a ticket, by its Message-ID.
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="ticket_message_id_idx"
            ),
            # The reports (reports.queries): each period's rows are an index range, and
            # the included column makes it an index-only scan (no visit to the table).
            models.Index(
                fields=["created_at"],
                include=["source"],
                condition=Q(is_spam=False),
                name="ticket_report_created_idx",
            ),
            models.Index(
                fields=["first_response_at"],
                include=["first_response_seconds"],
                condition=Q(is_spam=False),
                name="ticket_report_first_response",
            ),
            models.Index(
                fields=["resolved_at"],
                include=["resolution_seconds"],
                condition=Q(is_spam=False),
                name="ticket_report_resolution",
            ),
            # The Reports page's medians over a whole range (reports.queries.median_by_range)
            # walk these in duration order to the middle row instead of sorting a year.
            models.Index(
                fields=["first_response_seconds"],
                include=["first_response_at"],
                condition=Q(is_spam=False, first_response_seconds__isnull=False),
                name="ticket_first_response_order",
            ),
            models.Index(
                fields=["resolution_seconds"],
                include=["resolved_at"],
                condition=Q(is_spam=False, resolution_seconds__isnull=False),
                name="ticket_resolution_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=[1, 2, 3]), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["web", "email", "api", "portal"]),
                name="ticket_source_valid",
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
        if (
            self.project_id
            and self.client_id
            and self.project
            and self.project.client_id != self.client_id
        ):
            errors["project"] = "The project does not belong to the ticket's client."
        if (
            self.requester_id
            and self.client_id
            and self.requester
            and self.requester.client_id != self.client_id
        ):
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
    visible_to_clients = models.BooleanField(
        default=False,
        help_text="Shown on the portal's new-ticket and contact forms (required ones must be "
        "filled in there).",
    )
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
