"""The demo data's service levels (sla.demo, called by seed_demo)."""

import pytest
from django.db.models import Q

from sla.models import SlaPolicy, TicketSlaTarget
from tests.tickets.test_seed_demo import seed
from tickets.models import Priority, Ticket
from tickets.statuses import StatusCategory

pytestmark = pytest.mark.django_db


def test_the_demo_tickets_get_the_demo_policies():
    stdout, _ = seed("--tickets", "60", "--seed", "3")
    policies = {policy.name: policy for policy in SlaPolicy.objects.select_related("calendar")}
    assert set(policies) == {"Urgent and high", "Standard"}
    calendar = policies["Standard"].calendar
    assert calendar.time_zone == "Europe/London"
    assert sorted(calendar.opening_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    open_tickets = Ticket.objects.filter(is_spam=False).exclude(
        status__category=StatusCategory.SOLVED
    )
    assert f"Set the SLA targets of {open_tickets.count()} open tickets" in stdout
    assert open_tickets.exists()
    pressing = Q(priority__in=[Priority.URGENT, Priority.HIGH])
    assert not open_tickets.filter(pressing).exclude(sla_policy=policies["Urgent and high"])
    assert not open_tickets.exclude(pressing).exclude(sla_policy=policies["Standard"])
    assert not TicketSlaTarget.objects.exclude(ticket__in=open_tickets).exists()


def test_seeding_again_keeps_one_set_of_policies():
    seed("--tickets", "5", "--seed", "1")
    seed("--tickets", "5", "--seed", "2")
    assert SlaPolicy.objects.count() == 2
