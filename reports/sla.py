"""The service level reports: the share of SLA targets met per policy, kind of target and
period, and the list of breaches.

A ticket's target (sla.TicketSlaTarget) is *settled* once it is breached or met:

- breached: its breach was recorded (`breached_at`), or it was met after it was due (met
  late before the breach task recorded it). A target met late stays breached.
- met: met (`met_at`) in time, never breached.

A running, paused or stopped target that has not breached is not settled, and not
counted. A target counts in the period it was settled in: its breach, else its meeting
(`settled_at`, COALESCE(breached_at, met_at), the expression the reports' index of
TicketSlaTarget is on), local to the report's time zone like every report. The filters
are the ticket reports' (the ticket's current assignee, department, client, team and
tags), and spam tickets are left out, as in reports.queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from sla.models import SlaPolicy, SlaTargetKind, TicketSlaTarget
from tickets.models import Ticket

from .periods import ByPeriod, ReportFilters
from .queries import _tickets

Row = dict[str, Any]
FIGURES = ("met", "breached", "total", "share_met")

# When a target was settled: its breach, else its meeting. The reports' index of
# TicketSlaTarget is on this very expression, so a range of it is an index range.
SETTLED_AT = Coalesce("breached_at", "met_at")
BREACHED = Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at"))
MET = Q(breached_at__isnull=True, met_at__isnull=False) & (
    Q(due_at__isnull=True) | Q(met_at__lte=F("due_at"))
)
KIND_ORDER = {kind: number for number, kind in enumerate(SlaTargetKind.values)}


def share(met: int, total: int) -> float | None:
    """The share of targets met, 0 to 1 in 3 decimals (as the ratings' score); None for none."""
    return round(met / total, 3) if total else None


def figures(met: int, breached: int) -> Row:
    total = met + breached
    return {"met": met, "breached": breached, "total": total, "share_met": share(met, total)}


def settled_targets(filters: ReportFilters) -> QuerySet[TicketSlaTarget]:
    """The targets of the filters' tickets settled in the range, with `settled_at`."""
    targets = TicketSlaTarget.objects.order_by().annotate(settled_at=SETTLED_AT)
    if filters.narrowed:
        targets = targets.filter(ticket__in=_tickets(filters).values("pk"))
    else:
        # Spam is rare: a hash anti-join with the few spam tickets (from ticket_hidden_idx),
        # not a join with every ticket.
        spam = Ticket.objects.filter(pk=OuterRef("ticket_id"), is_spam=True)
        targets = targets.filter(~Exists(spam))
    # A range of SETTLED_AT holds only settled targets (it is null until then).
    return targets.filter(settled_at__gte=filters.start, settled_at__lt=filters.end)


def sla_targets(filters: ReportFilters) -> list[Row]:
    """Per policy and kind of target: targets met and breached in the range, and in each
    period. One query, and one for the policies' names if there are targets; Python
    fills in the empty periods and adds up the range.

    A row per policy and kind with a settled target in the range, by the policy's
    position, then first response, next response, resolution; its `periods` has every
    period of the range, in order.
    """
    grouping = ByPeriod(filters)
    rows = (
        settled_targets(filters)
        .annotate(period=grouping.expression(F("settled_at")))
        .values("policy_id", "kind", "period")
        .annotate(
            # policy_id is never null and in the index, so the count reads no table row.
            met=Count("policy_id", filter=MET),
            breached=Count("policy_id", filter=BREACHED),
        )
    )
    counts: dict[tuple[int, str], dict[str, tuple[int, int]]] = {}
    for row in rows:
        by_period = counts.setdefault((row["policy_id"], row["kind"]), {})
        key = grouping.key(row["period"])
        met, breached = by_period.get(key, (0, 0))
        by_period[key] = (met + row["met"], breached + row["breached"])
    policies = _policies({policy_id for policy_id, _ in counts})
    report = []
    for policy_id, kind in sorted(
        counts, key=lambda pair: (policies[pair[0]]["position"], pair[0], KIND_ORDER[pair[1]])
    ):
        by_period = counts[policy_id, kind]
        periods = {key: figures(*by_period.get(key, (0, 0))) for key in grouping.keys}
        met = sum(row["met"] for row in periods.values())
        breached = sum(row["breached"] for row in periods.values())
        policy = policies[policy_id]
        report.append(
            {
                "policy": {"id": policy_id, "name": policy["name"]},
                "kind": kind,
                **figures(met, breached),
                "periods": periods,
            }
        )
    return report


def _policies(ids: set[int]) -> dict[int, Row]:
    """The name and position of each policy, by id: a few rows of a small table. Joined
    to the targets before grouping them, it made PostgreSQL sort every target instead of
    hashing them into their groups (docs/reports.md)."""
    if not ids:
        return {}
    return {
        pk: {"name": name, "position": position}
        for pk, name, position in SlaPolicy.objects.filter(pk__in=ids).values_list(
            "id", "name", "position"
        )
    }


def breaches(
    filters: ReportFilters, *, policy: int | None = None, kind: str | None = None
) -> QuerySet[TicketSlaTarget]:
    """The targets breached in the range (by when they were settled), newest first, with
    their ticket, its assignee and the policy; `breach_at` is when the target breached:
    the recorded breach, or its due time for a target met late before it was recorded."""
    targets = settled_targets(filters).filter(BREACHED)
    if policy is not None:
        targets = targets.filter(policy_id=policy)
    if kind:
        targets = targets.filter(kind=kind)
    return (
        targets.annotate(breach_at=Coalesce("breached_at", "due_at"))
        .select_related("ticket__assignee", "policy")
        .only(
            "kind",
            "due_at",
            "met_at",
            "breached_at",
            "ticket__id",
            "ticket__subject",
            "ticket__assignee__id",
            "ticket__assignee__username",
            "ticket__assignee__first_name",
            "ticket__assignee__last_name",
            "ticket__assignee__email",
            "policy__id",
            "policy__name",
        )
        .order_by(F("settled_at").desc(), "-pk")
    )


__all__ = ["FIGURES", "breaches", "settled_targets", "share", "sla_targets"]
