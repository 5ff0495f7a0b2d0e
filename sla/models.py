"""Service levels: business calendars, the policies that set targets on tickets, and each
ticket's targets with their clocks.

A policy covers the tickets that match all of its criteria (an empty criterion matches
every ticket); the first active policy by position that covers a ticket is its policy. Its
targets (first response, next response, resolution) are counted in business hours of the
policy's calendar or in calendar hours. Each ticket keeps its running targets in
TicketSlaTarget, and the earliest due time among them in Ticket.sla_due_at, so the queue
sorts and filters by the next breach on an index. `sla.clock` moves the targets on as
tickets change; `sla.breaches` records each breach once.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from taggit.models import Tag

from tickets.models import Category, Client, Priority, Ticket


def validate_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "%(name)s is not a known time zone (use a name such as Europe/London).",
            params={"name": name},
        ) from None


class BusinessCalendar(models.Model):
    """When the support team works: a time zone, weekly opening hours and holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The opening hours are local times in this zone, e.g. Europe/London.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """One opening period of a weekday, in the calendar's local time; a day may have
    several (a lunch break between two)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="opening_hours_opens_before_closes",
                violation_error_message="The opening time must be before the closing time.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M} to {self.closes:%H:%M}"


class Holiday(models.Model):
    """A day the calendar is closed, whatever its opening hours."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class SlaTargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaPolicyQuerySet(models.QuerySet["SlaPolicy"]):
    def active(self) -> SlaPolicyQuerySet:
        return self.filter(is_active=True)


class SlaPolicy(models.Model):
    """Targets for the tickets a policy covers: those matching every criterion given
    (priorities, departments, clients, tags with any of them); an empty criterion matches
    all. The active policies are tried by position; the first that covers a ticket is its."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("active", default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        help_text="The business hours of targets in business hours; without one, every "
        "target counts calendar hours.",
    )
    priorities = models.JSONField(
        default=list,
        blank=True,
        help_text="Priority numbers (1 normal, 2 high, 3 urgent); empty for any priority.",
    )
    departments = models.ManyToManyField(Category, blank=True, related_name="+")
    clients = models.ManyToManyField(Client, blank=True, related_name="+")
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="+", help_text="Tickets with any of these tags."
    )

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        indexes = [models.Index(fields=["position", "id"], name="sla_policy_position_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        valid = {priority.value for priority in Priority}
        if not isinstance(self.priorities, list) or not all(
            isinstance(value, int) and value in valid for value in self.priorities
        ):
            raise ValidationError(
                {"priorities": "Give a list of priority numbers: 1 normal, 2 high, 3 urgent."}
            )

    def as_rule(self) -> dict[str, object]:
        """The policy as the history names a rule (tickets.changes.acting_as)."""
        return {"kind": "sla_policy", "id": self.pk, "name": self.name}


class SlaPolicyTarget(models.Model):
    """How long a policy gives for one kind of target."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=20, choices=SlaTargetKind)
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    business_hours = models.BooleanField(
        default=True,
        help_text="Counted in the policy's business hours; otherwise around the clock.",
    )

    class Meta:
        ordering = ["policy", "kind"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="sla_policy_target_once"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="sla_policy_target_minutes"),
            models.CheckConstraint(
                condition=Q(kind__in=SlaTargetKind.values), name="sla_policy_target_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.minutes} min"


class TargetState(models.TextChoices):
    ACTIVE = "active", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    STOPPED = "stopped", "Stopped"  # the ticket was solved before the target was met


class TicketSlaTarget(models.Model):
    """A ticket's current target of one kind and its clock.

    Running (`active`), it is due at `due_at`; paused, it keeps the seconds it had left
    (business seconds for a target in business hours) in `remaining_seconds`; met, at
    `met_at`. `target_seconds` is the time the policy gave, so that a target keeps the
    time it used when the policy or its minutes change. `breached_at` is set once, when the breach is recorded, and stays when the
    target is met late. A next-response target is started again by each client message
    that follows an agent's answer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_targets")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="ticket_targets")
    kind = models.CharField(max_length=20, choices=SlaTargetKind)
    business_hours = models.BooleanField(default=True)
    target_seconds = models.PositiveIntegerField(
        help_text="The time the policy gives, in seconds (of business hours when "
        "business_hours is set)."
    )
    state = models.CharField(max_length=10, choices=TargetState, default=TargetState.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "due_at", "kind"]
        verbose_name = "ticket SLA target"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="ticket_sla_target_once"),
            models.CheckConstraint(
                condition=Q(kind__in=SlaTargetKind.values), name="ticket_sla_target_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=TargetState.values), name="ticket_sla_target_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=TargetState.ACTIVE) | Q(due_at__isnull=False),
                name="ticket_sla_target_running_has_due",
            ),
            models.CheckConstraint(
                condition=~Q(state=TargetState.PAUSED)
                | Q(paused_at__isnull=False, remaining_seconds__isnull=False),
                name="ticket_sla_target_paused_has_remaining",
            ),
        ]
        indexes = [
            # The breach task reads the running, unbreached targets that are due: an index
            # range over those only, never every ticket.
            models.Index(
                fields=["due_at"],
                condition=Q(state=TargetState.ACTIVE, breached_at__isnull=True),
                name="ticket_sla_target_due_idx",
            ),
            # The SLA reports: targets by policy and kind, breached or not.
            models.Index(
                fields=["policy", "kind", "started_at"], name="ticket_sla_target_policy_idx"
            ),
            # The SLA reports (reports.sla): targets by when they were settled (the breach,
            # else the meeting; null before), newest first for the breaches, with every
            # column the reports count by, so that a range is read from the index alone.
            # Not partial: PostgreSQL estimates a range of an expression from a full
            # index's statistics only, and guessed 0.5% of the rows without them.
            models.Index(
                Coalesce("breached_at", "met_at"),
                F("id"),
                include=["policy", "kind", "due_at", "met_at", "breached_at", "ticket"],
                name="ticket_sla_target_settled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_breached(self) -> bool:
        return self.breached_at is not None or (
            self.state == TargetState.MET
            and self.met_at is not None
            and self.due_at is not None
            and self.met_at > self.due_at
        )
