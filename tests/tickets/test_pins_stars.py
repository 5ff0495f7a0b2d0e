"""Pins and stars: an agent's own marks on tickets, from the ticket page to the queue."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import TicketEvent, TicketPin, TicketStar
from tickets.views.queue import PAGE_SIZE

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def post(http, name, ticket, **kwargs):
    return http.post(reverse(name, args=[ticket.pk]), **kwargs)


def counts(http) -> dict[str, int]:
    response = http.get(reverse("queue_counts"))
    return {view.key: count for view, count in response.context["views"]}


class TestServices:
    def test_star_and_pin_are_idempotent_and_per_agent(self, ticket, agent, other_agent):
        for _ in range(2):
            services.set_star(ticket=ticket, agent=agent, starred=True)
            services.set_pin(ticket=ticket, agent=agent, pinned=True)
        services.set_star(ticket=ticket, agent=other_agent, starred=True)
        assert TicketStar.objects.filter(ticket=ticket).count() == 2
        assert TicketPin.objects.filter(ticket=ticket, agent=agent).count() == 1
        services.set_star(ticket=ticket, agent=agent, starred=False)
        services.set_pin(ticket=ticket, agent=agent, pinned=False)
        assert list(TicketStar.objects.values_list("agent", flat=True)) == [other_agent.pk]
        assert not TicketPin.objects.exists()
        # Personal marks, not ticket state: no history.
        assert not TicketEvent.objects.filter(ticket=ticket).exists()


class TestButtons:
    @pytest.mark.parametrize(
        ("on", "off", "model"),
        [("ticket_star", "ticket_unstar", TicketStar), ("ticket_pin", "ticket_unpin", TicketPin)],
    )
    def test_on_and_off(self, signed_in, agent, ticket, on, off, model):
        response = post(signed_in, on, ticket)
        assert response.status_code == 302
        assert response["Location"] == reverse("ticket", args=[ticket.pk])
        assert model.objects.filter(ticket=ticket, agent=agent).exists()
        post(signed_in, off, ticket)
        assert not model.objects.filter(ticket=ticket, agent=agent).exists()

    def test_htmx_answers_with_the_buttons_pressed(self, signed_in, ticket):
        response = post(signed_in, "ticket_star", ticket, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html
        assert 'id="ticket-marks"' in html and 'hx-swap-oob="true"' in html
        assert 'aria-pressed="true" data-mark="star"' in html
        assert 'aria-pressed="false" data-mark="pin"' in html
        assert "Ticket starred." in html
        response = post(signed_in, "ticket_pin", ticket, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert 'aria-pressed="true" data-mark="pin"' in html
        assert "Ticket pinned to the top of your queue." in html

    def test_ticket_page_shows_the_agents_own_marks(self, signed_in, agent, other_agent, ticket):
        services.set_star(ticket=ticket, agent=other_agent, starred=True)
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'aria-pressed="false" data-mark="star"' in html
        assert 'aria-pressed="false" data-mark="pin"' in html
        services.set_pin(ticket=ticket, agent=agent, pinned=True)
        services.set_star(ticket=ticket, agent=agent, starred=True)
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'aria-pressed="true" data-mark="star"' in html
        assert 'aria-pressed="true" data-mark="pin"' in html
        assert f'action="{reverse("ticket_unpin", args=[ticket.pk])}"' in html

    @pytest.mark.parametrize("name", ["ticket_star", "ticket_unstar", "ticket_pin", "ticket_unpin"])
    def test_post_only_agents_only(self, client, signed_in, outsider, ticket, name):
        url = reverse(name, args=[ticket.pk])
        assert signed_in.get(url).status_code == 405
        assert signed_in.post(reverse(name, args=[999999])).status_code == 404
        client.logout()
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
        client.force_login(outsider)
        assert client.post(url).status_code == 403
        assert not TicketStar.objects.exists() and not TicketPin.objects.exists()


class TestStarredView:
    def test_lists_the_tickets_i_starred(self, signed_in, agent, other_agent):
        mine = factories.TicketFactory(subject="Mine")
        theirs = factories.TicketFactory(subject="Theirs")
        factories.TicketFactory(subject="Nobody's")
        services.set_star(ticket=mine, agent=agent, starred=True)
        services.set_star(ticket=theirs, agent=other_agent, starred=True)
        response = signed_in.get(reverse("queue"), {"starred": "1"})
        assert [ticket.pk for ticket in response.context["tickets"]] == [mine.pk]
        assert response.context["current_view"] == "starred"

    def test_empty_starred_view_says_how_to_star(self, signed_in):
        factories.TicketFactory()
        html = signed_in.get(reverse("queue"), {"starred": "1"}).content.decode()
        assert "No starred tickets." in html and "Star a ticket on its page" in html
        # With a search on top it is an ordinary "nothing matches".
        html = signed_in.get(reverse("queue"), {"starred": "1", "search": "zzz"}).content.decode()
        assert "No starred tickets" not in html and "Clear all filters" in html

    def test_starred_spam_and_archived_stay_out(self, signed_in, agent):
        for ticket in [
            factories.TicketFactory(is_spam=True),
            factories.TicketFactory(active_state="archived"),
        ]:
            services.set_star(ticket=ticket, agent=agent, starred=True)
        assert signed_in.get(reverse("queue"), {"starred": "1"}).context["tickets"] == []
        assert counts(signed_in)["starred"] == 0

    def test_each_agent_has_their_own_count(self, client, agent, other_agent):
        tickets = factories.TicketFactory.create_batch(3)
        services.set_star(ticket=tickets[0], agent=agent, starred=True)
        for ticket in tickets:
            services.set_star(ticket=ticket, agent=other_agent, starred=True)
        client.force_login(agent)
        assert counts(client)["starred"] == 1
        client.force_login(other_agent)
        assert counts(client)["starred"] == 3

    def test_starring_updates_my_cached_count_at_once(self, signed_in, ticket):
        assert counts(signed_in)["starred"] == 0
        post(signed_in, "ticket_star", ticket)
        assert counts(signed_in)["starred"] == 1

    def test_the_filter_form_keeps_the_starred_view(self, signed_in):
        html = signed_in.get(reverse("queue"), {"starred": "1"}).content.decode()
        assert '<input type="hidden" name="starred" value="1">' in html
        assert 'data-view="starred"' in html

    def test_rows_show_star_and_pin_markers(self, signed_in, agent):
        starred, pinned, _plain = factories.TicketFactory.create_batch(3)
        services.set_star(ticket=starred, agent=agent, starred=True)
        services.set_pin(ticket=pinned, agent=agent, pinned=True)
        response = signed_in.get(reverse("queue"), {"active_state": "active"})
        assert response.context["starred_ids"] == {starred.pk}
        assert response.context["pinned_ids"] == {pinned.pk}
        html = response.content.decode()
        assert html.count('<span class="sr-only">Starred</span>') == 1
        # Pinned: once in its row, the pinned block has its own list.
        assert html.count('<span class="sr-only">Pinned</span>') == 1


class TestPinnedBlock:
    def test_my_pinned_tickets_in_pinning_order_spam_excepted(self, signed_in, agent, other_agent):
        first, second, spam, theirs = factories.TicketFactory.create_batch(4)
        spam.is_spam = True
        spam.save(update_fields=["is_spam"])
        with freeze_time(T0):
            services.set_pin(ticket=second, agent=agent, pinned=True)
        with freeze_time(T0 - datetime.timedelta(hours=1)):
            services.set_pin(ticket=first, agent=agent, pinned=True)
        services.set_pin(ticket=spam, agent=agent, pinned=True)
        services.set_pin(ticket=theirs, agent=other_agent, pinned=True)
        response = signed_in.get(reverse("queue"), {"active_state": "active"})
        assert [ticket.pk for ticket in response.context["pinned"]] == [first.pk, second.pk]
        html = response.content.decode()
        assert '<h2 id="pinned-heading" class="pinned-heading">Pinned</h2>' in html
        assert html.index(f'data-pinned-ticket="{first.pk}"') < html.index(
            f'data-pinned-ticket="{second.pk}"'
        )
        # Above the results table.
        assert html.index("data-pinned") < html.index('<table class="data stackable queue-table">')

    def test_shown_whatever_the_filters_on_page_one_only(self, signed_in, agent):
        pinned = factories.TicketFactory(status_id=1)
        services.set_pin(ticket=pinned, agent=agent, pinned=True)
        factories.TicketFactory.create_batch(PAGE_SIZE + 1)
        response = signed_in.get(reverse("queue"), {"status": "closed"})
        assert [ticket.pk for ticket in response.context["pinned"]] == [pinned.pk]
        response = signed_in.get(reverse("queue"), {"page": "2"})
        assert response.context["pinned"] == []
        assert "data-pinned" not in response.content.decode()

    def test_no_block_without_pins(self, signed_in):
        factories.TicketFactory()
        assert 'id="pinned-heading"' not in signed_in.get(reverse("queue")).content.decode()

    def test_unpin_from_the_queue(self, signed_in, agent, ticket):
        services.set_pin(ticket=ticket, agent=agent, pinned=True)
        response = post(signed_in, "ticket_unpin", ticket, data={"next": "queue"})
        assert response.status_code == 302 and response["Location"] == reverse("queue")
        assert not TicketPin.objects.exists()
        html = signed_in.get(reverse("queue")).content.decode()
        assert "Ticket unpinned." in html

    def test_the_htmx_fragment_carries_the_block(self, signed_in, agent, ticket):
        services.set_pin(ticket=ticket, agent=agent, pinned=True)
        html = signed_in.get(
            reverse("queue"), {"status": "open"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert f'data-pinned-ticket="{ticket.pk}"' in html


class TestQueryCounts:
    """The queue and its counts cost the same with 1 or 10 pins, stars and saved views."""

    def make(self, number, agent):
        for _ in range(number):
            ticket = factories.TicketFactory(tags=["common"])
            services.set_pin(ticket=ticket, agent=agent, pinned=True)
            services.set_star(ticket=ticket, agent=agent, starred=True)
            factories.SavedViewFactory(owner=agent, query="status=open")
            factories.SavedViewFactory(is_shared=True, query="priority=urgent")

    @pytest.mark.parametrize(
        "params", [{"active_state": "active"}, {"starred": "1"}, {"spam": "1"}]
    )
    def test_queue(self, signed_in, agent, django_assert_num_queries, params):
        self.make(1, agent)
        with CaptureQueriesContext(connection) as small:
            signed_in.get(reverse("queue"), params)
        self.make(9, agent)
        with django_assert_num_queries(len(small.captured_queries)):
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["my_views"]) == 10
        if "active_state" in params:
            assert len(response.context["pinned"]) == 10
            assert len(response.context["starred_ids"]) == 10

    def test_queue_fragment(self, signed_in, agent, django_assert_num_queries):
        self.make(1, agent)
        headers = {"HX-Request": "true"}
        with CaptureQueriesContext(connection) as small:
            signed_in.get(reverse("queue"), {"status": "open"}, headers=headers)
        self.make(9, agent)
        with django_assert_num_queries(len(small.captured_queries)):
            signed_in.get(reverse("queue"), {"status": "open"}, headers=headers)

    def test_cached_counts(self, signed_in, agent, django_assert_num_queries):
        self.make(1, agent)
        signed_in.get(reverse("queue_counts"))
        self.make(9, agent)
        signed_in.get(reverse("queue_counts"))  # counts the new views once
        # session, user, the saved views: everything else comes from the cache
        with django_assert_num_queries(3):
            signed_in.get(reverse("queue_counts"))
