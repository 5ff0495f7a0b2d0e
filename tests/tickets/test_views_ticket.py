"""The ticket page: what it shows, the reply box, each side-panel change, archive, delete."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tickets.models import (
    ActiveState,
    CustomField,
    Priority,
    Reply,
    Ticket,
    TicketEvent,
)
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(name, ticket):
    return reverse(name, args=[ticket.pk])


def kinds(ticket):
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


class TestTicketPage:
    def test_shows_the_ticket_and_conversation(self, signed_in, agent, ticket):
        contact = factories.ContactFactory(client=ticket.client, name="Rita Client")
        ticket.requester = contact
        ticket.subject = "Screen <script>alert(1)</script>"
        ticket.save()
        factories.ReplyFactory(ticket=ticket, text="Agent answer", author_agent=agent)
        factories.ReplyFactory(
            ticket=ticket, text="Client answer", author_agent=None, author_contact=contact
        )
        factories.ReplyFactory(ticket=ticket, text="Secret note", kind=Reply.Kind.NOTE)
        response = signed_in.get(url("ticket", ticket))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Screen &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html
        assert "Rita Client" in html
        assert ticket.message in html
        assert "Agent answer" in html and "entry-agent" in html
        assert "Client answer" in html and "entry-client" in html
        assert "Secret note" in html and "entry-note" in html
        assert "Internal note · not sent to the client" in html

    def test_shows_custom_fields_and_dates(self, signed_in, ticket):
        factories.CustomFieldFactory(key="order", label="Order number")
        ticket.custom_fields = {"order": "A-17"}
        ticket.due_at = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC)
        ticket.save()
        html = signed_in.get(url("ticket", ticket)).content.decode()
        assert "<dt>Order number</dt><dd>A-17</dd>" in html
        assert "1 May 2026 09:30" in html

    def test_unknown_ticket_is_404(self, signed_in):
        assert signed_in.get(reverse("ticket", args=[123456])).status_code == 404

    def test_query_count_does_not_grow_with_replies_and_events(self, signed_in, agent, ticket):
        factories.CustomFieldFactory()

        def add(count):
            contact = factories.ContactFactory(client=ticket.client)
            for _ in range(count):
                factories.ReplyFactory(ticket=ticket, author_agent=factories.AgentFactory())
                factories.ReplyFactory(ticket=ticket, author_agent=None, author_contact=contact)
                factories.TicketEventFactory(ticket=ticket, actor=factories.AgentFactory())
                factories.TicketEventFactory(ticket=ticket, actor=None, actor_contact=contact)
            ticket.tags.add(f"tag{count}")

        add(1)
        with CaptureQueriesContext(connection) as small:
            signed_in.get(url("ticket", ticket))
        add(20)
        with CaptureQueriesContext(connection) as large:
            response = signed_in.get(url("ticket", ticket))
        assert len(response.context["replies"]) == 42
        assert len(large.captured_queries) == len(small.captured_queries)

    def test_pinned_query_count(self, signed_in, ticket, django_assert_num_queries):
        factories.ReplyFactory(ticket=ticket)
        # session, user, ticket, its CC contacts, tags, custom fields, replies, events,
        # sticky notes, the agent's star and pin, the files of every message (one query),
        # then the choices of status, reply status, priority-free selects:
        # department, assignee, team, project, the client's contacts (requester and CC);
        # and the agent's own and group permissions (whether to show the Delete button);
        # marking the agent's notifications of the ticket read, and the bell's unread count;
        # the agent's visit (the queue's unread mark).
        with django_assert_num_queries(25):
            signed_in.get(url("ticket", ticket))

    def test_history_page(self, signed_in, agent, ticket):
        factories.TicketEventFactory(
            ticket=ticket,
            kind=TicketEvent.Kind.STATUS_CHANGED,
            actor=agent,
            old_value={"id": 1, "name": "Open"},
            new_value={"id": 2, "name": "Closed"},
        )
        html = signed_in.get(url("ticket_history", ticket)).content.decode()
        assert "Status changed" in html
        assert agent.get_full_name() in html
        assert "Open → Closed" in html


class TestReply:
    def test_public_reply(self, signed_in, agent, ticket):
        response = signed_in.post(url("ticket_reply", ticket), {"text": "On it", "kind": "reply"})
        assert response.status_code == 302
        reply = ticket.replies.get()
        # The page opens on the new reply, with the confirmation in the reply box below it.
        assert response.url == url("ticket", ticket) + f"#reply-{reply.pk}"
        assert (reply.text, reply.kind, reply.author_agent) == ("On it", "reply", agent)
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.ANSWERED
        assert ticket.replies_count == 1
        event = ticket.events.get(kind=TicketEvent.Kind.REPLY_ADDED)
        assert (event.actor, event.channel) == (agent, "web")

    def test_note_keeps_status_and_is_marked(self, signed_in, ticket):
        response = signed_in.post(
            url("ticket_reply", ticket), {"text": "Internal", "kind": "note"}, headers=HTMX
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="conversation"' in html and "entry-note" in html
        assert "Note added." in html
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.OPEN
        assert ticket.replies_count == 0
        assert ticket.replies.get().kind == Reply.Kind.NOTE

    def test_send_and_set_status(self, signed_in, ticket):
        response = signed_in.post(
            url("ticket_reply", ticket),
            {"text": "Fixed", "kind": "reply", "status": FixedStatus.CLOSED},
            headers=HTMX,
        )
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at is not None
        assert kinds(ticket) == ["status_changed", "reply_added", "status_changed"]
        html = response.content.decode()
        assert 'id="ticket-summary"' in html and ">Closed</span>" in html
        assert 'id="reply-box"' in html

    def test_empty_text_is_refused_next_to_the_field(self, signed_in, ticket):
        response = signed_in.post(url("ticket_reply", ticket), {"text": "  ", "kind": "reply"})
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        assert not ticket.replies.exists()

    def test_htmx_error_returns_the_reply_box(self, signed_in, ticket):
        response = signed_in.post(
            url("ticket_reply", ticket), {"text": "", "kind": "bogus"}, headers=HTMX
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert 'id="reply-box"' in html
        assert "Select a valid choice" in html
        assert 'id="conversation"' not in html


class TestPanelChanges:
    """Each side-panel change goes through the services, is recorded, and answers in place."""

    def post(self, client, name, ticket, data, htmx=True):
        return client.post(url(name, ticket), data, headers=HTMX if htmx else {})

    def test_status_in_place(self, signed_in, agent, ticket):
        response = self.post(signed_in, "ticket_status", ticket, {"status": FixedStatus.ON_HOLD})
        assert response.status_code == 200
        html = response.content.decode()
        for region in ("ticket-summary", "ticket-panel", "ticket-history", "messages"):
            assert f'id="{region}"' in html
        assert "Status set to On Hold." in html
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.ON_HOLD
        event = ticket.events.get()
        assert (event.kind, event.actor, event.channel) == ("status_changed", agent, "web")

    def test_without_htmx_redirects_back(self, signed_in, ticket):
        response = self.post(
            signed_in, "ticket_status", ticket, {"status": FixedStatus.CLOSED}, htmx=False
        )
        assert response.status_code == 302
        assert response.url == url("ticket", ticket) + "#ticket_status-form"

    def test_invalid_status_is_422_with_the_error(self, signed_in, ticket):
        response = self.post(signed_in, "ticket_status", ticket, {"status": 999})
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.OPEN
        response = self.post(signed_in, "ticket_status", ticket, {"status": 999}, htmx=False)
        assert response.status_code == 422
        assert "<html" in response.content.decode()

    def test_subject(self, signed_in, ticket):
        response = self.post(signed_in, "ticket_subject", ticket, {"subject": " New subject "})
        assert response.status_code == 200
        assert f"#{ticket.pk} New subject" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.subject == "New subject"
        assert kinds(ticket) == ["subject_changed"]
        response = self.post(signed_in, "ticket_subject", ticket, {"subject": "   "})
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.subject == "New subject"

    def test_priority(self, signed_in, ticket):
        self.post(signed_in, "ticket_priority", ticket, {"priority": Priority.URGENT})
        ticket.refresh_from_db()
        assert ticket.priority == Priority.URGENT
        assert kinds(ticket) == ["priority_changed"]
        assert self.post(signed_in, "ticket_priority", ticket, {"priority": 9}).status_code == 422

    def test_department(self, signed_in, ticket):
        other = factories.CategoryFactory(name="Billing")
        self.post(signed_in, "ticket_department", ticket, {"department": other.pk})
        ticket.refresh_from_db()
        assert ticket.department == other
        project_category = factories.CategoryFactory(type="project")
        response = self.post(
            signed_in, "ticket_department", ticket, {"department": project_category.pk}
        )
        assert response.status_code == 422

    def test_assignee_and_unassign(self, signed_in, agent, other_agent, outsider, ticket):
        self.post(signed_in, "ticket_assignee", ticket, {"assignee": other_agent.pk})
        ticket.refresh_from_db()
        assert ticket.assignee == other_agent
        self.post(signed_in, "ticket_assignee", ticket, {"assignee": ""})
        ticket.refresh_from_db()
        assert ticket.assignee is None
        assert kinds(ticket) == ["assigned", "assigned"]
        response = self.post(signed_in, "ticket_assignee", ticket, {"assignee": outsider.pk})
        assert response.status_code == 422

    def test_team(self, signed_in, ticket):
        team = factories.TeamFactory()
        self.post(signed_in, "ticket_team", ticket, {"team": team.pk})
        ticket.refresh_from_db()
        assert ticket.team == team

    def test_tags(self, signed_in, ticket):
        response = self.post(signed_in, "ticket_tags", ticket, {"tags": "vip, Billing ,vip"})
        assert response.status_code == 200
        assert sorted(ticket.tags.names()) == ["Billing", "vip"]
        self.post(signed_in, "ticket_tags", ticket, {"tags": ""})
        assert list(ticket.tags.names()) == []
        response = self.post(signed_in, "ticket_tags", ticket, {"tags": "x" * 101})
        assert response.status_code == 422
        assert "A tag has at most 100 characters." in response.content.decode()

    def test_project_only_of_the_ticket_client(self, signed_in, ticket):
        own = factories.ProjectFactory(client=ticket.client)
        foreign = factories.ProjectFactory()
        self.post(signed_in, "ticket_project", ticket, {"project": own.pk})
        ticket.refresh_from_db()
        assert ticket.project == own
        response = self.post(signed_in, "ticket_project", ticket, {"project": foreign.pk})
        assert response.status_code == 422
        ticket.refresh_from_db()
        assert ticket.project == own

    def test_due_date_set_and_clear(self, signed_in, ticket):
        self.post(signed_in, "ticket_due_date", ticket, {"due_at": "2026-06-01T17:00"})
        ticket.refresh_from_db()
        assert ticket.due_at == datetime.datetime(2026, 6, 1, 17, 0, tzinfo=datetime.UTC)
        self.post(signed_in, "ticket_due_date", ticket, {"due_at": ""})
        ticket.refresh_from_db()
        assert ticket.due_at is None
        response = self.post(signed_in, "ticket_due_date", ticket, {"due_at": "soon"})
        assert response.status_code == 422

    def test_custom_fields(self, signed_in, ticket):
        factories.CustomFieldFactory(key="order", label="Order", required=True)
        factories.CustomFieldFactory(
            key="plan", label="Plan", type=CustomField.Type.CHOICE, choices=["basic", "pro"]
        )
        response = self.post(
            signed_in, "ticket_custom_fields", ticket, {"cf_order": "A-1", "cf_plan": "pro"}
        )
        assert response.status_code == 200
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"order": "A-1", "plan": "pro"}
        response = self.post(signed_in, "ticket_custom_fields", ticket, {"cf_order": ""})
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.custom_fields["order"] == "A-1"


class TestArchiveRestoreDelete:
    def test_archive_then_restore(self, signed_in, ticket):
        response = signed_in.post(url("ticket_archive", ticket))
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.active_state == ActiveState.ARCHIVED
        html = signed_in.get(url("ticket", ticket)).content.decode()
        assert f"Ticket #{ticket.pk} archived." in html
        assert "Restore</button>" in html
        signed_in.post(url("ticket_restore", ticket))
        ticket.refresh_from_db()
        assert ticket.active_state == ActiveState.ACTIVE
        assert kinds(ticket) == ["archived", "restored"]

    def test_conflict_is_a_message(self, signed_in, ticket):
        response = signed_in.post(url("ticket_restore", ticket), follow=True)
        assert "The ticket is not archived." in response.content.decode()

    @pytest.fixture
    def deleter(self, client, agent):
        """Deleting needs the tickets.delete_ticket permission (superusers have it)."""
        agent.user_permissions.add(Permission.objects.get(codename="delete_ticket"))
        client.force_login(agent)
        return client

    def test_delete_asks_first(self, deleter, ticket):
        response = deleter.get(url("ticket_delete", ticket))
        assert response.status_code == 200
        assert "cannot be undone" in response.content.decode()
        assert Ticket.objects.filter(pk=ticket.pk).exists()
        response = deleter.post(url("ticket_delete", ticket))
        assert response.status_code == 302
        assert response.url == reverse("queue")
        assert not Ticket.objects.filter(pk=ticket.pk).exists()

    def test_delete_needs_the_permission(self, signed_in, ticket):
        for response in (
            signed_in.get(url("ticket_delete", ticket)),
            signed_in.post(url("ticket_delete", ticket)),
        ):
            assert response.status_code == 403
            assert "You may not delete tickets." in response.content.decode()
        assert Ticket.objects.filter(pk=ticket.pk).exists()

    def test_only_agents_who_may_delete_see_the_button(self, deleter, signed_in, ticket):
        delete_url = url("ticket_delete", ticket)
        assert delete_url in deleter.get(url("ticket", ticket)).content.decode()
        other = factories.AgentFactory()
        signed_in.force_login(other)
        assert delete_url not in signed_in.get(url("ticket", ticket)).content.decode()

    def test_a_superuser_deletes(self, client, admin_user, ticket):
        client.force_login(admin_user)
        assert client.post(url("ticket_delete", ticket)).status_code == 302
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
