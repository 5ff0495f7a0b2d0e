"""Bulk actions on the queue: the service, the view, the delete confirmation, the count."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, Priority, Ticket, TicketEvent, TicketStatus
from tickets.services import bulk as bulk_service
from tickets.services.bulk import MAX_BULK_TICKETS, BulkAction
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BULK = "/tickets/bulk/"


@pytest.fixture
def deleter(db):
    """An agent who holds the permission to delete tickets."""
    user = factories.AgentFactory()
    user.user_permissions.add(Permission.objects.get(codename="delete_ticket"))
    return user


@pytest.fixture
def tickets(department, client_company):
    return [factories.TicketFactory(department=department, client=client_company) for _ in range(3)]


def kinds(ticket):
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


def apply(agent, tickets, action, value=None):
    return services.apply_bulk_action(
        tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]),
        action=action,
        value=value,
        actor=agent,
        channel=Channel.WEB,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


class TestEveryAction:
    """Each action changes every ticket through its service: one event per ticket."""

    def test_status(self, agent, tickets):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        result = apply(agent, tickets, BulkAction.STATUS, closed)
        assert result.summary == "Status set to Closed on 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.status_id == FixedStatus.CLOSED
            assert ticket.resolved_at is not None
            assert kinds(ticket) == [TicketEvent.Kind.STATUS_CHANGED]
            event = ticket.events.get()
            assert event.actor == agent and event.channel == Channel.WEB

    def test_priority(self, agent, tickets):
        result = apply(agent, tickets, BulkAction.PRIORITY, Priority.URGENT)
        assert result.summary == "Priority set to Urgent on 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.priority == Priority.URGENT
            assert kinds(ticket) == [TicketEvent.Kind.PRIORITY_CHANGED]

    def test_assignee_and_unassign(self, agent, other_agent, tickets):
        result = apply(agent, tickets, BulkAction.ASSIGNEE, other_agent)
        assert result.summary == f"Assigned 3 tickets to {other_agent.get_full_name()}."
        result = apply(agent, tickets, BulkAction.ASSIGNEE, None)
        assert result.summary == "Unassigned 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.assignee is None
            assert kinds(ticket) == [TicketEvent.Kind.ASSIGNED] * 2

    def test_team(self, agent, tickets):
        team = factories.TeamFactory(name="Second line")
        result = apply(agent, tickets, BulkAction.TEAM, team)
        assert result.summary == "Team set to Second line on 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.team == team
            assert kinds(ticket) == [TicketEvent.Kind.TEAM_CHANGED]
        assert apply(agent, tickets, BulkAction.TEAM, None).summary == (
            "Team removed from 3 tickets."
        )

    def test_department(self, agent, tickets):
        billing = factories.CategoryFactory(name="Billing")
        result = apply(agent, tickets, BulkAction.DEPARTMENT, billing)
        assert result.summary == "Moved 3 tickets to Billing."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.department == billing
            assert kinds(ticket) == [TicketEvent.Kind.DEPARTMENT_CHANGED]

    def test_add_and_remove_tags(self, agent, tickets):
        tickets[0].tags.set(["vip"])
        result = apply(agent, tickets, BulkAction.ADD_TAGS, ["VIP", "billing"])
        assert result.summary == "Tags billing, VIP added to 3 tickets."
        for ticket in tickets:
            assert sorted(ticket.tags.names(), key=str.lower) in (
                ["billing", "vip"],
                ["billing", "VIP"],
            )
            assert kinds(ticket) == [TicketEvent.Kind.TAGS_CHANGED]
        result = apply(agent, tickets[:2], BulkAction.REMOVE_TAGS, ["billing"])
        assert result.summary == "Tag billing removed from 2 tickets."
        assert list(tickets[0].tags.names()) == ["vip"]
        assert sorted(tickets[2].tags.names()) == ["VIP", "billing"]

    def test_archive_and_restore(self, agent, tickets):
        assert apply(agent, tickets, BulkAction.ARCHIVE).summary == "Archived 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.active_state == ActiveState.ARCHIVED
        assert apply(agent, tickets, BulkAction.RESTORE).summary == "Restored 3 tickets."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.active_state == ActiveState.ACTIVE
            assert kinds(ticket) == [TicketEvent.Kind.ARCHIVED, TicketEvent.Kind.RESTORED]

    def test_spam_and_not_spam(self, agent, tickets):
        assert apply(agent, tickets, BulkAction.MARK_SPAM).summary == "Marked 3 tickets as spam."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.is_spam
        result = apply(agent, tickets, BulkAction.NOT_SPAM)
        assert result.summary == "Marked 3 tickets as not spam."
        for ticket in tickets:
            ticket.refresh_from_db()
            assert not ticket.is_spam
            assert kinds(ticket) == [TicketEvent.Kind.SPAM_MARKED, TicketEvent.Kind.SPAM_UNMARKED]

    def test_delete(self, admin_user, tickets):
        result = apply(admin_user, tickets, BulkAction.DELETE)
        assert result.summary == "Deleted 3 tickets."
        assert not Ticket.objects.exists()
        assert not TicketEvent.objects.exists()

    def test_one_ticket_is_singular(self, agent, tickets):
        assert apply(agent, tickets[:1], BulkAction.ARCHIVE).summary == "Archived 1 ticket."


class TestUnchangedAndRefused:
    def test_tickets_that_already_have_it_are_counted_and_get_no_event(self, agent, tickets):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        tickets[0].status = closed
        tickets[0].save()
        result = apply(agent, tickets, BulkAction.STATUS, closed)
        assert result.summary == "Status set to Closed on 2 tickets. 1 already had it."
        assert result.unchanged == [tickets[0].pk]
        assert kinds(tickets[0]) == []

    def test_archived_ticket_is_refused_with_the_reason_and_the_others_change(self, agent, tickets):
        services.archive(ticket=tickets[1], actor=agent, channel=Channel.WEB)
        result = apply(agent, tickets, BulkAction.ARCHIVE)
        assert result.summary == (
            f"Archived 2 tickets. 1 refused: #{tickets[1].pk}: The ticket is already archived."
        )
        assert result.refused == [(tickets[1].pk, "The ticket is already archived.")]
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.active_state == ActiveState.ARCHIVED
            assert kinds(ticket) == [TicketEvent.Kind.ARCHIVED]

    def test_restoring_an_active_ticket_is_refused(self, agent, tickets):
        services.archive(ticket=tickets[0], actor=agent, channel=Channel.WEB)
        result = apply(agent, tickets, BulkAction.RESTORE)
        assert result.changed == [tickets[0].pk]
        assert [reason for _, reason in result.refused] == ["The ticket is not archived."] * 2
        assert result.summary.startswith("Restored 1 ticket. 2 refused: #")

    def test_delete_without_permission_refuses_every_ticket(self, agent, tickets):
        result = apply(agent, tickets, BulkAction.DELETE)
        ids = ", ".join(f"#{t.pk}" for t in tickets)
        assert result.summary == f"No ticket changed. 3 refused: {ids}: You may not delete tickets."
        assert Ticket.objects.count() == 3

    def test_delete_with_the_permission(self, deleter, tickets):
        assert apply(deleter, tickets, BulkAction.DELETE).summary == "Deleted 3 tickets."
        assert not Ticket.objects.exists()

    def test_many_refusals_are_shortened(self, agent, department, client_company):
        many = [factories.TicketFactory() for _ in range(12)]
        summary = apply(agent, many, BulkAction.DELETE).summary
        assert summary.endswith("and 2 more: You may not delete tickets.")


class TestServiceInput:
    @pytest.mark.parametrize(
        ("action", "value", "message"),
        [
            ("explode", None, "Choose an action."),
            (BulkAction.STATUS, None, "Choose a status."),
            (BulkAction.PRIORITY, 9, "Choose normal, high or urgent."),
            (BulkAction.DEPARTMENT, None, "Choose a department."),
            (BulkAction.ADD_TAGS, [" "], "Enter at least one tag."),
            (BulkAction.TEAM, "x", "Choose a team."),
        ],
    )
    def test_bad_value_changes_nothing(self, agent, tickets, action, value, message):
        with pytest.raises(ValidationError) as error:
            apply(agent, tickets, action, value)
        assert error.value.messages == [message]
        assert not TicketEvent.objects.exists()

    def test_inactive_assignee_is_refused(self, agent, tickets):
        gone = factories.AgentFactory(is_active=False)
        with pytest.raises(ValidationError):
            apply(agent, tickets, BulkAction.ASSIGNEE, gone)

    def test_no_tickets(self, agent):
        with pytest.raises(ValidationError) as error:
            apply(agent, [], BulkAction.ARCHIVE)
        assert error.value.messages == ["Select at least one ticket."]

    def test_cap(self, agent, tickets, monkeypatch):
        monkeypatch.setattr(bulk_service, "MAX_BULK_TICKETS", 2)
        with pytest.raises(ValidationError) as error:
            apply(agent, tickets, BulkAction.ARCHIVE)
        assert (
            "3 tickets are selected; one bulk action changes at most 2." in error.value.messages[0]
        )
        assert not TicketEvent.objects.exists()

    def test_an_outsider_changes_nothing(self, outsider, tickets):
        with pytest.raises(ValidationError):
            apply(outsider, tickets, BulkAction.ARCHIVE)
        assert not TicketEvent.objects.exists()


class TestOneTransaction:
    def test_an_unexpected_failure_leaves_nothing_half_written(self, agent, tickets, monkeypatch):
        real = bulk_service.change_status
        calls = []

        def failing(**kwargs):
            calls.append(kwargs["ticket"].pk)
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return real(**kwargs)

        monkeypatch.setattr(bulk_service, "change_status", failing)
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        with pytest.raises(RuntimeError):
            apply(agent, tickets, BulkAction.STATUS, closed)
        assert len(calls) == 2
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.status_id == FixedStatus.OPEN
        assert not TicketEvent.objects.exists()


class TestQueryCount:
    """The service's queries grow per ticket only by what the per-ticket services run."""

    @pytest.mark.parametrize(
        ("action", "per_ticket"),
        [
            # savepoint, lock, status (for the history), update, event, release
            (BulkAction.STATUS, 6),
            # savepoint, lock, update, event, release
            (BulkAction.ARCHIVE, 5),
            (BulkAction.PRIORITY, 5),
        ],
    )
    def test_linear_in_the_services_only(
        self, agent, department, client_company, action, per_ticket
    ):
        value = {
            BulkAction.STATUS: TicketStatus.objects.get(pk=FixedStatus.CLOSED),
            BulkAction.PRIORITY: Priority.HIGH,
        }.get(action)
        counts = []
        for size in (2, 4):
            batch = [factories.TicketFactory() for _ in range(size)]
            with CaptureQueriesContext(connection) as queries:
                apply(agent, batch, action, value)
            counts.append(len(queries.captured_queries))
        # Fixed: the ids, and the outer transaction (a savepoint in a test) locking every
        # row in one query; then each ticket's service.
        assert counts == [4 + 2 * per_ticket, 4 + 4 * per_ticket]

    def test_unchanged_tickets_cost_nothing_each(self, agent, department, client_company):
        counts = []
        for size in (2, 4):
            batch = [factories.TicketFactory(priority=Priority.HIGH) for _ in range(size)]
            with CaptureQueriesContext(connection) as queries:
                apply(agent, batch, BulkAction.PRIORITY, Priority.HIGH)
            counts.append(len(queries.captured_queries))
        assert counts[0] == counts[1]


