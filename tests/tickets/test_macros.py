"""Macros: canned responses that change the ticket when the reply they are in is sent.

Their actions are checked where they are written (the workspace's form, the admin), shown
in the reply box as ticked changes, and applied through the services with the reply, in
one change, each in the history; a change the agent unticked is not applied.
"""

import re

import pytest
from django.urls import reverse

from tests import factories
from tickets import changes, services
from tickets.forms.canned import CannedResponseAdminForm, CannedResponseForm
from tickets.macros import changes_of, pending_changes
from tickets.models import (
    AssignAction,
    CannedResponse,
    Channel,
    Priority,
    Reply,
    TeamAction,
    TicketEvent,
)
from tickets.services.common import UNSET
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
Kind = TicketEvent.Kind


@pytest.fixture
def team(db):
    return factories.TeamFactory(name="Billing")


@pytest.fixture
def refund_macro(db, team):
    return factories.CannedResponseFactory(
        title="Refund done",
        text="Your refund is on its way.",
        set_status_id=FixedStatus.CLOSED,
        set_priority=Priority.HIGH,
        assign=AssignAction.ME,
        set_team=TeamAction.TEAM,
        team=team,
        add_tags=["refund"],
        remove_tags=["waiting"],
    )


def reply_url(ticket):
    return reverse("ticket_reply", args=[ticket.pk])


def changes_url(ticket, response):
    return reverse("canned_changes", args=[ticket.pk, response.pk])


def form_data(**values):
    data = {
        "title": "Refund done",
        "text": "Your refund is on its way.",
        "department": "",
        "set_status": "",
        "set_priority": "",
        "assign": "",
        "assignee": "",
        "set_team": "",
        "team": "",
        "add_tags": "",
        "remove_tags": "",
    }
    return {**data, **values}


# The actions, checked where they are written --------------------------------------------


class TestWriting:
    def test_a_valid_macro_is_saved_with_normalized_tags(self, agent, team):
        form = CannedResponseForm(
            form_data(
                set_status=FixedStatus.CLOSED,
                set_priority=Priority.URGENT,
                assign=AssignAction.AGENT,
                assignee=agent.pk,
                set_team=TeamAction.TEAM,
                team=team.pk,
                add_tags="refund, Billing ,refund",
                remove_tags="waiting",
            ),
            user=agent,
        )
        assert form.is_valid(), form.errors
        response = form.save()
        response.refresh_from_db()
        assert response.set_status_id == FixedStatus.CLOSED
        assert response.set_priority == Priority.URGENT
        assert response.assignee == agent
        assert response.team == team
        assert response.add_tags == ["Billing", "refund"]
        assert response.remove_tags == ["waiting"]
        assert response.is_macro

    def test_an_inactive_agent_is_refused(self, agent):
        gone = factories.AgentFactory(is_active=False)
        form = CannedResponseForm(
            form_data(assign=AssignAction.AGENT, assignee=gone.pk), user=agent
        )
        assert not form.is_valid()
        assert form.errors["assignee"] == ["Tickets can only be assigned to active agents."]

    def test_to_an_agent_needs_the_agent(self, agent):
        form = CannedResponseForm(form_data(assign=AssignAction.AGENT), user=agent)
        assert not form.is_valid()
        assert form.errors["assignee"] == ["Choose the agent to assign the ticket to."]

    def test_an_agent_without_to_an_agent_is_refused(self, agent):
        form = CannedResponseForm(form_data(assign=AssignAction.ME, assignee=agent.pk), user=agent)
        assert not form.is_valid()
        assert "Choose “to an agent”" in form.errors["assignee"][0]

    def test_a_team_needs_to_a_team(self, agent, team):
        assert CannedResponseForm(form_data(set_team=TeamAction.TEAM), user=agent).errors[
            "team"
        ] == ["Choose the team."]
        assert CannedResponseForm(form_data(team=team.pk), user=agent).errors["team"] == [
            "Choose “to a team” to set this team."
        ]

    def test_a_tag_both_added_and_removed_is_refused(self, agent):
        form = CannedResponseForm(form_data(add_tags="refund", remove_tags="Refund"), user=agent)
        assert not form.is_valid()
        assert form.errors["remove_tags"] == ["A tag cannot be both added and removed: refund."]

    def test_the_admin_form_checks_alike(self, agent):
        gone = factories.AgentFactory(is_active=False)
        data = form_data(owner="", assign=AssignAction.AGENT, assignee=gone.pk)
        form = CannedResponseAdminForm(data)
        assert not form.is_valid()
        assert form.errors["assignee"] == ["Tickets can only be assigned to active agents."]

    def test_the_edit_page_shows_the_tags_as_text(self, client, agent):
        response = factories.CannedResponseFactory(owner=agent, add_tags=["refund", "vip"])
        client.force_login(agent)
        html = client.get(reverse("canned_edit", args=[response.pk])).content.decode()
        assert 'value="refund, vip"' in html

    def test_the_management_page_saves_the_actions(self, client, agent):
        client.force_login(agent)
        answer = client.post(
            reverse("canned_create"),
            form_data(set_status=FixedStatus.ON_HOLD, assign=AssignAction.NOBODY),
        )
        assert answer.status_code == 302
        saved = CannedResponse.objects.get(title="Refund done")
        assert (saved.set_status_id, saved.assign, saved.owner) == (
            FixedStatus.ON_HOLD,
            AssignAction.NOBODY,
            agent,
        )

    def test_the_admin_saves_the_actions(self, client, admin_user, team):
        client.force_login(admin_user)
        answer = client.post(
            reverse("admin:tickets_cannedresponse_add"),
            form_data(owner="", set_team=TeamAction.TEAM, team=team.pk, add_tags="refund"),
        )
        assert answer.status_code == 302, answer.context["adminform"].form.errors
        saved = CannedResponse.objects.get(title="Refund done")
        assert (saved.team, saved.add_tags) == (team, ["refund"])


