"""Spam: marked and unmarked from the ticket page, hidden from every view but Spam."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories
from tickets import services
from tickets.models import ActiveState, Channel, TicketEvent
from tickets.views.queue import VIEWS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def shown(response) -> list[int]:
    return [ticket.pk for ticket in response.context["tickets"]]


class TestMarking:
    def test_mark_as_spam(self, signed_in, agent, ticket):
        response = signed_in.post(reverse("ticket_spam", args=[ticket.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("ticket", args=[ticket.pk])
        ticket.refresh_from_db()
        assert ticket.is_spam is True
        event = TicketEvent.objects.get(ticket=ticket)
        assert (event.kind, event.actor, event.channel) == (
            TicketEvent.Kind.SPAM_MARKED,
            agent,
            Channel.WEB,
        )
        html = signed_in.get(response["Location"]).content.decode()
        assert f"Ticket #{ticket.pk} marked as spam" in html
        assert "This ticket is marked as spam." in html
        assert reverse("ticket_not_spam", args=[ticket.pk]) in html
        assert ">Not spam</button>" in html
        assert reverse("ticket_spam", args=[ticket.pk]) not in html

    def test_not_spam(self, signed_in, agent, ticket):
        services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
        signed_in.post(reverse("ticket_not_spam", args=[ticket.pk]))
        ticket.refresh_from_db()
        assert ticket.is_spam is False
        kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
        assert kinds == [TicketEvent.Kind.SPAM_MARKED, TicketEvent.Kind.SPAM_UNMARKED]
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert f"Ticket #{ticket.pk} is not spam" in html
        assert "This ticket is marked as spam." not in html
        assert ">Mark as spam</button>" in html

    def test_marking_twice_records_one_event(self, signed_in, ticket):
        signed_in.post(reverse("ticket_spam", args=[ticket.pk]))
        signed_in.post(reverse("ticket_spam", args=[ticket.pk]))
        assert TicketEvent.objects.filter(ticket=ticket).count() == 1

    @pytest.mark.parametrize("name", ["ticket_spam", "ticket_not_spam"])
    def test_post_only_agents_only(self, client, signed_in, outsider, ticket, name):
        url = reverse(name, args=[ticket.pk])
        assert signed_in.get(url).status_code == 405
        assert signed_in.post(reverse(name, args=[999999])).status_code == 404
        client.logout()
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
        client.force_login(outsider)
        assert client.post(url).status_code == 403
        ticket.refresh_from_db()
        assert ticket.is_spam is False
        assert not TicketEvent.objects.exists()


class TestQueue:
    def test_spam_is_hidden_from_every_view_but_spam(self, signed_in, agent):
        ham = factories.TicketFactory(assignee=agent)
        spam = factories.TicketFactory(assignee=agent, is_spam=True)
        services.set_star(ticket=spam, agent=agent, starred=True)
        for view in VIEWS:
            response = signed_in.get(reverse("queue") + "?" + view.query)
            assert spam.pk not in shown(response) or view.key == "spam", view.key
        response = signed_in.get(reverse("queue"), {"spam": "1"})
        assert shown(response) == [spam.pk]
        assert response.context["current_view"] == "spam"
        assert ham.pk in shown(signed_in.get(reverse("queue")))

    def test_empty_spam_view(self, signed_in):
        factories.TicketFactory()
        html = signed_in.get(reverse("queue"), {"spam": "1"}).content.decode()
        assert "No tickets are marked as spam." in html

    def test_spam_view_takes_other_filters(self, signed_in):
        urgent = factories.TicketFactory(is_spam=True, priority=3)
        factories.TicketFactory(is_spam=True, priority=1)
        response = signed_in.get(reverse("queue"), {"spam": "1", "priority": "urgent"})
        assert shown(response) == [urgent.pk]

    def test_an_unreadable_value_never_shows_spam(self, signed_in):
        factories.TicketFactory(is_spam=True)
        response = signed_in.get(reverse("queue"), {"spam": "yes"})
        assert shown(response) == []

    def test_search_never_finds_spam_outside_the_spam_view(self, signed_in):
        factories.TicketFactory(is_spam=True, subject="Cheap pills")
        assert shown(signed_in.get(reverse("queue"), {"search": "pills"})) == []
        assert len(shown(signed_in.get(reverse("queue"), {"search": "pills", "spam": "1"}))) == 1

    def test_count(self, signed_in):
        factories.TicketFactory.create_batch(2, is_spam=True)
        factories.TicketFactory(is_spam=True, active_state=ActiveState.ARCHIVED)
        factories.TicketFactory()
        response = signed_in.get(reverse("queue_counts"))
        counts = {view.key: count for view, count in response.context["views"]}
        assert counts["spam"] == 2
        assert counts["open"] == 1
        assert 'data-view="spam"' in response.content.decode()

    def test_the_filter_form_keeps_the_spam_view(self, signed_in):
        html = signed_in.get(reverse("queue"), {"spam": "1"}).content.decode()
        assert '<input type="hidden" name="spam" value="1">' in html

    def test_a_saved_view_of_spam(self, signed_in, agent):
        factories.TicketFactory(is_spam=True)
        factories.SavedViewFactory(owner=agent, name="Junk", query="spam=1")
        response = signed_in.get(reverse("queue_counts"))
        assert [(view.name, count) for view, count, _ in response.context["my_views"]] == [
            ("Junk", 1)
        ]
