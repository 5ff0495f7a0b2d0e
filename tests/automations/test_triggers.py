"""Triggers: they act when a ticket is created or changed by any channel, through the
services and as themselves, once per ticket and change, and rules cannot loop."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from automations import triggers
from automations.models import TeamRotation, Trigger
from tests import factories
from tickets import changes, services
from tickets.models import Channel, Priority, Reply, Ticket, TicketEvent, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind


def new_ticket(department, client, channel=Channel.WEB, actor=None, **fields):
    return services.create_ticket(
        client=client,
        department=department,
        subject=fields.pop("subject", "Printer on fire"),
        message=fields.pop("message", "It smokes."),
        actor=actor,
        channel=channel,
        **fields,
    )


def rule_events(ticket, trigger=None):
    events = TicketEvent.objects.filter(ticket=ticket, rule__isnull=False).order_by("pk")
    if trigger is not None:
        events = [event for event in events if event.rule["id"] == trigger.pk]
    return list(events)


def tags_of(ticket):
    return sorted(Ticket.objects.get(pk=ticket.pk).tags.names())


def test_a_trigger_acts_on_a_new_ticket_through_the_services_as_itself(
    department, client_company, agent
):
    team = factories.TeamFactory(name="Tier 2")
    trigger = factories.TriggerFactory(
        name="Urgent to tier 2",
        fires_on=Trigger.FiresOn.CREATED,
        conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
        actions=[{"action": "set_team", "value": team.pk}],
    )
    urgent = new_ticket(department, client_company, actor=agent, priority=Priority.URGENT)
    normal = new_ticket(department, client_company, actor=agent)

    urgent.refresh_from_db()
    normal.refresh_from_db()
    assert urgent.team_id == team.pk
    assert normal.team_id is None
    [event] = rule_events(urgent)
    assert event.kind == Kind.TEAM_CHANGED
    assert event.rule == {"kind": "trigger", "id": trigger.pk, "name": "Urgent to tier 2"}
    assert event.actor is None
    assert event.channel == Channel.SYSTEM
    assert event.actor_name == "Trigger “Urgent to tier 2”"
    assert rule_events(normal) == []


def test_fires_on_created_updated_or_both(department, client_company, agent):
    on_created = factories.TriggerFactory(
        fires_on=Trigger.FiresOn.CREATED, actions=[{"action": "add_tags", "value": ["new"]}]
    )
    on_updated = factories.TriggerFactory(
        fires_on=Trigger.FiresOn.UPDATED, actions=[{"action": "add_tags", "value": ["changed"]}]
    )
    ticket = new_ticket(department, client_company, actor=agent)
    assert tags_of(ticket) == ["new"]
    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == ["changed", "new"]
    assert len(rule_events(ticket, on_created)) == 1
    assert len(rule_events(ticket, on_updated)) == 1


def test_an_inactive_trigger_does_nothing(ticket, agent):
    factories.TriggerFactory(is_active=False)
    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == []


def test_an_import_sets_off_no_trigger(department, client_company):
    factories.TriggerFactory()
    ticket = new_ticket(department, client_company, channel=Channel.IMPORT)
    assert tags_of(ticket) == []


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"field": "status", "op": "changed"}, True),
        ({"field": "status", "op": "changed_to", "value": FixedStatus.ON_HOLD}, True),
        ({"field": "status", "op": "changed_to", "value": FixedStatus.CLOSED}, False),
        ({"field": "status", "op": "changed_from", "value": FixedStatus.OPEN}, True),
        ({"field": "status", "op": "changed_from", "value": FixedStatus.ANSWERED}, False),
        ({"field": "priority", "op": "changed"}, False),
        ({"field": "status_category", "op": "is", "value": "pending"}, True),
        ({"field": "status", "op": "is_not", "value": FixedStatus.ON_HOLD}, False),
    ],
)
def test_conditions_on_the_change(ticket, agent, condition, holds):
    factories.TriggerFactory(fires_on=Trigger.FiresOn.UPDATED, conditions=[condition])
    on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
    services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == (["seen"] if holds else [])


def test_changed_to_and_from_an_assignee_and_none(ticket, agent, other_agent):
    to_agent = factories.TriggerFactory(
        conditions=[{"field": "assignee", "op": "changed_to", "value": other_agent.pk}],
        actions=[{"action": "add_tags", "value": ["to-other"]}],
    )
    to_nobody = factories.TriggerFactory(
        conditions=[{"field": "assignee", "op": "changed_to", "value": None}],
        actions=[{"action": "add_tags", "value": ["unassigned"]}],
    )
    services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == ["to-other"]
    services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == ["to-other", "unassigned"]
    assert len(rule_events(ticket, to_agent)) == 1
    assert len(rule_events(ticket, to_nobody)) == 1


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"field": "channel", "op": "is", "value": "email"}, True),
        ({"field": "channel", "op": "is", "value": "web"}, False),
        ({"field": "channel", "op": "is_not", "value": "web"}, True),
        ({"field": "requester_domain", "op": "is", "value": "Bigcorp.example"}, True),
        ({"field": "requester_domain", "op": "is_not", "value": "bigcorp.example"}, False),
        ({"field": "subject", "op": "contains", "value": "PRINTER"}, True),
        ({"field": "message", "op": "contains", "value": "smokes"}, True),
        ({"field": "message", "op": "not_contains", "value": "smokes"}, False),
        ({"field": "source", "op": "is", "value": "email"}, True),
        ({"field": "assignee", "op": "is", "value": None}, True),
        ({"field": "team", "op": "is_not", "value": None}, False),
        ({"field": "tags", "op": "contains", "value": "VIP"}, True),
        ({"field": "tags", "op": "not_contains", "value": "vip"}, False),
        ({"field": "priority", "op": "is", "value": "high"}, True),
        ({"field": "status", "op": "is", "value": FixedStatus.OPEN}, True),
    ],
)
def test_conditions_on_a_new_ticket_by_email(department, client_company, condition, holds):
    requester = factories.ContactFactory(client=client_company, email="ann@bigcorp.example")
    factories.TriggerFactory(
        fires_on=Trigger.FiresOn.CREATED,
        conditions=[condition],
        actions=[{"action": "set_priority", "value": "urgent"}],
    )
    ticket = new_ticket(
        department,
        client_company,
        channel=Channel.EMAIL,
        requester=requester,
        priority=Priority.HIGH,
        tags=["vip"],
    )
    ticket.refresh_from_db()
    assert ticket.priority == (Priority.URGENT if holds else Priority.HIGH)


@pytest.mark.parametrize(("text", "holds"), [("I want a REFUND now", True), ("Thanks!", False)])
def test_the_text_of_a_reply(ticket, text, holds):
    requester = factories.ContactFactory(client=ticket.client)
    factories.TriggerFactory(
        conditions=[{"field": "reply_text", "op": "contains", "value": "refund"}],
        actions=[{"action": "set_priority", "value": "urgent"}],
    )
    services.post_reply(ticket=ticket, text=text, author=requester, channel=Channel.PORTAL)
    ticket.refresh_from_db()
    assert ticket.priority == (Priority.URGENT if holds else Priority.NORMAL)


def test_the_actions_on_fields_and_tags(ticket, agent, other_agent):
    team = factories.TeamFactory()
    billing = factories.CategoryFactory(name="Billing")
    ticket.tags.set(["old"])
    trigger = factories.TriggerFactory(
        fires_on=Trigger.FiresOn.UPDATED,
        conditions=[{"field": "subject", "op": "contains", "value": "invoice"}],
        actions=[
            {"action": "set_status", "value": FixedStatus.ON_HOLD},
            {"action": "set_priority", "value": "high"},
            {"action": "set_department", "value": billing.pk},
            {"action": "set_team", "value": team.pk},
            {"action": "set_assignee", "value": other_agent.pk},
            {"action": "add_tags", "value": ["billing"]},
            {"action": "remove_tags", "value": ["OLD"]},
        ],
    )
    services.update_ticket(ticket=ticket, subject="Invoice wrong", actor=agent, channel=Channel.WEB)
    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.ON_HOLD
    assert ticket.priority == Priority.HIGH
    assert ticket.department_id == billing.pk
    assert ticket.team_id == team.pk
    assert ticket.assignee_id == other_agent.pk
    assert tags_of(ticket) == ["billing"]
    kinds = [event.kind for event in rule_events(ticket, trigger)]
    assert kinds == [
        Kind.STATUS_CHANGED,
        Kind.PRIORITY_CHANGED,
        Kind.DEPARTMENT_CHANGED,
        Kind.TEAM_CHANGED,
        Kind.ASSIGNED,
        Kind.TAGS_CHANGED,
        Kind.TAGS_CHANGED,
    ]


def test_an_action_the_ticket_refuses_is_skipped_and_the_change_stands(ticket, agent):
    leaver = factories.AgentFactory()
    factories.TriggerFactory(
        actions=[
            {"action": "set_assignee", "value": leaver.pk},
            {"action": "add_tags", "value": ["after"]},
        ]
    )
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert ticket.assignee_id is None
    assert tags_of(ticket) == ["after"]


# Loops and chains ---------------------------------------------------------------------


def test_two_triggers_that_would_loop_stop(ticket, agent):
    """Each undoes the other: without `once` they would change the ticket for ever."""
    to_a = factories.TriggerFactory(
        fires_on=Trigger.FiresOn.UPDATED,
        actions=[
            {"action": "add_tags", "value": ["a"]},
            {"action": "remove_tags", "value": ["b"]},
        ],
    )
    to_b = factories.TriggerFactory(
        fires_on=Trigger.FiresOn.UPDATED,
        actions=[
            {"action": "add_tags", "value": ["b"]},
            {"action": "remove_tags", "value": ["a"]},
        ],
    )
    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == ["b"]
    # Each fired once: a added; then b added and a removed.
    assert len(rule_events(ticket, to_a)) == 1
    assert len(rule_events(ticket, to_b)) == 2
    assert TicketEvent.objects.filter(ticket=ticket).count() == 4


def test_status_and_priority_ping_pong_is_bounded(ticket, agent):
    factories.TriggerFactory(
        conditions=[{"field": "priority", "op": "changed"}],
        actions=[{"action": "set_status", "value": FixedStatus.ON_HOLD}],
    )
    factories.TriggerFactory(
        conditions=[{"field": "status", "op": "changed"}],
        actions=[{"action": "set_priority", "value": "urgent"}],
    )
    factories.TriggerFactory(
        conditions=[{"field": "priority", "op": "changed_to", "value": "urgent"}],
        actions=[{"action": "set_status", "value": FixedStatus.OPEN}],
    )
    services.update_ticket(ticket=ticket, priority=Priority.HIGH, actor=agent, channel=Channel.WEB)
    ticket.refresh_from_db()
    assert TicketEvent.objects.filter(ticket=ticket).count() <= 1 + 3
    assert ticket.priority == Priority.URGENT


def test_a_chain_stops_after_the_trigger_rounds(ticket, agent, other_agent):
    team = factories.TeamFactory()
    factories.TriggerFactory(
        conditions=[{"field": "status", "op": "changed_to", "value": FixedStatus.ON_HOLD}],
        actions=[{"action": "set_priority", "value": "high"}],
    )
    factories.TriggerFactory(
        conditions=[{"field": "priority", "op": "changed_to", "value": "high"}],
        actions=[{"action": "set_team", "value": team.pk}],
    )
    factories.TriggerFactory(
        conditions=[{"field": "team", "op": "changed"}],
        actions=[{"action": "set_assignee", "value": other_agent.pk}],
    )
    factories.TriggerFactory(
        conditions=[{"field": "assignee", "op": "changed"}],
        actions=[{"action": "add_tags", "value": ["fourth"]}],
    )
    assert changes.TRIGGER_ROUNDS == 3
    on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
    services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.WEB)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id) == (Priority.HIGH, team.pk)
    assert ticket.assignee_id == other_agent.pk  # the third round
    assert tags_of(ticket) == []  # a fourth round sets off no trigger


def test_once_per_ticket_per_change_and_again_on_the_next(
    ticket, agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket.requester = factories.ContactFactory(client=ticket.client, email="ann@x.example")
    ticket.save(update_fields=["requester"])
    factories.TriggerFactory(
        actions=[{"action": "email_requester", "value": {"subject": "Changed", "body": "Hi"}}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_ticket(
            ticket=ticket, subject="New", priority=3, actor=agent, channel=Channel.WEB
        )
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.update_ticket(ticket=ticket, priority=1, actor=agent, channel=Channel.WEB)
    assert len(mailoutbox) == 2


def test_a_bulk_action_fires_once_per_ticket(agent):
    factories.TriggerFactory(fires_on=Trigger.FiresOn.UPDATED)
    tickets = factories.TicketFactory.create_batch(3)
    services.apply_bulk_action(
        tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]),
        action=services.BulkAction.PRIORITY,
        value=Priority.URGENT,
        actor=agent,
        channel=Channel.WEB,
    )
    assert [tags_of(t) for t in tickets] == [["seen"]] * 3


# Round-robin ----------------------------------------------------------------------------


def test_round_robin_takes_a_teams_active_agents_in_turn(department, client_company):
    members = factories.AgentFactory.create_batch(3)
    away = factories.AgentFactory(is_active=False)
    team = factories.TeamFactory(members=[*members, away])
    factories.TriggerFactory(
        fires_on=Trigger.FiresOn.CREATED,
        actions=[{"action": "assign_round_robin", "value": team.pk}],
    )
    assigned = [
        Ticket.objects.get(pk=new_ticket(department, client_company).pk).assignee_id
        for _ in range(7)
    ]
    order = sorted(member.pk for member in members)
    assert assigned == [*order, *order, order[0]]
    assert TeamRotation.objects.get(team=team).last_agent_id == order[0]


def test_round_robin_without_an_active_agent_leaves_the_ticket(department, client_company):
    team = factories.TeamFactory(members=[factories.AgentFactory(is_active=False)])
    factories.TriggerFactory(actions=[{"action": "assign_round_robin", "value": team.pk}])
    ticket = new_ticket(department, client_company)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


# Emails ---------------------------------------------------------------------------------


def test_the_email_to_the_requester_fills_in_the_placeholders(
    department, client_company, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.HELPDESK_SITE_URL = "https://help.example"
    requester = factories.ContactFactory(
        client=client_company, name="Ann Smith", email="ann@x.example"
    )
    factories.TriggerFactory(
        fires_on=Trigger.FiresOn.CREATED,
        actions=[
            {
                "action": "email_requester",
                "value": {
                    "subject": "We got #{{ ticket.id }}: {{ticket.subject}}",
                    "body": "Hello {{ requester.name }}, see {{ ticket.url }} ({{ client.name }}).",
                },
            }
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(department, client_company, requester=requester)
    [email] = mailoutbox
    assert email.to == ["ann@x.example"]
    assert email.subject == f"We got #{ticket.pk}: Printer on fire"
    assert email.body == (
        f"Hello Ann Smith, see https://help.example/tickets/{ticket.pk}/ (Acme Inc)."
    )
    assert email.extra_headers["Auto-Submitted"] == "auto-replied"


def test_the_email_to_the_team(
    department, client_company, mailoutbox, django_capture_on_commit_callbacks
):
    members = [
        factories.AgentFactory(email="a@team.example"),
        factories.AgentFactory(email="b@team.example"),
    ]
    team = factories.TeamFactory(members=members)
    factories.TriggerFactory(
        fires_on=Trigger.FiresOn.CREATED,
        actions=[
            {"action": "set_team", "value": team.pk},
            {
                "action": "email_agents",
                "value": {"to": "team", "subject": "New: {{ ticket.subject }}", "body": "Look"},
            },
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket(department, client_company)
    [email] = mailoutbox
    assert email.to == ["a@team.example", "b@team.example"]
    assert email.subject == "New: Printer on fire"


# Checking a rule ------------------------------------------------------------------------


def test_every_action_passes_its_check(other_agent):
    team = factories.TeamFactory()
    department = factories.CategoryFactory()
    email = {"subject": "About {{ ticket.subject }}", "body": "Hello {{ requester.name }}"}
    trigger = Trigger(
        name="Everything",
        conditions=[
            {"field": "status", "op": "changed_to", "value": FixedStatus.CLOSED},
            {"field": "assignee", "op": "is", "value": other_agent.pk},
            {"field": "team", "op": "is_not", "value": None},
            {"field": "channel", "op": "is", "value": "portal"},
        ],
        actions=[
            {"action": "set_status", "value": FixedStatus.OPEN},
            {"action": "set_priority", "value": "urgent"},
            {"action": "set_department", "value": department.pk},
            {"action": "set_team", "value": None},
            {"action": "set_assignee", "value": other_agent.pk},
            {"action": "assign_round_robin", "value": team.pk},
            {"action": "add_tags", "value": ["a"]},
            {"action": "remove_tags", "value": ["b"]},
            {"action": "email_requester", "value": email},
            {"action": "email_agents", "value": {**email, "to": "team"}},
        ],
    )
    trigger.full_clean()


@pytest.mark.parametrize(
    ("conditions", "actions", "message"),
    [
        ("x", [], "The conditions are a list"),
        ([{"field": "colour", "op": "is", "value": 1}], [], "Condition 1: the field is one of"),
        ([{"field": "priority", "op": "is", "value": "huge"}], [], "normal, high, urgent"),
        ([{"field": "status", "op": "is", "value": 999}], [], "no status has id 999"),
        ([{"field": "status", "op": "changed", "value": 1}], [], "changed takes no value"),
        ([{"field": "tags", "op": "is"}], [], "the operator of tags is one of contains"),
        ([], [], "The actions are a list of at least one"),
        ([], [{"action": "explode"}], "Action 1: the action is one of"),
        ([], [{"action": "add_tags", "value": "vip"}], "a list of tag names"),
        ([], [{"action": "set_department", "value": "x"}], "is an id (a number)"),
        ([], [{"action": "set_assignee", "value": 99999}], "no active agent has id 99999"),
        ([], [{"action": "assign_round_robin", "value": None}], "round-robin needs a team"),
        (
            [],
            [{"action": "email_agents", "value": {"to": "all", "subject": "s", "body": "b"}}],
            '"to" is "assignee" or "team"',
        ),
        (
            [],
            [
                {
                    "action": "email_requester",
                    "value": {"subject": "{{ ticket.secret }}", "body": "x"},
                }
            ],
            "Unknown placeholder {{ ticket.secret }}",
        ),
        (
            [],
            [{"action": "email_requester", "value": {"subject": "{% debug %}", "body": "x"}}],
            "Template tags",
        ),
    ],
)
def test_a_wrong_rule_is_refused_with_a_clear_message(conditions, actions, message):
    trigger = Trigger(name="Wrong", conditions=conditions, actions=actions)
    with pytest.raises(ValidationError) as error:
        trigger.full_clean()
    assert message in str(error.value)


def test_saving_a_trigger_is_seen_at_once(ticket, agent):
    services.update_ticket(ticket=ticket, priority=2, actor=agent, channel=Channel.WEB)
    assert triggers.active_triggers() == []
    trigger = factories.TriggerFactory()
    assert triggers.active_triggers() == [trigger]
    trigger.is_active = False
    trigger.save()
    assert triggers.active_triggers() == []


# Cost -----------------------------------------------------------------------------------


def reply(ticket, agent):
    return services.post_reply(ticket=ticket, text="Done.", author=agent, channel=Channel.API)


def test_ten_triggers_cost_a_reply_only_the_lookups_they_ask_for(
    ticket, agent, django_assert_num_queries
):
    reply(ticket, agent)  # warms the statuses and the agent's lookups
    with django_assert_num_queries(7) as without:
        reply(ticket, agent)
    base = len(without.captured_queries)
    for number in range(10):
        factories.TriggerFactory(
            conditions=[
                {"field": "priority", "op": "is", "value": "urgent"},
                {"field": "subject", "op": "contains", "value": f"word{number}"},
                {"field": "status_category", "op": "is", "value": "pending"},
                {"field": "channel", "op": "is", "value": "api"},
                {"field": "status", "op": "changed"},
            ]
        )
    triggers.active_triggers()
    # Checked on the row the reply locked: no query.
    with django_assert_num_queries(base):
        reply(ticket, agent)
    # The tags and the reply's text, in one query, only when a condition reads them.
    factories.TriggerFactory(conditions=[{"field": "tags", "op": "contains", "value": "vip"}])
    factories.TriggerFactory(
        conditions=[{"field": "reply_text", "op": "contains", "value": "refund"}]
    )
    factories.TriggerFactory(
        conditions=[{"field": "tags", "op": "not_contains", "value": "vip"}],
        actions=[{"action": "add_tags", "value": ["x"]}],
        is_active=False,
    )
    triggers.active_triggers()
    with django_assert_num_queries(base + 1):
        reply(ticket, agent)
    # Those conditions come last: a trigger its other conditions rule out reads nothing.
    Trigger.objects.filter(conditions__0__field__in=["tags", "reply_text"]).delete()
    for field, value in (("tags", "vip"), ("reply_text", "refund"), ("requester_domain", "x.io")):
        factories.TriggerFactory(
            conditions=[
                {
                    "field": field,
                    "op": "contains" if field != "requester_domain" else "is",
                    "value": value,
                },
                {"field": "priority", "op": "is", "value": "urgent"},
            ]
        )
    triggers.forget()
    triggers.active_triggers()
    with django_assert_num_queries(base):
        reply(ticket, agent)
    assert Reply.objects.filter(ticket=ticket).count() == 5


def test_a_set_based_change_reads_its_tickets_once(agent, django_assert_num_queries):
    factories.TriggerFactory(
        conditions=[{"field": "priority", "op": "is", "value": "normal"}],
        actions=[{"action": "add_tags", "value": ["x"]}],
    )
    tickets = factories.TicketFactory.create_batch(5, priority=Priority.URGENT)
    on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
    triggers.active_triggers()
    # Locking, the old statuses, the update, the events; then the tickets, for the triggers.
    with django_assert_num_queries(2 + 4 + 1):  # and the savepoint, its release
        services.change_status_of_many(
            ticket_ids=[t.pk for t in tickets], status=on_hold, actor=agent, channel=Channel.WEB
        )
    assert [tags_of(t) for t in tickets] == [[]] * 5


# Business hours -------------------------------------------------------------------------

TUESDAY_MORNING = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)
SATURDAY = datetime.datetime(2026, 3, 14, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("moment", "op", "holds"),
    [
        (TUESDAY_MORNING, "is", True),
        (SATURDAY, "is", False),
        (TUESDAY_MORNING, "is_not", False),
        (SATURDAY, "is_not", True),
    ],
)
def test_within_the_business_hours_of_a_calendar(ticket, agent, moment, op, holds):
    calendar = factories.BusinessCalendarFactory()  # Monday to Friday, 9 to 17 in London
    factories.TriggerFactory(
        conditions=[{"field": "business_hours", "op": op, "value": calendar.pk}]
    )
    with freeze_time(moment):
        services.update_ticket(ticket=ticket, priority=2, actor=agent, channel=Channel.WEB)
    assert tags_of(ticket) == (["seen"] if holds else [])


def test_a_business_calendar_that_does_not_exist_is_refused():
    trigger = Trigger(
        name="Hours",
        conditions=[{"field": "business_hours", "op": "is", "value": 4242}],
        actions=[{"action": "add_tags", "value": ["x"]}],
    )
    with pytest.raises(ValidationError, match="no business calendar has id 4242"):
        trigger.full_clean()