# What the reply box shows -----------------------------------------------------------------


class TestPendingChanges:
    def test_me_is_the_agent_who_sends_it(self, refund_macro, agent):
        macro = changes_of(refund_macro, agent)
        assert macro.assignee == agent
        labels = [change.label for change in pending_changes(refund_macro, agent)]
        assert labels == [
            "Set status: Closed",
            "Set priority: High",
            "Assign to: you",
            "Set team: Billing",
            "Add tag: refund",
            "Remove tag: waiting",
        ]

    def test_a_departed_agent_or_deleted_team_does_nothing(self, agent, team):
        gone = factories.AgentFactory()
        response = factories.CannedResponseFactory(
            assign=AssignAction.AGENT, assignee=gone, set_team=TeamAction.TEAM, team=team
        )
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        team.delete()
        response.refresh_from_db()
        macro = changes_of(response, agent)
        assert macro.assignee is UNSET
        assert macro.team is UNSET
        assert not macro

    def test_the_list_marks_macros(self, client, agent, refund_macro):
        factories.CannedResponseFactory(title="Plain")
        client.force_login(agent)
        html = client.get(reverse("canned_list")).content.decode()
        assert html.count("+ changes") == 1
        assert html.index("+ changes") > html.index("Refund done")

    def test_the_picker_marks_macros(self, client, agent, ticket, refund_macro):
        plain = factories.CannedResponseFactory(title="Plain")
        client.force_login(agent)
        html = client.get(reverse("canned_picker", args=[ticket.pk])).content.decode()
        assert f'data-canned-changes-url="{changes_url(ticket, refund_macro)}"' in html
        assert changes_url(ticket, plain) not in html

    def test_the_changes_fragment(self, client, agent, ticket, refund_macro, team):
        client.force_login(agent)
        html = client.get(changes_url(ticket, refund_macro), headers=HTMX).content.decode()
        assert 'name="macro-status" value="2" checked' in html
        assert f'name="macro-assignee" value="{agent.pk}" checked' in html
        assert f'name="macro-team" value="{team.pk}" checked' in html
        assert 'name="macro-add_tags" value="refund" checked' in html
        assert 'name="macro-remove_tags" value="waiting" checked' in html
        assert "Set status: Closed" in html

    def test_another_agents_personal_macro_is_not_found(self, client, agent, ticket):
        theirs = factories.CannedResponseFactory(
            owner=factories.AgentFactory(), set_priority=Priority.HIGH
        )
        client.force_login(agent)
        assert client.get(changes_url(ticket, theirs)).status_code == 404

    def test_pinned_query_count(
        self, client, agent, ticket, refund_macro, django_assert_num_queries
    ):
        client.force_login(agent)
        # session, user, ticket, the response with its status, assignee and team.
        with django_assert_num_queries(4):
            assert client.get(changes_url(ticket, refund_macro)).status_code == 200


