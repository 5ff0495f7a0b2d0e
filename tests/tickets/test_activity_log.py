"""The activity log (/activity/) and each ticket's history page."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from tests import factories
from tickets import services
from tickets.models import Channel, TicketEvent

pytestmark = pytest.mark.django_db

URL = reverse("activity")
Kind = TicketEvent.Kind


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def shown(response) -> list[int]:
    return [event.pk for event in response.context["events"]]


@pytest.fixture
def events(agent, other_agent, ticket):
    """Four events on two tickets by two agents, a day apart, newest last."""
    other_ticket = factories.TicketFactory(subject="Second ticket")
    make = factories.TicketEventFactory
    return [
        make(ticket=ticket, kind=Kind.CREATED, actor=agent, created_at=at(2026, 11, 1, 9)),
        make(
            ticket=ticket,
            kind=Kind.STATUS_CHANGED,
            actor=other_agent,
            channel=Channel.WEB,
            old_value={"id": 1, "name": "Open"},
            new_value={"id": 3, "name": "On Hold"},
            created_at=at(2026, 11, 2, 9),
        ),
        make(
            ticket=other_ticket,
            kind=Kind.STATUS_CHANGED,
            actor=agent,
            channel=Channel.API,
            created_at=at(2026, 11, 3, 9),
        ),
        make(
            ticket=other_ticket,
            kind=Kind.STICKY_NOTE_ADDED,
            actor=other_agent,
            channel=Channel.WEB,
            new_value={"id": 7, "text": "VIP client"},
            created_at=at(2026, 11, 4, 9),
        ),
    ]


class TestActivityLog:
    def test_newest_first_with_links_to_tickets(self, signed_in, events, other_agent):
        response = signed_in.get(URL)
        assert response.status_code == 200
        assert shown(response) == [event.pk for event in reversed(events)]
        html = response.content.decode()
        assert f'href="{reverse("ticket", args=[events[3].ticket_id])}"' in html
        assert "Second ticket" in html
        assert "Sticky note added" in html and "VIP client" in html
        assert "Open → On Hold" in html
        assert other_agent.get_full_name() in html
        assert "Showing events 1\N{EN DASH}4." in html

    def test_filter_by_agent(self, signed_in, events, other_agent):
        response = signed_in.get(URL, {"actor": other_agent.pk})
        assert shown(response) == [events[3].pk, events[1].pk]

    def test_filter_by_ticket(self, signed_in, events, ticket):
        response = signed_in.get(URL, {"ticket": ticket.pk})
        assert shown(response) == [events[1].pk, events[0].pk]

    def test_filter_by_kind(self, signed_in, events):
        response = signed_in.get(URL, {"kind": Kind.STATUS_CHANGED})
        assert shown(response) == [events[2].pk, events[1].pk]

    def test_filter_by_channel(self, signed_in, events):
        assert shown(signed_in.get(URL, {"channel": Channel.API})) == [events[2].pk]

    def test_filter_by_dates_both_ends_included(self, signed_in, events):
        response = signed_in.get(URL, {"date_from": "2026-11-02", "date_to": "2026-11-03"})
        assert shown(response) == [events[2].pk, events[1].pk]
        assert shown(signed_in.get(URL, {"date_from": "2026-11-04"})) == [events[3].pk]
        assert shown(signed_in.get(URL, {"date_to": "2026-11-01"})) == [events[0].pk]

    def test_dates_are_days_of_the_site_time_zone(self, signed_in, settings, ticket):
        settings.TIME_ZONE = "America/New_York"
        # 03:00 UTC on 5 November is still 4 November in New York.
        late = factories.TicketEventFactory(ticket=ticket, created_at=at(2026, 11, 5, 3))
        assert shown(signed_in.get(URL, {"date_from": "2026-11-04", "date_to": "2026-11-04"})) == [
            late.pk
        ]
        assert shown(signed_in.get(URL, {"date_from": "2026-11-05"})) == []
        assert late.created_at.astimezone(zoneinfo.ZoneInfo("America/New_York")).day == 4

    def test_filters_combined(self, signed_in, events, agent, ticket):
        params = {
            "actor": agent.pk,
            "kind": Kind.STATUS_CHANGED,
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
        }
        assert shown(signed_in.get(URL, params)) == [events[2].pk]
        assert shown(signed_in.get(URL, {**params, "ticket": ticket.pk})) == []
        html = signed_in.get(URL, {**params, "ticket": ticket.pk}).content.decode()
        assert "No events match these filters." in html

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"ticket": "abc"}, "Enter a ticket number, such as 1234."),
            ({"ticket": "0"}, "Ensure this value is greater than or equal to 1."),
            ({"ticket": str(2**63)}, "Ensure this value is less than or equal to"),
            ({"date_from": "2026-13-45"}, "Enter a valid date."),
            ({"date_to": "yesterday"}, "Enter a valid date."),
            ({"kind": "exploded"}, "Select a valid choice."),
            ({"actor": "999999"}, "Select a valid choice."),
            ({"actor": "x"}, "Select a valid choice."),
            (
                {"date_from": "2026-11-05", "date_to": "2026-11-01"},
                "The start date must be on or before the end date.",
            ),
        ],
    )
    def test_bad_input_gets_a_clear_message(self, signed_in, events, params, message):
        response = signed_in.get(URL, params)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert "Fix the filters above to see the activity." in html
        assert shown(response) == []

    def test_pagination_fetches_one_row_more_than_a_page(self, signed_in, ticket, settings):
        for minute in range(55):
            factories.TicketEventFactory(ticket=ticket, created_at=at(2026, 11, 1, 9, minute))
        first = signed_in.get(URL)
        assert len(first.context["events"]) == 50
        assert first.context["has_next"] is True
        html = first.content.decode()
        assert 'rel="next" href="?page=2"' in html and 'rel="prev"' not in html
        second = signed_in.get(URL, {"page": 2})
        assert len(second.context["events"]) == 5
        assert second.context["has_next"] is False
        assert second.context["events"][-1].created_at == at(2026, 11, 1, 9, 0)
        assert 'rel="prev" href="?page=1"' in second.content.decode()
        assert signed_in.get(URL, {"page": "x"}).context["page"] == 1
        assert signed_in.get(URL, {"page": 9}).context["events"] == []

    def test_pages_keep_the_filters(self, signed_in, ticket, agent):
        for minute in range(51):
            factories.TicketEventFactory(
                ticket=ticket, actor=agent, created_at=at(2026, 11, 1, 9, minute)
            )
        html = signed_in.get(URL, {"actor": agent.pk}).content.decode()
        assert f'href="?actor={agent.pk}&amp;page=2"' in html

    def test_query_count_does_not_grow_with_events(
        self, signed_in, ticket, django_assert_num_queries
    ):
        contact = factories.ContactFactory(client=ticket.client)

        def add(count):
            # Half by agents on tickets of their own, half by a client's contact.
            for number in range(count):
                if number % 2:
                    factories.TicketEventFactory(ticket=ticket, actor_contact=contact)
                else:
                    factories.TicketEventFactory(
                        ticket=factories.TicketFactory(), actor=factories.AgentFactory()
                    )

        # session, user, the agents for the filter, the page's ids, its events; the
        # bell's unread count.
        add(5)
        with django_assert_num_queries(6):
            assert len(signed_in.get(URL).context["events"]) == 5
        add(45)
        with django_assert_num_queries(6):
            assert len(signed_in.get(URL).context["events"]) == 50

    def test_filtered_query_count(
        self, signed_in, events, agent, ticket, django_assert_num_queries
    ):
        params = {"actor": agent.pk, "kind": Kind.CREATED, "ticket": ticket.pk}
        # The chosen agent is looked up once more, to validate it (and the bell counts).
        with django_assert_num_queries(7):
            assert shown(signed_in.get(URL, params)) == [events[0].pk]
        # No ids on the page: the events themselves are not asked for.
        with django_assert_num_queries(6):
            assert shown(signed_in.get(URL, {**params, "kind": Kind.RATED})) == []

    def test_permissions(self, client, outsider, events):
        response = client.get(URL)
        assert response.status_code == 302 and "/login/" in response.url
        client.force_login(outsider)
        assert client.get(URL).status_code == 403
        assert client.post(URL).status_code == 405

    def test_other_agent_sees_every_agents_events(self, client, other_agent, events):
        client.force_login(other_agent)
        assert len(client.get(URL).context["events"]) == 4

    def test_top_navigation_links_to_it(self, signed_in):
        html = signed_in.get(URL).content.decode()
        assert f'<a href="{URL}" aria-current="page">Activity</a>' in html
        assert f'<a href="{URL}">Activity</a>' in signed_in.get(reverse("queue")).content.decode()


class TestTicketHistory:
    def test_every_kind_reads_well(self, signed_in, agent, ticket):
        contact = factories.ContactFactory(client=ticket.client, name="Rita Client")
        reply = services.post_reply(ticket=ticket, text="Hello", author=agent, channel=Channel.WEB)
        services.delete_reply(reply=reply, actor=agent, channel=Channel.WEB)
        services.update_ticket(
            ticket=ticket,
            due_at=at(2026, 12, 1, 15, 30),
            subject="New subject",
            actor=agent,
            channel=Channel.API,
        )
        services.set_tags(ticket=ticket, tags=["vip", "printer"], actor=agent, channel=Channel.WEB)
        make = factories.TicketEventFactory
        make(
            ticket=ticket,
            kind=Kind.RATED,
            actor_contact=contact,
            channel=Channel.WEB,
            new_value={"value": "good", "comment": "Quick!"},
        )
        make(
            ticket=ticket,
            kind=Kind.STICKY_NOTE_ADDED,
            actor=agent,
            channel=Channel.WEB,
            new_value={"id": 4, "text": "Call before noon"},
        )
        make(
            ticket=ticket,
            kind=Kind.STICKY_NOTE_CHANGED,
            actor=agent,
            channel=Channel.WEB,
            old_value={"id": 4, "text": "Call before noon"},
            new_value={"id": 4, "text": "Call after noon"},
        )
        make(
            ticket=ticket,
            kind=Kind.STICKY_NOTE_REMOVED,
            actor=agent,
            channel=Channel.WEB,
            old_value="Call after noon",
        )
        make(
            ticket=ticket,
            kind=Kind.NOTE_ADDED,
            actor=agent,
            channel=Channel.WEB,
            new_value={"reply_id": 99, "attachments": ["log.txt", "shot.png"]},
        )
        make(ticket=ticket, kind=Kind.ARCHIVED, actor=None, channel=Channel.SYSTEM)
        make(ticket=ticket, kind=Kind.RESTORED, actor=None, channel=Channel.WEB)
        make(
            ticket=ticket,
            kind=Kind.CUSTOM_FIELD_CHANGED,
            actor=agent,
            channel=Channel.ADMIN,
            field="order",
            old_value=None,
            new_value="A-17",
        )

        response = signed_in.get(reverse("ticket_history", args=[ticket.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        # Oldest first, like the conversation.
        times = [event.created_at for event in response.context["events"]]
        assert times == sorted(times)
        assert response.context["events"][-1].kind == Kind.CUSTOM_FIELD_CHANGED
        assert f'href="/tickets/{ticket.pk}/#reply-{reply.pk}">Reply #{reply.pk}</a>' in html
        assert f"removed: Reply #{reply.pk}: Hello" in html
        assert "1 Dec 2026 15:30" in html
        assert "New subject" in html and "via API" in html
        assert "printer, vip" in html or "vip, printer" in html
        assert "Rita Client (client)" in html and "Good: “Quick!”" in html
        assert "Sticky note added" in html and "Call before noon → Call after noon" in html
        assert "removed: Call after noon" in html
        assert ">Note #99</a>" in html and "files: log.txt, shot.png" in html
        assert "by the system" in html and "by an unknown or removed user" in html
        assert "(order)" in html and "— → A-17" in html
        assert f'href="{URL}?ticket={ticket.pk}"' in html

    def test_history_permissions(self, client, outsider, ticket):
        history = reverse("ticket_history", args=[ticket.pk])
        assert client.get(history).status_code == 302
        client.force_login(outsider)
        assert client.get(history).status_code == 403

    def test_history_query_count(self, signed_in, agent, ticket, django_assert_num_queries):
        for _ in range(10):
            factories.TicketEventFactory(ticket=ticket, actor=agent, kind=Kind.STICKY_NOTE_ADDED)
        # session, user, ticket, its tags, the events with their actors; the bell's count.
        with django_assert_num_queries(6):
            signed_in.get(reverse("ticket_history", args=[ticket.pk]))
