"""The ticket page's people: the requester and the CC contacts in the side panel, addresses
copied on a public reply (new ones become contacts of the client), and the requester's and
the client's other recent tickets."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.forms import widgets
from tickets.models import Channel, Contact, TicketEvent
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def acme():
    return factories.ClientFactory(name="Acme Inc")


@pytest.fixture
def people(acme):
    return {
        "rita": factories.ContactFactory(
            client=acme, name="Rita Requester", email="rita@acme.test"
        ),
        "carl": factories.ContactFactory(client=acme, name="Carl Copied", email="carl@acme.test"),
        "stranger": factories.ContactFactory(name="Stranger", email="s@other.test"),
    }


@pytest.fixture
def ticket(acme, department):
    return factories.TicketFactory(client=acme, department=department, subject="The one")


def events(ticket, kind):
    return list(ticket.events.filter(kind=kind).values_list("old_value", "new_value", "channel"))


class TestRequester:
    def test_set_and_removed_with_its_events(self, signed_in, ticket, people, agent):
        url = reverse("ticket_requester", args=[ticket.pk])
        response = signed_in.post(url, {"requester": people["rita"].pk}, headers=HTMX)
        assert response.status_code == 200
        assert "Requester set to Rita Requester." in response.text
        assert 'id="requester-tickets"' in response.text  # the other tickets are fetched anew
        ticket.refresh_from_db()
        assert ticket.requester == people["rita"]
        response = signed_in.post(url, {"requester": ""})
        assert response.status_code == 302
        assert (
            response["Location"] == reverse("ticket", args=[ticket.pk]) + "#ticket_requester-form"
        )
        ticket.refresh_from_db()
        assert ticket.requester is None
        rita = {"id": people["rita"].pk, "name": "Rita Requester"}
        changes = events(ticket, TicketEvent.Kind.REQUESTER_CHANGED)
        assert [(old, new) for old, new, _ in changes] == [(None, rita), (rita, None)]
        assert ticket.events.first().actor == agent

    def test_a_contact_of_another_client_is_refused(self, signed_in, ticket, people):
        url = reverse("ticket_requester", args=[ticket.pk])
        response = signed_in.post(url, {"requester": people["stranger"].pk}, headers=HTMX)
        assert response.status_code == 422
        assert "Select a valid choice" in response.text
        ticket.refresh_from_db()
        assert ticket.requester is None
        assert not ticket.events.exists()

    def test_get_is_not_allowed(self, signed_in, ticket):
        assert signed_in.get(reverse("ticket_requester", args=[ticket.pk])).status_code == 405


class TestCopied:
    def test_add_a_contact_and_new_addresses(self, signed_in, ticket, people, acme):
        url = reverse("ticket_cc", args=[ticket.pk])
        data = {"contact": people["carl"].pk, "addresses": "New.Person@acme.test, x@y.test"}
        response = signed_in.post(url, data, headers=HTMX)
        assert response.status_code == 200
        assert "Copied: Carl Copied, New.Person@acme.test, x@y.test." in response.text
        made = Contact.objects.get(email="New.Person@acme.test")
        assert made.client == acme  # copied people join the ticket's client
        other = Contact.objects.get(email="x@y.test")
        assert other.client == acme
        assert set(ticket.cc.all()) == {people["carl"], made, other}
        [(old, new, channel)] = events(ticket, TicketEvent.Kind.CC_CHANGED)
        assert (old, new, channel) == ([], sorted([people["carl"].pk, made.pk, other.pk]), "web")
        # the history names them
        page = signed_in.get(reverse("ticket", args=[ticket.pk])).text
        assert "— → Carl Copied, New.Person@acme.test, x@y.test</div>" in page

    def test_an_existing_address_is_the_clients_contact(self, signed_in, ticket, people):
        url = reverse("ticket_cc", args=[ticket.pk])
        signed_in.post(url, {"addresses": "CARL@acme.test"})
        assert list(ticket.cc.all()) == [people["carl"]]
        assert Contact.objects.filter(email__iexact="carl@acme.test").count() == 1

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({}, "Choose a contact or type an email address to copy."),
            ({"addresses": "not-an-address"}, "Not an email address: not-an-address."),
            ({"addresses": "agent@helpdesk.test"}, "An agent&#x27;s address is not copied"),
            ({"addresses": " ".join(f"p{n}@a.test" for n in range(21))}, "at most 20"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_changes(self, signed_in, ticket, data, error, agent):
        agent.email = "agent@helpdesk.test"
        agent.save(update_fields=["email"])
        cache.clear()  # the agents' addresses are cached (mail.requesters)
        response = signed_in.post(reverse("ticket_cc", args=[ticket.pk]), data, headers=HTMX)
        assert response.status_code == 422
        assert error in response.text
        assert not ticket.cc.exists()
        assert not ticket.events.exists()
        assert not Contact.objects.exists()

    def test_remove_one(self, signed_in, ticket, people):
        ticket.cc.set([people["rita"], people["carl"]])
        url = reverse("ticket_cc_remove", args=[ticket.pk, people["carl"].pk])
        response = signed_in.post(url, headers=HTMX)
        assert response.status_code == 200
        assert "Carl Copied is no longer copied." in response.text
        assert list(ticket.cc.all()) == [people["rita"]]
        [(old, new, _)] = events(ticket, TicketEvent.Kind.CC_CHANGED)
        assert (old, new) == (sorted([people["rita"].pk, people["carl"].pk]), [people["rita"].pk])
        # a contact that is not copied: nothing to remove
        assert signed_in.post(url).status_code == 404
        assert signed_in.get(url).status_code == 405

    def test_the_panel_lists_them_with_their_buttons(self, signed_in, ticket, people):
        ticket.cc.set([people["carl"]])
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).text
        assert reverse("ticket_cc_remove", args=[ticket.pk, people["carl"].pk]) in html
        assert 'aria-label="Stop copying Carl Copied"' in html


class TestCcOnAReply:
    def reply(self, http, ticket, **data):
        data = {"text": "Here you go", "kind": "reply", **data}
        return http.post(reverse("ticket_reply", args=[ticket.pk]), data, headers=HTMX)

    def test_new_addresses_are_copied_and_get_the_reply(
        self, signed_in, ticket, people, acme, django_capture_on_commit_callbacks
    ):
        ticket.requester = people["rita"]
        ticket.save(update_fields=["requester"])
        with django_capture_on_commit_callbacks(execute=True):
            response = self.reply(signed_in, ticket, cc="carl@acme.test, boss@acme.test")
        assert response.status_code == 200
        assert "Reply sent. Copied: carl@acme.test, boss@acme.test." in response.text
        boss = Contact.objects.get(email="boss@acme.test")
        assert boss.client == acme
        assert set(ticket.cc.all()) == {people["carl"], boss}
        kinds = list(ticket.events.order_by("pk").values_list("kind", flat=True))
        assert kinds == [
            TicketEvent.Kind.CC_CHANGED,
            TicketEvent.Kind.STATUS_CHANGED,
            TicketEvent.Kind.REPLY_ADDED,
        ]
        [message] = mail.outbox
        assert message.to == ["Rita Requester <rita@acme.test>"]
        assert sorted(message.cc) == sorted(
            ["Carl Copied <carl@acme.test>", '"boss@acme.test" <boss@acme.test>']
        )

    def test_a_note_copies_nobody(self, signed_in, ticket):
        response = self.reply(signed_in, ticket, kind="note", cc="carl@acme.test")
        assert response.status_code == 422
        assert "Notes are not sent" in response.text
        assert not ticket.replies.exists()
        assert not Contact.objects.exists()

    def test_a_stale_reply_makes_no_contact(self, signed_in, ticket, other_agent):
        page = signed_in.get(reverse("ticket", args=[ticket.pk])).text
        version = re.search(r'name="version" id="reply-version" value="([^"]+)"', page).group(1)
        with freeze_time(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)):
            services.post_reply(
                ticket=ticket, text="Me first", author=other_agent, channel=Channel.WEB
            )
        response = self.reply(signed_in, ticket, cc="late@acme.test", version=version)
        assert "Me first" in response.text or response.status_code == 409
        assert ticket.replies.count() == 1
        assert not Contact.objects.filter(email="late@acme.test").exists()
        assert not ticket.cc.exists()


class TestOtherTickets:
    @pytest.fixture
    def history(self, ticket, people, acme):
        ticket.requester = people["rita"]
        ticket.save(update_fields=["requester"])
        made = []
        for n in range(7):
            with freeze_time(datetime.datetime(2026, 3, 1 + n, tzinfo=datetime.UTC)):
                made.append(
                    factories.TicketFactory(
                        client=acme,
                        requester=people["rita"] if n % 2 == 0 else people["carl"],
                        subject=f"Earlier {n}",
                        status_id=FixedStatus.CLOSED if n == 6 else FixedStatus.OPEN,
                        updated_at=datetime.datetime(2026, 3, 1 + n, tzinfo=datetime.UTC),
                    )
                )
        factories.TicketFactory(client=acme, requester=people["rita"], subject="Junk", is_spam=True)
        factories.TicketFactory(subject="Someone else's")
        return made

    def test_the_requesters_and_the_clients_latest(self, signed_in, ticket, history, people):
        response = signed_in.get(reverse("ticket_requester_tickets", args=[ticket.pk]))
        assert response.status_code == 200
        subjects = [t.subject for t in response.context["from_requester"]]
        assert subjects == ["Earlier 6", "Earlier 4", "Earlier 2", "Earlier 0"]
        subjects = [t.subject for t in response.context["from_client"]]
        assert subjects == ["Earlier 6", "Earlier 5", "Earlier 4", "Earlier 3", "Earlier 2"]
        html = response.text
        assert f"?requester={people['rita'].pk}&amp;active_state=all" in html
        assert f"?client={ticket.client_id}&amp;active_state=all" in html
        assert "Closed" in html
        assert "The one" not in html and "Junk" not in html

    def test_a_fixed_number_of_queries(self, signed_in, ticket, history, django_assert_num_queries):
        # session, user, the ticket's access check, the ticket with its requester and
        # client, the requester's tickets, the client's tickets
        with django_assert_num_queries(6):
            signed_in.get(reverse("ticket_requester_tickets", args=[ticket.pk]))

    def test_without_a_requester_only_the_clients(self, signed_in, ticket):
        response = signed_in.get(reverse("ticket_requester_tickets", args=[ticket.pk]))
        assert response.context["from_requester"] == []
        assert 'data-testid="requester-tickets"' not in response.text
        assert "No other tickets of this client." in response.text

    def test_the_queue_filters_by_requester(self, signed_in, history, people):
        response = signed_in.get(
            reverse("queue"), {"requester": people["rita"].pk, "active_state": "all"}
        )
        subjects = {t.subject for t in response.context["tickets"]}
        assert subjects == {"Earlier 0", "Earlier 2", "Earlier 4", "Earlier 6", "The one"}
        assert (
            f'<input type="hidden" name="requester" value="{people["rita"].pk}">' in response.text
        )


class TestContactSelect:
    def test_many_contacts_offer_a_search(self, signed_in, ticket, acme, monkeypatch):
        monkeypatch.setattr(widgets, "CONTACT_CHOICES_SHOWN", 2)
        contacts = [
            factories.ContactFactory(client=acme, name=f"Person {n}", email=f"p{n}@acme.test")
            for n in range(4)
        ]
        ticket.requester = contacts[3]
        ticket.save(update_fields=["requester"])
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).text
        assert 'aria-label="Find a contact"' in html
        assert reverse("ticket_contact_options", args=[ticket.pk]) in html
        assert f'<option value="{contacts[3].pk}" selected>' in html
        options = signed_in.get(
            reverse("ticket_contact_options", args=[ticket.pk]), {"q": "p2@", "empty": "None"}
        ).text
        assert options == (
            f'<option value="">None</option>'
            f'<option value="{contacts[2].pk}">Person 2 &lt;p2@acme.test&gt;</option>'
        )

    def test_the_options_are_the_tickets_clients_only(self, signed_in, ticket, people):
        html = signed_in.get(
            reverse("ticket_contact_options", args=[ticket.pk]),
            {"q": "", "selected": str(people["stranger"].pk)},
        ).text
        assert "Stranger" not in html
        assert "Rita Requester" in html


def test_the_page_renders_the_same_number_of_queries_with_more_people(signed_in, ticket, acme):
    contacts = factories.ContactFactory.create_batch(6, client=acme)
    ticket.requester = contacts[0]
    ticket.save(update_fields=["requester"])
    ticket.cc.set(contacts[1:2])
    with CaptureQueriesContext(connection) as few:
        signed_in.get(reverse("ticket", args=[ticket.pk]))
    ticket.cc.set(contacts[1:])
    with CaptureQueriesContext(connection) as more:
        signed_in.get(reverse("ticket", args=[ticket.pk]))
    assert len(more.captured_queries) == len(few.captured_queries)