# Sending: the reply and the macro's changes -----------------------------------------------


def macro_post(macro_fields: dict, **reply) -> dict:
    return {"text": "Your refund is on its way.", "kind": "reply", **reply, **macro_fields}


ALL_TICKED = {
    "macro-status": str(FixedStatus.CLOSED),
    "macro-priority": str(Priority.HIGH),
    "macro-add_tags": ["refund"],
    "macro-remove_tags": ["waiting"],
}


class TestSending:
    def test_every_ticked_change_is_applied_and_in_the_history(
        self, client, agent, ticket, team, django_capture_on_commit_callbacks
    ):
        ticket.tags.set(["waiting", "vip"])
        client.force_login(agent)
        data = macro_post(
            {**ALL_TICKED, "macro-assignee": str(agent.pk), "macro-team": str(team.pk)}
        )
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reply_url(ticket), data)
        assert answer.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.priority == Priority.HIGH
        assert ticket.assignee == agent
        assert ticket.team == team
        assert sorted(ticket.tags.names()) == ["refund", "vip"]
        kinds = [event.kind for event in ticket.events.order_by("pk")]
        assert kinds == [
            Kind.STATUS_CHANGED,  # the reply's Answered
            Kind.REPLY_ADDED,
            Kind.STATUS_CHANGED,  # the macro's Closed
            Kind.PRIORITY_CHANGED,
            Kind.ASSIGNED,
            Kind.TEAM_CHANGED,
            Kind.TAGS_CHANGED,
        ]
        assert all(
            event.actor == agent and event.channel == Channel.WEB for event in ticket.events.all()
        )
        tags = ticket.events.get(kind=Kind.TAGS_CHANGED)
        assert (tags.old_value, tags.new_value) == (["vip", "waiting"], ["refund", "vip"])

    def test_an_unticked_change_is_not_applied(self, client, agent, ticket):
        ticket.tags.set(["waiting"])
        client.force_login(agent)
        # The agent unticked the status and the tag removal: their fields are not posted.
        data = macro_post({"macro-priority": str(Priority.URGENT), "macro-add_tags": ["refund"]})
        assert client.post(reply_url(ticket), data).status_code == 302
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.ANSWERED
        assert ticket.priority == Priority.URGENT
        assert sorted(ticket.tags.names()) == ["refund", "waiting"]
        assert ticket.events.filter(kind=Kind.STATUS_CHANGED).count() == 1  # the reply's own

    def test_unassign_and_no_team(self, client, agent, ticket, team):
        services.assign(ticket=ticket, assignee=agent, actor=agent, channel=Channel.WEB)
        services.set_team(ticket=ticket, team=team, actor=agent, channel=Channel.WEB)
        client.force_login(agent)
        data = macro_post({"macro-assignee": "none", "macro-team": "none"}, kind="note")
        assert client.post(reply_url(ticket), data).status_code == 302
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.team) == (None, None)

    def test_reply_and_changes_are_one_change_for_the_reactions(
        self, client, agent, ticket, monkeypatch
    ):
        rounds: list[changes.Round] = []
        monkeypatch.setattr(changes, "reactions", lambda: [rounds.append])
        client.force_login(agent)
        assert client.post(reply_url(ticket), macro_post(ALL_TICKED)).status_code == 302
        assert len(rounds) == 1
        assert {Kind.REPLY_ADDED, Kind.PRIORITY_CHANGED, Kind.TAGS_CHANGED} <= {
            event.kind for event in rounds[0].events
        }

    def test_the_confirmation_names_the_changes(self, client, agent, ticket):
        client.force_login(agent)
        answer = client.post(
            reply_url(ticket), macro_post({"macro-add_tags": ["refund"]}), follow=True
        )
        assert "Reply sent. Canned response: Add tag: refund." in answer.content.decode()

    def test_an_inactive_assignee_refuses_the_whole_reply(self, client, agent, ticket):
        gone = factories.AgentFactory(is_active=False)
        client.force_login(agent)
        data = macro_post({"macro-assignee": str(gone.pk), "macro-add_tags": ["refund"]})
        answer = client.post(reply_url(ticket), data, headers=HTMX)
        assert answer.status_code == 422
        html = answer.content.decode()
        assert (
            "The canned response&#x27;s changes: Tickets can only be assigned to active agents."
            in html
        )
        assert not Reply.objects.filter(ticket=ticket).exists()
        ticket.refresh_from_db()
        assert not ticket.tags.names()

    def test_a_different_reply_status_is_refused_with_the_changes_kept(self, client, agent, ticket):
        client.force_login(agent)
        data = macro_post(ALL_TICKED, status=FixedStatus.ON_HOLD)
        answer = client.post(reply_url(ticket), data, headers=HTMX)
        assert answer.status_code == 422
        html = answer.content.decode()
        assert "The canned response sets the status to Closed" in html
        # Shown again, still ticked, so that the agent loses nothing.
        assert 'name="macro-add_tags" value="refund" checked' in html
        assert not Reply.objects.filter(ticket=ticket).exists()

    def test_a_failing_change_rolls_the_reply_back(self, client, agent, ticket, settings):
        # The ticket is full: adding the macro's tag fails under the lock, after the reply.
        settings.TICKET_MAX_TAGS = 2
        ticket.tags.set(["one", "two"])
        client.force_login(agent)
        data = macro_post({"macro-add_tags": ["refund"], "macro-priority": str(Priority.HIGH)})
        answer = client.post(reply_url(ticket), data, headers=HTMX)
        assert answer.status_code == 422
        assert "A ticket has at most 2 tags." in answer.content.decode()
        assert not Reply.objects.filter(ticket=ticket).exists()
        ticket.refresh_from_db()
        assert (ticket.status_id, ticket.priority) == (FixedStatus.OPEN, Priority.NORMAL)
        assert not ticket.events.exists()


