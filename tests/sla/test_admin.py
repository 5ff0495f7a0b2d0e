"""The admin of service levels: a policy saved there (with its targets inline) applies to
the next ticket change at once, and bad input is refused."""

import pytest
from django.urls import reverse

from sla.models import BusinessCalendar, SlaPolicy
from tests import factories
from tickets.models import Priority

pytestmark = pytest.mark.django_db


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data.update({f"{prefix}-{number}-{key}": value for key, value in row.items()})
    return data


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_policy_saved_in_the_admin_applies_to_the_next_ticket(admin_client, new_ticket):
    new_ticket()  # the clock has read (and cached) the policies: none
    data = {
        "name": "Urgent",
        "position": "1",
        "is_active": "on",
        "calendar": "",
        "priorities": [str(Priority.URGENT.value)],
        **inline(
            "targets",
            [{"kind": "first_response", "minutes": "30", "business_hours": ""}],
        ),
    }
    response = admin_client.post(reverse("admin:sla_slapolicy_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SlaPolicy.objects.get(name="Urgent")
    assert policy.priorities == [Priority.URGENT]
    ticket = new_ticket(priority=Priority.URGENT)
    ticket.refresh_from_db()
    assert ticket.sla_policy_id == policy.pk
    assert ticket.sla_targets.get().target_seconds == 1800


def test_a_target_of_no_minutes_is_refused(admin_client):
    data = {
        "name": "Broken",
        "position": "1",
        **inline("targets", [{"kind": "resolution", "minutes": "0", "business_hours": "on"}]),
    }
    response = admin_client.post(reverse("admin:sla_slapolicy_add"), data)
    assert response.status_code == 200
    assert not SlaPolicy.objects.exists()


def test_a_calendar_with_an_unknown_zone_or_hours_backwards_is_refused(admin_client):
    data = {
        "name": "Office",
        "time_zone": "Europe/Atlantis",
        **inline("opening_hours", [{"weekday": "0", "opens": "17:00", "closes": "09:00"}]),
        **inline("holidays", []),
    }
    response = admin_client.post(reverse("admin:sla_businesscalendar_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a known time zone" in page
    assert "The opening time must be before the closing time." in page
    assert not BusinessCalendar.objects.exists()


def test_a_policy_in_use_cannot_be_deleted(admin_client, new_ticket):
    policy = factories.SlaPolicyFactory(name="Used")
    new_ticket()
    response = admin_client.post(
        reverse("admin:sla_slapolicy_delete", args=[policy.pk]), {"post": "yes"}
    )
    assert response.status_code == 200  # the admin lists what protects it
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
