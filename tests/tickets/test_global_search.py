"""The global search: a ticket's number opens it; an email finds its requester's tickets; a
name finds the tickets of the requesters and clients so named, together with the tickets
whose conversation holds the words. The same on SQLite and PostgreSQL."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import filters, search
from tickets.models import Ticket
from tickets.models.search import people_condition, ticket_number

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def people():
    """Two clients with contacts, their tickets, and a ticket that only mentions a name."""
    acme = factories.ClientFactory(name="Acme Rockets GmbH")
    globex = factories.ClientFactory(name="Globex Ltd")
    anna = factories.ContactFactory(client=acme, name="Anna Adams", email="Anna.Adams@acme.test")
    ben = factories.ContactFactory(client=acme, name="Ben O'Neil", email="ben@acme.test")
    zoe = factories.ContactFactory(client=globex, name="Zoe Hannah", email="zoe@globex.test")
    with freeze_time(T0):
        made = {
            "anna": factories.TicketFactory(client=acme, requester=anna, subject="Printer"),
            "ben": factories.TicketFactory(client=acme, requester=ben, subject="Scanner"),
            "zoe": factories.TicketFactory(client=globex, requester=zoe, subject="Login"),
            "mention": factories.TicketFactory(
                client=globex, subject="Call back", message="Please ask Anna about it."
            ),
            "other": factories.TicketFactory(subject="Nothing to see"),
        }
    return made


def found(text: str) -> set[str]:
    return set(Ticket.objects.find(text).values_list("subject", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an email address: its requester's tickets, whatever the case
        ("anna.adams@acme.test", {"Printer"}),
        ("ANNA.ADAMS@ACME.TEST", {"Printer"}),
        ("nobody@acme.test", set()),
        # a requester's name, or the start of its words, with the text's matches
        ("anna", {"Printer", "Call back"}),
        ("Anna Adams", {"Printer"}),
        ("ann ad", {"Printer"}),
        ("o'neil", {"Scanner"}),
        ("dams", set()),  # the start of a word, not any part of it
        # a client's name: all its tickets
        ("acme", {"Printer", "Scanner"}),
        ("rockets gmbh", {"Printer", "Scanner"}),
        ("globex", {"Login", "Call back"}),
        # words of the conversation alone
        ("scanner", {"Scanner"}),
        # websearch operators are a text query, not a name
        ("acme -printer", set()),
        ('"anna adams"', set()),
        # one letter names nobody
        ("a", set()),
    ],
)
def test_what_the_search_finds(people, text, expected):
    assert found(text) == expected


def test_a_number_finds_its_ticket_besides_the_words(people):
    ticket = people["ben"]
    assert ticket_number(f"#{ticket.pk}") == ticket.pk
    assert ticket_number(f" {ticket.pk} ") == ticket.pk
    assert ticket_number("12a") is None
    assert ticket_number("0") is None
    assert ticket_number("99999999999999999999") is None
    assert found(f"#{ticket.pk}") == {"Scanner"}
    assert found(str(ticket.pk)) == {"Scanner"}


def test_names_become_a_condition_on_the_tickets_columns(people):
    assert people_condition("printer") is None  # no one is called so
    assert people_condition("acme") is not None
    assert people_condition("") is None


@pytest.mark.parametrize(
    ("walk_share", "list_cap"),
    [(1.0, 20_000), (0.0, 20_000), (1.0, 1)],
    ids=["list-matches", "walk-the-order", "list-overflows-to-walk"],
)
@pytest.mark.parametrize("text", ["anna", "acme", "anna.adams@acme.test", "globex"])
def test_a_page_of_the_search_is_a_page_of_find(people, monkeypatch, walk_share, list_cap, text):
    monkeypatch.setattr(search, "WALK_SHARE", walk_share)
    monkeypatch.setattr(search, "LIST_CAP", list_cap)
    queryset = filters.order_tickets(Ticket.objects.not_spam(), "subject")
    expected = list(queryset.find(text).values_list("pk", flat=True))
    also = people_condition(text)
    for start, stop in [(0, 1), (1, 3), (0, 50)]:
        page = search.search_page(queryset, text, start, stop, also=also)
        assert [t.pk for t in page] == expected[start:stop], (start, stop)


class TestTheQueue:
    def test_the_top_bar_opens_a_ticket_by_its_number(self, signed_in, people):
        ticket = people["zoe"]
        for text in [str(ticket.pk), f"#{ticket.pk}", f" # {ticket.pk} "]:
            response = signed_in.get(reverse("queue"), {"search": text})
            assert response.status_code == 302
            assert response["Location"] == reverse("ticket", args=[ticket.pk])

    def test_a_number_of_no_ticket_is_searched_as_text(self, signed_in, people):
        response = signed_in.get(reverse("queue"), {"search": "#987654"})
        assert response.status_code == 200
        assert response.context["tickets"] == []
        assert "No tickets match these filters." in response.text

    def test_with_other_filters_or_live_the_ticket_is_offered_not_opened(self, signed_in, people):
        ticket = people["zoe"]
        url = reverse("ticket", args=[ticket.pk])
        response = signed_in.get(reverse("queue"), {"search": ticket.pk, "status": "open"})
        assert response.status_code == 200
        assert [t.pk for t in response.context["tickets"]] == [ticket.pk]
        assert f'href="{url}">Open ticket #{ticket.pk}: Login</a>' in response.text
        live = signed_in.get(
            reverse("queue"), {"search": f"#{ticket.pk}"}, headers={"HX-Request": "true"}
        )
        assert live.status_code == 200
        assert f"Open ticket #{ticket.pk}" in live.text

    def test_a_spam_ticket_opens_too(self, signed_in, people):
        ticket = factories.TicketFactory(is_spam=True)
        response = signed_in.get(reverse("queue"), {"search": ticket.pk})
        assert response["Location"] == reverse("ticket", args=[ticket.pk])

    def test_one_who_is_not_an_agent_is_not_sent_to_a_ticket(self, client, outsider, people):
        client.force_login(outsider)
        response = client.get(reverse("queue"), {"search": people["zoe"].pk})
        assert response.status_code == 403

    def test_an_email_and_a_name_list_the_tickets(self, signed_in, people):
        response = signed_in.get(reverse("queue"), {"search": "anna.adams@acme.test"})
        assert [t.subject for t in response.context["tickets"]] == ["Printer"]
        response = signed_in.get(reverse("queue"), {"search": "Globex"})
        assert {t.subject for t in response.context["tickets"]} == {"Login", "Call back"}

    def test_the_bulk_count_finds_what_the_queue_shows(self, signed_in, people):
        response = signed_in.get(reverse("tickets_bulk_count"), {"search": "acme"})
        assert response.status_code == 200
        assert response.context["count"] == 2

    def test_a_named_search_costs_a_fixed_number_of_queries(
        self, signed_in, people, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            signed_in.get(reverse("queue"), {"search": "acme"})
        acme = people["anna"].client
        for _ in range(30):
            factories.TicketFactory(client=acme, requester=people["anna"].requester)
        with django_assert_num_queries(len(few.captured_queries)):
            response = signed_in.get(reverse("queue"), {"search": "acme"})
        assert len(response.context["tickets"]) == 25
