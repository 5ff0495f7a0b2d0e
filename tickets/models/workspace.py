"""What agents keep beside the tickets: canned responses, sticky notes, saved queue
views, and who has a ticket open right now."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.agents import is_agent

from .organisation import Category, Team
from .tickets import Priority, Ticket, TicketStatus


class AssignAction(models.TextChoices):
    """What a macro does to the assignee; empty leaves it alone."""

    ME = "me", "to the agent who sends it"
    NOBODY = "nobody", "to nobody (unassign)"
    AGENT = "agent", "to an agent"


class TeamAction(models.TextChoices):
    """What a macro does to the team; empty leaves it alone."""

    NONE = "none", "no team"
    TEAM = "team", "to a team"


class CannedResponse(models.Model):
    """A ready answer an agent inserts into the reply box; placeholders are filled in then."""

    title = models.CharField(max_length=200)
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        help_text="Empty for a response shared with all agents; else only its owner sees it.",
    )
    department = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="canned_responses",
        limit_choices_to={"type": Category.Type.TICKET},
        help_text="Offered only on this department's tickets; empty for every department.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # A macro: what else the response changes when the reply it is in is sent (tickets.macros).
    set_status = models.ForeignKey(
        TicketStatus,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="then set status",
    )
    set_priority = models.PositiveSmallIntegerField(
        "then set priority", choices=Priority.choices, null=True, blank=True
    )
    assign = models.CharField(
        "then assign", max_length=10, choices=AssignAction, blank=True, default=""
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agent, when “then assign” is “to an agent”.",
    )
    set_team = models.CharField(
        "then set team", max_length=10, choices=TeamAction, blank=True, default=""
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team, when “then set team” is “to a team”.",
    )
    add_tags = models.JSONField("then add tags", default=list, blank=True)
    remove_tags = models.JSONField("then remove tags", default=list, blank=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            # A deleted agent or team leaves the action without its target: it then does
            # nothing (tickets.macros), and the forms ask for a new one.
            models.CheckConstraint(
                condition=Q(assign="agent") | Q(assignee__isnull=True),
                name="canned_assignee_only_for_agent",
            ),
            models.CheckConstraint(
                condition=Q(set_team="team") | Q(team__isnull=True),
                name="canned_team_only_for_team",
            ),
            models.UniqueConstraint(
                fields=["title"],
                condition=Q(owner__isnull=True),
                name="canned_shared_title_unique",
                violation_error_message="A shared canned response with this title exists.",
            ),
            models.UniqueConstraint(
                fields=["owner", "title"],
                condition=Q(owner__isnull=False),
                name="canned_personal_title_unique",
                violation_error_message="You already have a canned response with this title.",
            ),
        ]
        indexes = [models.Index(fields=["owner", "title"], name="canned_owner_title_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None

    @property
    def is_macro(self) -> bool:
        """Whether the response changes the ticket besides inserting its text."""
        return bool(
            self.set_status_id
            or self.set_priority
            or self.assign
            or self.set_team
            or self.add_tags
            or self.remove_tags
        )

    def clean(self) -> None:
        """The actions' rules, as messages by field (the admin and the workspace's form)."""
        errors: dict[str, str] = {}
        if self.assign == AssignAction.AGENT:
            if self.assignee is None:
                errors["assignee"] = "Choose the agent to assign the ticket to."
            elif not is_agent(self.assignee):
                errors["assignee"] = "Tickets can only be assigned to active agents."
        elif self.assignee_id is not None:
            errors["assignee"] = "Choose “to an agent” to assign the ticket to this agent."
        if self.set_team == TeamAction.TEAM and self.team_id is None:
            errors["team"] = "Choose the team."
        elif self.set_team != TeamAction.TEAM and self.team_id is not None:
            errors["team"] = "Choose “to a team” to set this team."
        both = {t.lower() for t in self.add_tags or []} & {
            t.lower() for t in self.remove_tags or []
        }
        if both:
            errors["remove_tags"] = (
                f"A tag cannot be both added and removed: {', '.join(sorted(both))}."
            )
        if errors:
            raise ValidationError(errors)


class StickyNote(models.Model):
    """A short note pinned to the top of a ticket page for every agent to see.

    Separate from the internal notes of the conversation: it is about the ticket as a
    whole ("VIP client", "waiting for legal"), and it can be edited and removed.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sticky_notes")
    text = models.CharField(max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="sticky_note_ticket_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="sticky_note_text_not_empty",
                violation_error_message="A sticky note needs some text.",
            ),
        ]

    def __str__(self) -> str:
        return f"Sticky note on #{self.ticket_id}"


class SavedView(models.Model):
    """A named set of queue filters, personal or shared with every agent."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    is_shared = models.BooleanField(
        "shared", default=False, help_text="Shown in every agent's sidebar."
    )
    query = models.CharField(
        max_length=2000, blank=True, help_text="The queue's filters, as a URL query string."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="saved_view_name_unique_per_owner",
                violation_error_message="You already have a view with this name.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_shared"], condition=Q(is_shared=True), name="saved_view_shared_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """An agent has a ticket open, and maybe is writing a reply.

    The ticket page refreshes its row while it is open; a row not refreshed for a
    little while means the agent has gone (see `tickets.presence`).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presences")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_replying = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "agent"], name="ticket_presence_once_per_agent"
            )
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="ticket_presence_seen_idx")]

    def __str__(self) -> str:
        return f"Agent {self.agent_id} on #{self.ticket_id}"


class TicketVisit(models.Model):
    """When an agent last opened a ticket's page: the queue marks a ticket whose latest
    message is the client's and came after its assignee's last visit (tickets.visits)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="ticket_visit_once_per_agent")
        ]

    def __str__(self) -> str:
        return f"Agent {self.agent_id} visited #{self.ticket_id}"


class NotificationSettings(models.Model):
    """Which notification emails an agent wants; an agent without a row gets them all."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    on_assignment = models.BooleanField(
        "a ticket is assigned to me", default=True, help_text="By someone else."
    )
    on_client_reply = models.BooleanField(
        "a client replies by email",
        default=True,
        help_text="To a ticket assigned to me, or, when nobody is, to one of a mailbox I watch.",
    )
    on_mention = models.BooleanField(
        "a colleague mentions me in a note",
        default=True,
        help_text="By writing @ and my username; the bell shows it either way.",
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.agent}"