class TestHeldReply:
    def test_a_held_reply_keeps_the_ticked_changes_until_sent_anyway(
        self, client, agent, other_agent, ticket
    ):
        client.force_login(agent)
        html = client.get(reverse("ticket", args=[ticket.pk])).content.decode()
        version = re.search(r'id="reply-version" value="([^"]+)"', html).group(1)
        services.post_reply(
            ticket=ticket, text="Came first", author=other_agent, channel=Channel.WEB
        )
        data = {**macro_post({"macro-add_tags": ["refund"]}), "version": version}
        held = client.post(reply_url(ticket), data, headers=HTMX)
        assert held.status_code == 422
        html = held.content.decode()
        assert 'name="macro-add_tags" value="refund" checked' in html
        assert not ticket.tags.names()
        new_version = re.search(r'id="reply-version" value="([^"]+)"', html).group(1)
        data = {**data, "version": new_version, "send_anyway": "1"}
        assert client.post(reply_url(ticket), data, headers=HTMX).status_code == 200
        assert list(ticket.tags.names()) == ["refund"]


class TestWithoutJavaScript:
    def test_the_search_box_lists_the_responses_on_the_page(
        self, client, agent, ticket, refund_macro
    ):
        client.force_login(agent)
        html = client.get(reverse("ticket", args=[ticket.pk]), {"q": "refund"}).content.decode()
        assert f'name="canned" value="{refund_macro.pk}"' in html
        assert 'value="refund"' in html  # the search box keeps what was typed

    def test_a_chosen_response_starts_the_reply_box(self, client, agent, ticket, refund_macro):
        client.force_login(agent)
        page = client.get(reverse("ticket", args=[ticket.pk]), {"q": "", "canned": refund_macro.pk})
        html = page.content.decode()
        assert ">\nYour refund is on its way.</textarea>" in html
        assert 'name="macro-status" value="2" checked' in html
        assert f'name="macro-assignee" value="{agent.pk}" checked' in html

    def test_another_agents_personal_response_is_ignored(self, client, agent, ticket):
        theirs = factories.CannedResponseFactory(
            owner=factories.AgentFactory(), text="Secret", set_priority=Priority.HIGH
        )
        client.force_login(agent)
        html = client.get(
            reverse("ticket", args=[ticket.pk]), {"canned": theirs.pk}
        ).content.decode()
        assert "Secret" not in html and "macro-priority" not in html
