"""Setting every open ticket's targets afresh from the active policies: after policies
are first set up, or changed in a way that should apply to the tickets already open
(the clock itself applies a policy to a ticket when the ticket changes).

Each open ticket (not solved, not spam) gets its policy's targets as if the clocks had
run since it was opened, from what the ticket keeps: its first response time, whether its
last public reply is the client's (a next response owed since then), and, while pending,
since when (its status change). A pause before the current one is not known and counts
as running time. A target already past due is marked breached at its due time without a
history event or an email: those breaches happened before the clocks ran. Solved and
spam tickets lose their running targets.

Tickets are read and written in batches of consecutive ids, each batch in its own
transaction with its rows locked, so agents keep working while it runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from tickets.models import Reply, TaggedTicket, Ticket
from tickets.statuses import StatusCategory

from .models import SlaTargetKind, TargetState, TicketSlaTarget
from .policies import Policies, Policy, forget_policies, read_policies

BATCH = 2000
UPDATE_CHUNK = 250
RUNNING = [TargetState.ACTIVE, TargetState.PAUSED]


def recompute(
    *,
    batch: int = BATCH,
    now: datetime.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Set the targets of every open ticket; returns how many tickets it read."""
    now = now or timezone.now()
    forget_policies()
    policies = read_policies()
    _clear_finished()
    done, last = 0, 0
    while True:
        with transaction.atomic():
            rows = list(_open_tickets(last, batch))
            if not rows:
                return done
            _recompute_batch(rows, policies, now)
        last = rows[-1]["pk"]
        done += len(rows)
        if progress is not None:
            progress(done)


def _clear_finished() -> None:
    """Solved and spam tickets run no target."""
    finished = Q(status__category=StatusCategory.SOLVED) | Q(is_spam=True)
    TicketSlaTarget.objects.filter(
        state__in=RUNNING, ticket__in=Ticket.objects.filter(finished).values("pk")
    ).delete()
    Ticket.objects.filter(finished, sla_due_at__isnull=False).update(sla_due_at=None)


def _open_tickets(after: int, batch: int):
    last_reply_author = (
        Reply.objects.filter(ticket=OuterRef("pk"), kind=Reply.Kind.REPLY)
        .order_by("-created_at", "-pk")
        .values("author_contact_id")[:1]
    )
    return (
        Ticket.objects.filter(pk__gt=after, is_spam=False)
        .exclude(status__category=StatusCategory.SOLVED)
        .order_by("pk")
        .select_for_update(of=("self",))
        .annotate(last_reply_by_contact=Subquery(last_reply_author))
        .values(
            "pk",
            "priority",
            "department_id",
            "client_id",
            "created_at",
            "first_response_at",
            "last_reply_at",
            "last_reply_by_contact",
            "status__category",
            "status_changed_at",
        )[:batch]
    )


def _recompute_batch(rows: list[dict], policies: Policies, now: datetime.datetime) -> None:
    ids = [row["pk"] for row in rows]
    tags: dict[int, set[str]] = {}
    if policies.use_tags:
        for ticket_id, name in TaggedTicket.objects.filter(content_object_id__in=ids).values_list(
            "content_object_id", "tag__name"
        ):
            tags.setdefault(ticket_id, set()).add(name.lower())
    TicketSlaTarget.objects.filter(ticket_id__in=ids).delete()
    targets: list[TicketSlaTarget] = []
    by_policy: dict[int | None, list[int]] = {}
    for row in rows:
        policy = policies.choose(
            priority=row["priority"],
            department_id=row["department_id"],
            client_id=row["client_id"],
            tag_names=tags.get(row["pk"], ()),
        )
        if policy is not None:
            targets += _targets_of(row, policy, now)
        by_policy.setdefault(policy.id if policy is not None else None, []).append(row["pk"])
    TicketSlaTarget.objects.bulk_create(targets, batch_size=1000)
    # One UPDATE per policy, each ticket's next breach read from the targets just written
    # (a bulk_update's CASE over thousands of rows costs the square of their number).
    next_due = (
        TicketSlaTarget.objects.filter(ticket=OuterRef("pk"), state=TargetState.ACTIVE)
        .order_by()
        .values("ticket")
        .annotate(earliest=Min("due_at"))
        .values("earliest")
    )
    for policy_id, ticket_ids in by_policy.items():
        # In chunks: the tickets' statement triggers (tickets.counts) join the rows before
        # and after an UPDATE, which costs the square of their number on PostgreSQL.
        for start in range(0, len(ticket_ids), UPDATE_CHUNK):
            Ticket.objects.filter(pk__in=ticket_ids[start : start + UPDATE_CHUNK]).update(
                sla_policy_id=policy_id, sla_due_at=Subquery(next_due)
            )


def _targets_of(row: dict, policy: Policy, now: datetime.datetime) -> list[TicketSlaTarget]:
    created_at, first_response_at = row["created_at"], row["first_response_at"]
    starts: dict[str, datetime.datetime] = {
        SlaTargetKind.FIRST_RESPONSE: created_at,
        SlaTargetKind.RESOLUTION: created_at,
    }
    if first_response_at is not None and row["last_reply_by_contact"] is not None:
        starts[SlaTargetKind.NEXT_RESPONSE] = row["last_reply_at"]
    pending = row["status__category"] == StatusCategory.PENDING
    paused_at = min(row["status_changed_at"] or created_at, now)
    targets = []
    for kind, start in starts.items():
        rule = policy.targets.get(kind)
        if rule is None or start is None:
            continue
        due = policy.due(start, rule.seconds, business=rule.business_hours)
        target = TicketSlaTarget(
            ticket_id=row["pk"],
            policy_id=policy.id,
            kind=kind,
            business_hours=rule.business_hours,
            target_seconds=rule.seconds,
            started_at=start,
            due_at=due,
        )
        if kind == SlaTargetKind.FIRST_RESPONSE and first_response_at is not None:
            target.state, target.met_at = TargetState.MET, first_response_at
            if first_response_at > due:
                target.breached_at = due
        elif pending and paused_at >= start:
            target.state, target.paused_at = TargetState.PAUSED, paused_at
            target.remaining_seconds = round(
                policy.seconds_between(paused_at, due, business=rule.business_hours)
            )
            if due <= paused_at:
                target.breached_at = due
        elif due <= now:
            target.breached_at = due
        targets.append(target)
    return targets
