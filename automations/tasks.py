"""The task worker's part of the rules: their emails, and the periodic run of the
automations.

A rule's email is queued after its change commits, with the ticket's id and the rule's
template, and built when it is sent, from the ticket as it is then; a failed delivery is
tried again as the other emails are (tickets.tasks).

`run_automations --schedule` queues the first periodic run; each run queues the next one
AUTOMATIONS_INTERVAL seconds later before it ends, whatever happened during it, as the
mail fetch does (mail.tasks): only when no run is queued already, so two chains become one.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from tickets import tasks as ticket_tasks
from tickets.agents import agent_condition
from tickets.models import Ticket

from . import emails

logger = logging.getLogger("automations")

# A run that started longer ago than this is taken for dead (its worker was killed).
STALE_RUN = datetime.timedelta(hours=1)


def recipients(ticket: Ticket, to: str) -> list[str]:
    """The addresses of a rule's email: the requester, the assignee, or the team's active
    agents; those without an address are left out."""
    if to == "requester":
        requester = ticket.requester
        return [requester.email] if requester is not None and requester.email else []
    from django.contrib.auth import get_user_model

    if to == "assignee":
        if ticket.assignee_id is None:
            return []
        people = get_user_model().objects.filter(agent_condition(), pk=ticket.assignee_id)
    else:
        people = get_user_model().objects.filter(agent_condition(), helpdesk_teams=ticket.team_id)
    return [email for email in people.order_by("pk").values_list("email", flat=True) if email]


@task
def send_rule_email(
    ticket_id: int, to: str, subject: str, body: str, rule_name: str, attempt: int = 1
) -> str:
    """Send a rule's email about a ticket to `to` (requester, assignee or team)."""
    ticket = (
        Ticket.objects.select_related("requester", "client", "status", "assignee", "mailbox")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return "ticket deleted"
    addresses = recipients(ticket, to)
    if not addresses:
        return "no recipients"
    message = emails.build_rule_email(ticket, to=addresses, subject=subject, body=body)
    description = f"the email of rule {rule_name!r} about ticket #{ticket_id}"
    return ticket_tasks._deliver(
        message,
        description,
        send_rule_email,
        (ticket_id, to, subject, body, rule_name),
        {},
        attempt,
    )


def rule_email_due(
    ticket_id: int, *, to: str, subject: str, body: str, rule: dict[str, Any]
) -> None:
    """Queue a rule's email (called once its change committed)."""
    try:
        send_rule_email.enqueue(ticket_id, to, subject, body, str(rule.get("name", "")))
    except Exception:
        logger.exception("Could not queue the email of rule %s on ticket #%s", rule, ticket_id)


# The periodic run -------------------------------------------------------------------


@task
def run_all_automations() -> str:
    """Run every active automation over every ticket, then queue the next run."""
    from . import runs

    try:
        results = runs.run_automations()
    finally:
        _queue_next_run()
    return "\n".join(str(result) for result in results) or "No active automation."


def can_schedule() -> bool:
    return run_all_automations.get_backend().supports_defer


def schedule_runs() -> bool:
    """Queue the first run of a chain unless one is queued or running; True if it did."""
    if _runs(running=True):
        return False
    run_all_automations.enqueue()
    return True


def _queue_next_run() -> None:
    if not can_schedule() or _runs(running=False):
        return
    run_after = timezone.now() + datetime.timedelta(seconds=settings.AUTOMATIONS_INTERVAL)
    run_all_automations.using(run_after=run_after).enqueue()


def _runs(*, running: bool) -> bool:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = run_all_automations.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    alive = Q(status="READY")
    if running:
        alive |= Q(status="RUNNING", started_at__gte=timezone.now() - STALE_RUN)
    return DBTaskResult.objects.filter(
        alive, task_path=run_all_automations.module_path, backend_name=backend.alias
    ).exists()
