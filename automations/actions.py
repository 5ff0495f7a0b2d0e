"""Doing a rule's actions, always through tickets.services, as the rule.

The caller is inside `changes.acting_as(rule.reference())`: every event the services record
names the rule. A rule acts as nobody (actor None) through the system channel, so the
services email nobody for it; its own emails are the email actions, sent by the task
worker after the commit (automations.tasks).

An action that the ticket's state refuses (an agent no longer active, a department gone)
is skipped with a warning in the log: a rule must never make the change that set it off
fail (an agent's reply, an email coming in).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from tickets import services
from tickets.agents import agent_condition
from tickets.models import Category, Channel, Priority, Team, Ticket, TicketStatus
from webhooks import publishing
from webhooks.models import WebhookEndpoint

from . import tasks
from .models import Rule, TeamRotation

logger = logging.getLogger("automations")

SYSTEM: dict[str, Any] = {"actor": None, "channel": Channel.SYSTEM}
# What makes an action be skipped rather than fail the change.
SKIPPED = (ValidationError, services.Conflict, LookupError, ObjectDoesNotExist)
# The actions that many tickets get in a few statements (tickets.services.many).
SET_BASED = frozenset({"set_status", "set_priority", "set_department", "set_team", "set_assignee"})


def apply(rule: Rule, ticket: Ticket) -> None:
    """Do each of the rule's actions to one ticket, in order."""
    for action in rule.actions:
        try:
            _apply_one(action["action"], action.get("value"), ticket, rule)
        except SKIPPED as problem:
            _skipped(rule, action, ticket.pk, problem)


def apply_to_many(rule: Rule, ticket_ids: Sequence[int]) -> None:
    """Do each of the rule's actions to many tickets: set-based where the services can,
    ticket by ticket for the rest (tags, round-robin, emails, webhooks)."""
    for action in rule.actions:
        name, value = action["action"], action.get("value")
        if name in SET_BASED:
            try:
                _apply_to_many(name, value, ticket_ids)
            except SKIPPED as problem:
                _skipped(rule, action, None, problem)
            continue
        for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
            try:
                _apply_one(name, value, ticket, rule)
            except SKIPPED as problem:
                _skipped(rule, action, ticket.pk, problem)


def _skipped(rule: Rule, action: Mapping[str, Any], ticket_id: int | None, problem: Any) -> None:
    logger.warning(
        "%s %r skipped its action %s on %s: %s",
        rule.kind.capitalize(),
        rule.name,
        action.get("action"),
        f"ticket #{ticket_id}" if ticket_id else "its tickets",
        problem,
    )


def _object(name: str, value: Any) -> Any:
    """The object an action's value names (LookupError when it is gone)."""
    match name:
        case "set_status":
            return TicketStatus.objects.get(pk=value)
        case "set_priority":
            return Priority.from_code(value)
        case "set_department":
            return Category.objects.get(pk=value, type=Category.Type.TICKET)
        case "set_team":
            return Team.objects.get(pk=value) if value is not None else None
        case "set_assignee":
            if value is None:
                return None
            return get_user_model().objects.filter(agent_condition()).get(pk=value)
    raise LookupError(name)


def _apply_one(name: str, value: Any, ticket: Ticket, rule: Rule) -> None:
    match name:
        case "set_status":
            services.change_status(ticket=ticket, status=_object(name, value), **SYSTEM)
        case "set_priority":
            services.update_ticket(ticket=ticket, priority=_object(name, value), **SYSTEM)
        case "set_department":
            services.update_ticket(ticket=ticket, department=_object(name, value), **SYSTEM)
        case "set_team":
            services.set_team(ticket=ticket, team=_object(name, value), **SYSTEM)
        case "set_assignee":
            services.assign(ticket=ticket, assignee=_object(name, value), **SYSTEM)
        case "assign_round_robin":
            agent = next_agent(value)
            if agent is None:
                raise LookupError(f"team {value} has no active agent")
            services.assign(ticket=ticket, assignee=agent, **SYSTEM)
        case "add_tags":
            services.add_tags(ticket=ticket, tags=value, **SYSTEM)
        case "remove_tags":
            services.remove_tags(ticket=ticket, tags=value, **SYSTEM)
        case "email_requester" | "email_agents":
            send = partial(
                tasks.rule_email_due,
                ticket.pk,
                to=value.get("to", "requester"),
                subject=value["subject"],
                body=value["body"],
                rule=rule.reference(),
            )
            transaction.on_commit(send, robust=True)
        case "call_webhook":
            endpoint = WebhookEndpoint.objects.get(pk=value["endpoint"])
            publishing.deliver_to(
                endpoint, event=value["event"], ticket=ticket, details={"rule": rule.reference()}
            )


def _apply_to_many(name: str, value: Any, ticket_ids: Sequence[int]) -> None:
    target = _object(name, value)
    if name == "set_status":
        services.change_status_of_many(ticket_ids=ticket_ids, status=target, **SYSTEM)
        return
    field = name.removeprefix("set_")
    services.set_field_of_many(ticket_ids=ticket_ids, field=field, value=target, **SYSTEM)


def next_agent(team_id: int) -> Any:
    """The team's next active agent in turn (by id, after the one who got its last
    ticket), or None when it has none. The team's rotation row stays locked until the
    change commits, so that two tickets at once never get the same agent."""
    TeamRotation.objects.get_or_create(team_id=team_id)
    rotation = TeamRotation.objects.select_for_update().get(team_id=team_id)
    members = list(
        get_user_model()
        .objects.filter(agent_condition(), helpdesk_teams=team_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not members:
        return None
    last = rotation.last_agent_id
    chosen = next((pk for pk in members if last is not None and pk > last), members[0])
    rotation.last_agent_id = chosen
    rotation.save(update_fields=["last_agent"])
    return get_user_model().objects.get(pk=chosen)
