"""Administrators manage triggers and automations in the admin, with a preview of the
tickets a rule matches now; a wrong rule is refused with a message and nothing is saved."""

import datetime
import json

import pytest
from django.urls import reverse
from freezegun import freeze_time

from automations.models import Automation, AutomationFiring, Trigger
from tests import factories
from tickets.models import Priority
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def administrator(client):
    user = factories.AdministratorFactory()
    client.force_login(user)
    return user


def trigger_form(**changes):
    data = {
        "name": "Urgent to tier 2",
        "description": "",
        "position": "1",
        "is_active": "on",
        "fires_on": "both",
        "conditions": json.dumps([{"field": "priority", "op": "is", "value": "urgent"}]),
        "actions": json.dumps([{"action": "add_tags", "value": ["urgent"]}]),
    }
    return {**data, **changes}


def test_an_administrator_adds_a_trigger(client, administrator):
    response = client.post(reverse("admin:automations_trigger_add"), trigger_form())
    assert response.status_code == 302
    trigger = Trigger.objects.get()
    assert trigger.conditions == [{"field": "priority", "op": "is", "value": "urgent"}]
    assert trigger.actions == [{"action": "add_tags", "value": ["urgent"]}]


def test_a_wrong_trigger_is_refused_with_its_message(client, administrator):
    response = client.post(
        reverse("admin:automations_trigger_add"),
        trigger_form(conditions=json.dumps([{"field": "priority", "op": "is", "value": "huge"}])),
    )
    assert response.status_code == 200
    assert "Condition 1: the value of priority is one of normal, high, urgent." in (
        response.content.decode()
    )
    assert not Trigger.objects.exists()


def test_json_that_does_not_parse_is_refused(client, administrator):
    response = client.post(reverse("admin:automations_trigger_add"), trigger_form(actions="[{oops"))
    assert response.status_code == 200
    assert "Enter a valid JSON." in response.content.decode()
    assert not Trigger.objects.exists()


def test_the_form_shows_the_rule_readably_with_the_placeholders(client, administrator):
    trigger = factories.TriggerFactory()
    page = client.get(reverse("admin:automations_trigger_change", args=[trigger.pk])).content
    text = page.decode()
    assert "{{ ticket.subject }}" in text
    assert "The tickets it matches now" in text
    assert "&quot;action&quot;: &quot;add_tags&quot;" in text


def test_the_preview_of_a_trigger(client, administrator, django_assert_max_num_queries):
    trigger = factories.TriggerFactory(
        conditions=[
            {"field": "priority", "op": "is", "value": "urgent"},
            {"field": "status", "op": "changed"},
        ]
    )
    urgent = factories.TicketFactory.create_batch(22, priority=Priority.URGENT)
    factories.TicketFactory(priority=Priority.NORMAL, subject="Not this one")
    url = reverse("admin:automations_trigger_preview", args=[trigger.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    page = response.content.decode()
    assert "<strong>22</strong> tickets match now; the newest 20 are listed" in page
    assert reverse("ticket", args=[urgent[-1].pk]) in page
    assert reverse("ticket", args=[urgent[1].pk]) not in page
    assert "Not this one" not in page
    assert "changed to, changed from) are left out" in page


def test_the_preview_of_an_automation_leaves_out_what_it_did(client, administrator):
    automation = factories.AutomationFactory(
        since=Automation.Since.PENDING,
        hours=24,
        actions=[{"action": "set_status", "value": FixedStatus.CLOSED}],
    )
    due = factories.TicketFactory(
        status_id=FixedStatus.ON_HOLD, status_changed_at=NOW - datetime.timedelta(days=2)
    )
    done = factories.TicketFactory(
        status_id=FixedStatus.ON_HOLD, status_changed_at=NOW - datetime.timedelta(days=3)
    )
    AutomationFiring.objects.create(
        automation=automation, ticket=done, state=done.status_changed_at
    )
    factories.TicketFactory(status_id=FixedStatus.ON_HOLD, status_changed_at=NOW)
    with freeze_time(NOW):
        page = client.get(
            reverse("admin:automations_automation_preview", args=[automation.pk])
        ).content.decode()
    assert "<strong>1</strong> ticket matches now" in page
    assert reverse("ticket", args=[due.pk]) in page
    assert reverse("ticket", args=[done.pk]) not in page


def test_an_automation_is_added_with_its_hours(client, administrator):
    response = client.post(
        reverse("admin:automations_automation_add"),
        {
            "name": "Close after a week",
            "description": "",
            "position": "1",
            "is_active": "on",
            "since": "pending",
            "hours": "168",
            "conditions": "",
            "actions": json.dumps([{"action": "set_status", "value": FixedStatus.CLOSED}]),
        },
    )
    assert response.status_code == 302
    automation = Automation.objects.get()
    assert (automation.since, automation.hours, automation.conditions) == ("pending", 168, [])


@pytest.mark.parametrize(
    "make_user", [factories.AgentFactory, factories.SupervisorFactory], ids=["agent", "supervisor"]
)
def test_below_an_administrator_the_preview_is_refused(client, make_user):
    trigger = factories.TriggerFactory()
    client.force_login(make_user())
    response = client.get(reverse("admin:automations_trigger_preview", args=[trigger.pk]))
    assert response.status_code == 403


def test_deleting_triggers_from_the_list_is_seen_at_once(client, administrator):
    from automations import triggers

    trigger = factories.TriggerFactory()
    assert triggers.active_triggers() == [trigger]
    client.post(
        reverse("admin:automations_trigger_changelist"),
        {"action": "delete_selected", "_selected_action": [trigger.pk], "post": "yes"},
    )
    assert triggers.active_triggers() == []
