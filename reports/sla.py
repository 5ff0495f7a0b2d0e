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

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from sla.models import SlaTargetKind, TicketSlaTarget
from tickets.models import Ticket

from .periods import ByPeriod, ReportFilters
from .queries import _tickets

Row = dict[str, Any]
FIGURES = ("met", "breached", "total", "share_met")

# When a target was settled: its breach, else its meeting. The reports' index of
# TicketSlaTarget is on this very expression, so a range of it is an index range.
SETTLED_AT = Coalesce("breached_at", "met_at")
# The index's condition, spelled as it is so that PostgreSQL sees that the index applies.
SETTLED = Q(breached_at__isnull=False) | Q(met_at__isnull=False)
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


def _settled(filters: ReportFilters) -> QuerySet[TicketSlaTarget]:
    """Every target settled in the range, with `settled_at`: one range of the index."""
    return (
        TicketSlaTarget.objects.order_by()
        .annotate(settled_at=SETTLED_AT)
        .filter(SETTLED, settled_at__gte=filters.start, settled_at__lt=filters.end)
    )


def settled_targets(filters: ReportFilters) -> QuerySet[TicketSlaTarget]:
    """The targets of the filters' tickets settled in the range, with `settled_at`.

    For reading a few rows (a page of breaches): without a filter, spam is left out by an
    anti-join, a lookup per row in the few hidden tickets (ticket_hidden_idx). To count,
    see `_signed_parts`: a lookup per row costs far more than the count."""
    targets = _settled(filters)
    if filters.narrowed:
        return targets.filter(ticket__in=_tickets(filters).values("pk"))
    spam = Ticket.objects.filter(pk=OuterRef("ticket_id"), is_spam=True)
    return targets.filter(~Exists(spam))


def _signed_parts(filters: ReportFilters) -> list[tuple[QuerySet[TicketSlaTarget], int]]:
    """The targets to count, as parts whose counts, signed, add up to the filters' targets.

    With a filter, the filtered tickets' targets (a semi-join with those tickets). Without
    one, every target settled in the range (read from the index alone) less the spam
    tickets' (the few spam tickets, then their targets by ticket): checking each of two
    million targets against the spam tickets took 90% of the time (docs/reports.md).
    """
    if filters.narrowed:
        return [(settled_targets(filters), 1)]
    settled = _settled(filters)
    return [(settled, 1), (settled.filter(ticket__is_spam=True), -1)]


def sla_targets(filters: ReportFilters) -> list[Row]:
    """Per policy and kind of target: targets met and breached in the range, and in each
    period. One query; Python fills in the empty periods and adds up the range.

    A row per policy and kind with a settled target in the range, by the policy's
    position, then first response, next response, resolution; its `periods` has every
    period of the range, in order.
    """
    grouping = ByPeriod(filters)
    parts = [
        targets.annotate(period=grouping.expression(F("settled_at")))
        .values("policy_id", "policy__name", "policy__position", "kind", "period")
        .annotate(
            # policy_id is never null and in the index, so the count reads no table row.
            met=Count("policy_id", filter=MET) * Value(sign),
            breached=Count("policy_id", filter=BREACHED) * Value(sign),
        )
        for targets, sign in _signed_parts(filters)
    ]
    rows = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    policies: dict[int, Row] = {}
    counts: dict[tuple[int, int, str], dict[str, tuple[int, int]]] = {}
    for row in rows:
        policy_id = row["policy_id"]
        policies[policy_id] = {"id": policy_id, "name": row["policy__name"]}
        by_period = counts.setdefault((row["policy__position"], policy_id, row["kind"]), {})
        key = grouping.key(row["period"])
        met, breached = by_period.get(key, (0, 0))
        by_period[key] = (met + row["met"], breached + row["breached"])
    report = []
    for position_id_kind in sorted(counts, key=lambda p: (p[0], p[1], KIND_ORDER.get(p[2], 9))):
        _, policy_id, kind = position_id_kind
        by_period = counts[position_id_kind]
        periods = {key: figures(*by_period.get(key, (0, 0))) for key in grouping.keys}
        met = sum(row["met"] for row in periods.values())
        breached = sum(row["breached"] for row in periods.values())
        if not met + breached:
            continue  # only spam tickets' targets, taken away again
        report.append(
            {
                "policy": policies[policy_id],
                "kind": kind,
                **figures(met, breached),
                "periods": periods,
            }
        )
    return report


def _breached(
    targets: QuerySet[TicketSlaTarget], policy: int | None, kind: str | None
) -> QuerySet[TicketSlaTarget]:
    targets = targets.filter(BREACHED)
    if policy is not None:
        targets = targets.filter(policy_id=policy)
    if kind:
        targets = targets.filter(kind=kind)
    return targets


def breaches_count(
    filters: ReportFilters, *, policy: int | None = None, kind: str | None = None
) -> int:
    """How many targets `breaches` lists: one statement, the signed counts of its parts."""
    parts = [
        _breached(targets, policy, kind)
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(count=Count("policy_id") * Value(sign))
        .values("count")
        for targets, sign in _signed_parts(filters)
    ]
    rows = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    return sum(row["count"] for row in rows)


def breaches(
    filters: ReportFilters, *, policy: int | None = None, kind: str | None = None
) -> QuerySet[TicketSlaTarget]:
    """The targets breached in the range (by when they were settled), newest first, with
    their ticket, its assignee and the policy; `breach_at` is when the target breached:
    the recorded breach, or its due time for a target met late before it was recorded."""
    return (
        _breached(settled_targets(filters), policy, kind)
        .annotate(breach_at=Coalesce("breached_at", "due_at"))
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


__all__ = ["FIGURES", "breaches", "breaches_count", "settled_targets", "share", "sla_targets"]
