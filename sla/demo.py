"""The demo data's service levels: a London office calendar (Monday to Friday, 9 to 17),
a policy for urgent and high priority tickets and a default one, applied to the demo
tickets (seed_demo calls `add_demo_service_levels`)."""

from __future__ import annotations

import datetime

from django.db import transaction

from tickets.models import Priority

from . import recompute
from .models import BusinessCalendar, OpeningHours, SlaPolicy, SlaPolicyTarget, SlaTargetKind

# (name, position, priorities, {kind: minutes}), the targets in business hours.
DEMO_POLICIES = [
    (
        "Urgent and high",
        1,
        [Priority.URGENT, Priority.HIGH],
        {
            SlaTargetKind.FIRST_RESPONSE: 60,
            SlaTargetKind.NEXT_RESPONSE: 2 * 60,
            SlaTargetKind.RESOLUTION: 8 * 60,
        },
    ),
    (
        "Standard",
        2,
        [],
        {
            SlaTargetKind.FIRST_RESPONSE: 4 * 60,
            SlaTargetKind.NEXT_RESPONSE: 8 * 60,
            SlaTargetKind.RESOLUTION: 5 * 8 * 60,
        },
    ),
]


def ensure_demo_policies() -> list[SlaPolicy]:
    """The demo calendar and policies, created unless they exist (by name)."""
    with transaction.atomic():
        calendar, created = BusinessCalendar.objects.get_or_create(
            name="London office", defaults={"time_zone": "Europe/London"}
        )
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(
                    calendar=calendar,
                    weekday=day,
                    opens=datetime.time(9),
                    closes=datetime.time(17),
                )
                for day in range(5)
            )
        policies = []
        for name, position, priorities, targets in DEMO_POLICIES:
            policy, created = SlaPolicy.objects.get_or_create(
                name=name,
                defaults={
                    "position": position,
                    "calendar": calendar,
                    "priorities": [int(p) for p in priorities],
                },
            )
            if created:
                SlaPolicyTarget.objects.bulk_create(
                    SlaPolicyTarget(policy=policy, kind=kind, minutes=minutes, business_hours=True)
                    for kind, minutes in targets.items()
                )
            policies.append(policy)
    return policies


def add_demo_service_levels() -> int:
    """Ensure the demo policies and set the open demo tickets' targets; returns how many
    tickets it read."""
    ensure_demo_policies()
    return recompute.recompute()
