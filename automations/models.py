"""Triggers and automations: rules an administrator writes, with what they did.

A rule's conditions and actions are JSON lists whose shape `automations.rules` defines,
checks (with a message naming the faulty entry) and documents
(docs/sla-and-automations.md#triggers-and-automations).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from tickets.models import Team, Ticket

from . import rules

CONDITIONS_HELP = (
    'A list of conditions that must all hold, each {"field": ..., "op": ..., "value": ...}, '
    'for example [{"field": "priority", "op": "is", "value": "urgent"}, '
    '{"field": "tags", "op": "contains", "value": "vip"}]. '
    "See docs/sla-and-automations.md for every field and operator."
)
ACTIONS_HELP = (
    'A list of actions done in order, each {"action": ..., "value": ...}, for example '
    '[{"action": "set_status", "value": 2}, {"action": "email_requester", "value": '
    '{"subject": "About {{ ticket.subject }}", "body": "Hello {{ requester.name }}, ..."}}]. '
    "See docs/sla-and-automations.md for every action and placeholder."
)


class Rule(models.Model):
    """What triggers and automations share."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(
        default=0, help_text="Rules are checked in this order (lowest first)."
    )
    is_active = models.BooleanField("active", default=True)
    conditions = models.JSONField(default=list, blank=True, help_text=CONDITIONS_HELP)
    actions = models.JSONField(default=list, help_text=ACTIONS_HELP)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name, check in (
            ("conditions", lambda: rules.check_conditions(self.conditions, **self._scope())),
            ("actions", lambda: rules.check_actions(self.actions)),
        ):
            try:
                check()
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)

    def _scope(self) -> dict[str, Any]:
        return {"for_triggers": True}

    def reference(self) -> dict[str, Any]:
        """How the history names the rule (TicketEvent.rule)."""
        return {"kind": self.kind, "id": self.pk, "name": self.name}

    kind = "rule"


class Trigger(Rule):
    """A rule checked when a ticket is created or changed, by any channel."""

    class FiresOn(models.TextChoices):
        CREATED = "created", "A ticket is created"
        UPDATED = "updated", "A ticket is changed"
        BOTH = "both", "A ticket is created or changed"

    fires_on = models.CharField(max_length=10, choices=FiresOn, default=FiresOn.BOTH)

    kind = "trigger"

    class Meta(Rule.Meta):
        indexes = [models.Index(fields=["is_active", "position"], name="trigger_active_idx")]

    # Not business logic: the processes keep the active triggers in memory
    # (automations.triggers.active_triggers), and however a trigger is saved or deleted,
    # they must read them again, now and once the change commits.
    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _triggers_changed()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        _triggers_changed()
        return deleted


def _triggers_changed() -> None:
    from . import triggers

    triggers.forget()
    transaction.on_commit(triggers.forget)


class Automation(Rule):
    """A rule checked every few minutes over every ticket, on a time condition."""

    class Since(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Last updated"
        STATUS_CHANGED = "status_changed", "Status last changed"
        PENDING = "pending", "Pending (a status of category pending) since"
        WAITING = "waiting", "Waiting for us since"

    since = models.CharField(
        max_length=20,
        choices=Since,
        default=Since.UPDATED,
        help_text="The moment the hours are counted from.",
    )
    hours = models.PositiveIntegerField(
        help_text="The automation acts on a ticket this many hours after that moment."
    )

    kind = "automation"

    class Meta(Rule.Meta):
        indexes = [models.Index(fields=["is_active", "position"], name="automation_active_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=1), name="automation_hours_min")
        ]

    def _scope(self) -> dict[str, Any]:
        return {"for_triggers": False}


class AutomationFiring(models.Model):
    """An automation acted on a ticket in one state: `state` is the moment the hours were
    counted from (created, updated, status changed, waiting since) when it fired, so that
    it acts once per state and again only once that moment moved on."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    state = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["automation", "ticket", "state"], name="automation_firing_once"
            )
        ]
        # The unique index serves "already fired" (automation, ticket, state); this one
        # deletes a ticket's firings with it.
        indexes = [models.Index(fields=["ticket"], name="automation_firing_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.automation} on #{self.ticket_id}"


class TeamRotation(models.Model):
    """Where the round-robin assignment of a team stands: the agent who got its last
    ticket. Its row is locked while the next agent is chosen, so that two tickets at
    once go to two agents."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Rotation of {self.team}"