class TestBulkView:
    def post(self, client, data, **kwargs):
        return client.post(BULK, data, **kwargs)

    def test_ticked_tickets_change_and_the_summary_shows(self, signed_in, agent, tickets):
        response = self.post(
            signed_in,
            {
                "action": "status",
                "status": FixedStatus.CLOSED,
                "ticket": [tickets[0].pk, tickets[1].pk],
                "query": "status=open&page=2",
            },
        )
        assert response.status_code == 302
        assert response.url == "/?status=open"
        for ticket in tickets[:2]:
            ticket.refresh_from_db()
            assert ticket.status_id == FixedStatus.CLOSED
            assert ticket.events.get().actor == agent
        tickets[2].refresh_from_db()
        assert tickets[2].status_id == FixedStatus.OPEN
        page = signed_in.get(response.url)
        assert "Status set to Closed on 2 tickets." in page.content.decode()

    @pytest.mark.parametrize(
        ("field", "text", "check"),
        [
            ("priority", "urgent", lambda t: t.priority == Priority.URGENT),
            ("assignee", "none", lambda t: t.assignee_id is None),
            ("team", "none", lambda t: t.team_id is None),
            ("add_tags", "a, b", lambda t: sorted(t.tags.names()) == ["a", "b"]),
        ],
    )
    def test_each_value_field(self, signed_in, tickets, field, text, check):
        data = {"action": field, "ticket": [t.pk for t in tickets]}
        data["tags" if "tags" in field else field] = text
        self.post(signed_in, data)
        for ticket in tickets:
            ticket.refresh_from_db()
            assert check(ticket)

    def test_assignee_team_and_department_by_id(self, signed_in, other_agent, tickets):
        team = factories.TeamFactory()
        billing = factories.CategoryFactory(name="Billing")
        ids = [t.pk for t in tickets]
        self.post(signed_in, {"action": "assignee", "assignee": other_agent.pk, "ticket": ids})
        self.post(signed_in, {"action": "team", "team": team.pk, "ticket": ids})
        self.post(signed_in, {"action": "department", "department": billing.pk, "ticket": ids})
        for ticket in tickets:
            ticket.refresh_from_db()
            assert (ticket.assignee, ticket.team, ticket.department) == (other_agent, team, billing)

    def test_all_matching_is_resolved_again_through_the_queue_filter(self, signed_in, agent):
        matching = [factories.TicketFactory(priority=Priority.URGENT) for _ in range(30)]
        other = factories.TicketFactory(priority=Priority.NORMAL)
        archived = factories.TicketFactory(
            priority=Priority.URGENT, active_state=ActiveState.ARCHIVED
        )
        response = self.post(
            signed_in,
            {
                "action": "status",
                "status": FixedStatus.ON_HOLD,
                "select_all": "1",
                "query": "priority=urgent&page=1",
                # Ticked ids and a count sent by the browser do not matter.
                "ticket": [other.pk],
                "count": "2",
            },
            follow=True,
        )
        assert "Status set to On Hold on 30 tickets." in messages_of(response)
        assert Ticket.objects.filter(status_id=FixedStatus.ON_HOLD).count() == 30
        assert {t.pk for t in Ticket.objects.filter(status_id=FixedStatus.ON_HOLD)} == {
            t.pk for t in matching
        }
        for ticket in (other, archived):
            ticket.refresh_from_db()
            assert ticket.status_id == FixedStatus.OPEN

    def test_all_matching_with_a_search(self, signed_in):
        found = factories.TicketFactory(subject="Printer jammed")
        missed = factories.TicketFactory(subject="Invoice")
        self.post(signed_in, {"action": "archive", "select_all": "1", "query": "search=printer"})
        found.refresh_from_db()
        missed.refresh_from_db()
        assert found.is_archived and not missed.is_archived

    def test_refusals_are_a_warning_with_reasons(self, signed_in, agent, tickets):
        services.archive(ticket=tickets[0], actor=agent, channel=Channel.WEB)
        response = self.post(
            signed_in,
            {"action": "archive", "ticket": [t.pk for t in tickets]},
            follow=True,
        )
        [message] = list(response.context["messages"])
        assert message.level_tag == "warning"
        assert str(message) == (
            f"Archived 2 tickets. 1 refused: #{tickets[0].pk}: The ticket is already archived."
        )

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"ticket": ["1"]}, "Choose an action."),
            ({"action": "explode", "ticket": ["1"]}, "Unknown action: explode."),
            ({"action": "status", "ticket": ["1"]}, "Choose a status."),
            ({"action": "status", "status": "999", "ticket": ["1"]}, "Unknown status: 999."),
            ({"action": "status", "status": "x", "ticket": ["1"]}, "Unknown status: x."),
            ({"action": "priority", "priority": "9", "ticket": ["1"]}, "Unknown priority: 9."),
            ({"action": "assignee", "ticket": ["1"]}, "Choose an agent."),
            ({"action": "assignee", "assignee": "999", "ticket": ["1"]}, "Unknown agent: 999."),
            ({"action": "team", "team": "999", "ticket": ["1"]}, "Unknown team: 999."),
            ({"action": "department", "ticket": ["1"]}, "Choose a department."),
            ({"action": "add_tags", "tags": " , ", "ticket": ["1"]}, "Enter at least one tag."),
            ({"action": "archive"}, "Select at least one ticket."),
            ({"action": "archive", "ticket": ["abc"]}, "Unknown tickets: abc."),
            (
                {"action": "archive", "ticket": ["1", "999999"]},
                "These tickets do not exist: #999999.",
            ),
        ],
    )
    def test_bad_input_says_why_and_changes_nothing(self, signed_in, data, message):
        factories.TicketFactory(pk=1)
        response = self.post(signed_in, data, follow=True)
        assert messages_of(response) == [message]
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert not TicketEvent.objects.exists()
        assert Ticket.objects.get(pk=1).active_state == ActiveState.ACTIVE

    def test_an_inactive_agent_is_not_an_assignee(self, signed_in, tickets):
        gone = factories.AgentFactory(is_active=False)
        response = self.post(
            signed_in,
            {"action": "assignee", "assignee": gone.pk, "ticket": [tickets[0].pk]},
            follow=True,
        )
        assert messages_of(response) == [f"Unknown agent: {gone.pk}."]

    def test_a_department_must_be_a_ticket_category(self, signed_in, tickets):
        project_type = factories.CategoryFactory(type="project")
        response = self.post(
            signed_in,
            {"action": "department", "department": project_type.pk, "ticket": [tickets[0].pk]},
            follow=True,
        )
        assert messages_of(response) == [f"Unknown department: {project_type.pk}."]

    def test_the_cap(self, signed_in, tickets, monkeypatch):
        monkeypatch.setattr(bulk_service, "MAX_BULK_TICKETS", 2)
        response = self.post(
            signed_in,
            {"action": "archive", "select_all": "1", "query": ""},
            follow=True,
        )
        assert messages_of(response) == [
            "3 tickets are selected; one bulk action changes at most 2. "
            "Narrow the filters and apply it in parts."
        ]
        assert not TicketEvent.objects.exists()

    def test_too_many_ids_are_refused_before_any_query(self, signed_in):
        ids = ",".join(str(n) for n in range(1, MAX_BULK_TICKETS + 2))
        response = self.post(signed_in, {"action": "archive", "ticket": ids}, follow=True)
        assert messages_of(response) == [
            f"{MAX_BULK_TICKETS + 1:,} tickets are selected; one bulk action changes at most "
            f"{MAX_BULK_TICKETS:,}. Narrow the filters and apply it in parts."
        ]

    def test_htmx_success_refreshes_the_queue_with_the_summary(self, signed_in, tickets):
        response = self.post(
            signed_in,
            {"action": "archive", "ticket": [tickets[0].pk], "query": ""},
            headers=HTMX,
        )
        assert response.status_code == 302
        # htmx follows the redirect with the same headers: the queue answers with its regions.
        queue = signed_in.get(response.url, headers=HTMX)
        html = queue.content.decode()
        assert 'id="queue-results"' in html and "<html" not in html
        assert "Archived 1 ticket." in html

    def test_htmx_bad_input_answers_the_messages_only(self, signed_in, tickets):
        response = self.post(
            signed_in, {"action": "status", "ticket": [tickets[0].pk]}, headers=HTMX
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert 'id="messages"' in html and "Choose a status." in html
        assert 'id="queue-results"' not in html

    def test_get_is_refused(self, signed_in):
        assert signed_in.get(BULK).status_code == 405

    def test_anonymous_and_non_agents_are_refused(self, client, outsider, tickets):
        data = {"action": "archive", "ticket": [t.pk for t in tickets]}
        response = client.post(BULK, data)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        client.force_login(outsider)
        assert client.post(BULK, data).status_code == 403
        assert client.get(reverse("tickets_bulk_count")).status_code == 403
        assert (
            client.get(reverse("tickets_bulk_delete"), {"ticket": tickets[0].pk}).status_code == 403
        )
        assert (
            client.post(reverse("tickets_bulk_delete"), {"ticket": tickets[0].pk}).status_code
            == 403
        )
        assert not TicketEvent.objects.exists()
        assert Ticket.objects.count() == 3

    def test_another_agent_can_act_on_any_ticket(self, client, other_agent, agent):
        """Every agent sees every ticket (TicketQuerySet.for_agent), so none is refused."""
        theirs = factories.TicketFactory(assignee=agent)
        client.force_login(other_agent)
        client.post(BULK, {"action": "priority", "priority": "high", "ticket": [theirs.pk]})
        theirs.refresh_from_db()
        assert theirs.priority == Priority.HIGH


class TestDeleteConfirmation:
    def test_delete_asks_first_then_deletes_what_was_shown(self, client, deleter, tickets):
        client.force_login(deleter)
        ids = [tickets[0].pk, tickets[1].pk]
        response = client.post(BULK, {"action": "delete", "ticket": ids, "query": "status=open"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("tickets_bulk_delete"))
        assert Ticket.objects.count() == 3
        page = client.get(response.url)
        html = page.content.decode()
        assert "Delete 2 tickets?" in html
        assert tickets[0].subject in html and tickets[2].subject not in html
        assert "cannot be undone" in html
        response = client.post(
            reverse("tickets_bulk_delete"), {"ticket": ids, "query": "status=open"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/?status=open"
        assert messages_of(response) == ["Deleted 2 tickets."]
        assert list(Ticket.objects.values_list("pk", flat=True)) == [tickets[2].pk]

    def test_htmx_goes_to_the_confirmation_page(self, client, deleter, tickets):
        client.force_login(deleter)
        response = client.post(BULK, {"action": "delete", "ticket": [tickets[0].pk]}, headers=HTMX)
        assert response["HX-Redirect"].startswith(reverse("tickets_bulk_delete") + "?")

    def test_all_matching_lists_the_filtered_tickets(self, client, deleter):
        urgent = factories.TicketFactory(priority=Priority.URGENT, subject="Urgent one")
        factories.TicketFactory(priority=Priority.NORMAL, subject="Normal one")
        client.force_login(deleter)
        response = client.get(
            reverse("tickets_bulk_delete"), {"select_all": "1", "query": "priority=urgent"}
        )
        html = response.content.decode()
        assert "Delete 1 ticket?" in html
        assert "Urgent one" in html and "Normal one" not in html
        assert f'name="ticket" value="{urgent.pk}"' in html

    def test_a_thousand_tickets_fit_in_the_confirmation_form(self, client, deleter):
        ids = [factories.TicketFactory().pk for _ in range(3)]
        client.force_login(deleter)
        html = client.get(reverse("tickets_bulk_delete"), {"ticket": ids}).content.decode()
        assert f'name="ticket" value="{ids[0]},{ids[1]},{ids[2]}"' in html

    def test_an_agent_without_the_permission_is_refused(self, signed_in, tickets):
        page = signed_in.get(reverse("tickets_bulk_delete"), {"ticket": [tickets[0].pk]})
        html = page.content.decode()
        assert "You may not delete tickets." in html
        assert "btn-danger" not in html
        response = signed_in.post(
            reverse("tickets_bulk_delete"), {"ticket": [t.pk for t in tickets]}, follow=True
        )
        ids = ", ".join(f"#{t.pk}" for t in tickets)
        assert messages_of(response) == [
            f"No ticket changed. 3 refused: {ids}: You may not delete tickets."
        ]
        assert Ticket.objects.count() == 3

    def test_superuser_deletes(self, client, admin_user, tickets):
        client.force_login(admin_user)
        client.post(reverse("tickets_bulk_delete"), {"ticket": [tickets[0].pk]})
        assert Ticket.objects.count() == 2

    def test_bad_selection(self, client, deleter):
        client.force_login(deleter)
        response = client.get(reverse("tickets_bulk_delete"), {"ticket": "424242"}, follow=True)
        assert messages_of(response) == ["These tickets do not exist: #424242."]


class TestCount:
    def test_counts_only_when_asked_through_the_filter(self, signed_in):
        for _ in range(3):
            factories.TicketFactory(priority=Priority.URGENT)
        factories.TicketFactory(priority=Priority.NORMAL)
        response = signed_in.get(reverse("tickets_bulk_count"), {"priority": "urgent", "page": "2"})
        html = response.content.decode()
        assert "All 3 matching tickets are selected." in html
        assert 'name="select_all"' in html

    def test_over_the_cap_says_so(self, signed_in, monkeypatch):
        from tickets.views import bulk as bulk_view

        monkeypatch.setattr(bulk_view, "MAX_BULK_TICKETS", 1)
        factories.TicketFactory()
        factories.TicketFactory()
        html = signed_in.get(reverse("tickets_bulk_count")).content.decode()
        assert "2 tickets match; one bulk action changes at most 1." in html
        assert 'name="select_all"' not in html


class TestQueuePage:
    def test_rows_have_labelled_checkboxes_and_the_bar_is_a_plain_form(self, signed_in, tickets):
        html = signed_in.get(reverse("queue"), {"active_state": "active"}).content.decode()
        assert 'id="bulk-form"' in html and f'action="{BULK}"' in html
        pk = tickets[0].pk
        assert f'id="bulk-ticket-{pk}" name="ticket" value="{pk}" form="bulk-form"' in html
        assert f'<label for="bulk-ticket-{pk}" class="sr-only">Select ticket #{pk}</label>' in html
        assert 'aria-label="Select all tickets on this page"' in html
        assert "All 3 on this page are selected." in html
        # One page only: nothing more to select.
        assert "Select all matching tickets" not in html

    def test_more_pages_offer_all_matching(self, signed_in):
        for _ in range(26):
            factories.TicketFactory()
        html = signed_in.get(reverse("queue"), {"status": "open"}).content.decode()
        assert "Select all matching tickets" in html
        assert f"{reverse('tickets_bulk_count')}?status=open" in html
        assert 'name="query" value="status=open" form="bulk-form"' in html
