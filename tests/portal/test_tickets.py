"""My requests and a request's page: who sees what, the public conversation only, search,
query counts, replying, marking solved, files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.portal.conftest import portal_client
from tickets.models import Attachment, Channel, Reply, Source, TicketEvent
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

TICKETS = reverse("portal:tickets")


def page_of(ticket):
    return reverse("portal:ticket", args=[ticket.pk])


class TestMyRequests:
    def test_own_requests_newest_first(self, as_requester, requester, acme):
        older = factories.TicketFactory(client=acme, requester=requester, subject="Older one")
        newer = factories.TicketFactory(client=acme, requester=requester, subject="Newer one")
        solved = factories.TicketFactory(
            client=acme, requester=requester, subject="Done one", status_id=FixedStatus.CLOSED
        )
        response = as_requester.get(TICKETS)
        assert response.status_code == 200
        assert [ticket for ticket, _ in response.context["rows"]] == [solved, newer, older]
        assert "Solved" in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"

    def test_a_colleagues_and_other_clients_requests_are_not_listed(
        self, as_requester, requester, colleague, stranger, acme
    ):
        factories.TicketFactory(client=acme, requester=colleague, subject="Colleague's")
        factories.TicketFactory(client=stranger.client, requester=stranger, subject="Stranger's")
        factories.TicketFactory(client=acme, requester=requester, subject="Spam one", is_spam=True)
        html = as_requester.get(TICKETS).content.decode()
        assert "Colleague&#x27;s" not in html and "Stranger" not in html
        assert "Spam one" not in html
        assert "You have no requests yet" in html

    def test_sees_all_lists_the_whole_clients_requests(self, requester, colleague, stranger, acme):
        colleague.sees_all_client_tickets = True
        colleague.save()
        mine = factories.TicketFactory(client=acme, requester=requester)
        unassigned = factories.TicketFactory(client=acme, requester=None)
        factories.TicketFactory(client=stranger.client, requester=stranger)
        response = portal_client(colleague).get(TICKETS)
        assert {ticket for ticket, _ in response.context["rows"]} == {mine, unassigned}
        assert "Requests of Acme Inc" in response.content.decode()

    def test_search_by_words_number_and_public_replies_but_never_notes(
        self, as_requester, requester, acme, agent
    ):
        printer = factories.TicketFactory(client=acme, requester=requester, subject="Printer jam")
        invoice = factories.TicketFactory(client=acme, requester=requester, subject="Invoice")
        factories.ReplyFactory(ticket=invoice, text="The refund is on its way", author_agent=agent)
        noted = factories.TicketFactory(client=acme, requester=requester, subject="Login")
        factories.ReplyFactory(
            ticket=noted, kind=Reply.Kind.NOTE, text="secret refund plan", author_agent=agent
        )

        def found(q, **extra):
            response = as_requester.get(TICKETS, {"q": q, **extra})
            return [ticket for ticket, _ in response.context["rows"]]

        assert found("printer") == [printer]
        assert found(f"#{invoice.pk}") == [invoice]
        assert found("refund") == [invoice]
        assert found("secret") == []
        assert found("printer", state="solved") == []
        assert found("", state="open") == [noted, invoice, printer]

    def test_pages(self, as_requester, requester, acme):
        factories.TicketFactory.create_batch(30, client=acme, requester=requester)
        first = as_requester.get(TICKETS)
        second = as_requester.get(TICKETS, {"page": 2})
        assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
        assert as_requester.get(TICKETS, {"page": "x"}).status_code == 200

    def test_pinned_query_count(self, as_requester, requester, acme, django_assert_num_queries):
        factories.TicketFactory.create_batch(3, client=acme, requester=requester)
        # session, contact, count, page (with status and requester joined)
        with django_assert_num_queries(4):
            as_requester.get(TICKETS)
        factories.TicketFactory.create_batch(10, client=acme, requester=requester)
        with django_assert_num_queries(4):
            as_requester.get(TICKETS, {"q": "subject"})

    def test_anonymous_and_agent_get_the_sign_in_form(self, client, as_agent):
        for browser in (client, as_agent):
            response = browser.get(TICKETS)
            assert response.status_code == 200
            assert "rows" not in response.context


class TestARequestsPage:
    def test_the_public_conversation_only(self, as_requester, ticket, agent):
        ticket.assignee = agent
        ticket.save()
        ticket.tags.add("vip-internal")
        factories.ReplyFactory(ticket=ticket, text="We replaced the toner.", author_agent=agent)
        factories.ReplyFactory(
            ticket=ticket, kind=Reply.Kind.NOTE, text="Client is difficult", author_agent=agent
        )
        factories.TicketEventFactory(ticket=ticket, kind=TicketEvent.Kind.TAGS_CHANGED)
        response = as_requester.get(page_of(ticket))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Printer on fire" in html
        assert "We replaced the toner." in html
        assert "Open: we are on it" in html
        assert "Client is difficult" not in html
        assert "vip-internal" not in html
        assert "Tags changed" not in html
        assert "This is solved" in html

    @pytest.mark.parametrize(
        ("status", "words"),
        [
            (FixedStatus.OPEN, "Open: we are on it"),
            (FixedStatus.ANSWERED, "Waiting for your reply"),
            (FixedStatus.CUSTOMER_REPLIED, "Waiting for us"),
            (FixedStatus.ON_HOLD, "On hold"),
            (FixedStatus.CLOSED, "Solved"),
        ],
    )
    def test_status_in_plain_words(self, as_requester, ticket, status, words):
        ticket.status_id = status
        ticket.save()
        response = as_requester.get(page_of(ticket))
        assert response.context["status_words"] == words

    def test_access(self, client, as_agent, as_colleague, as_stranger, colleague, ticket):
        assert as_colleague.get(page_of(ticket)).status_code == 404
        assert as_stranger.get(page_of(ticket)).status_code == 404
        for browser in (client, as_agent):
            response = browser.get(page_of(ticket))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("portal:sign_in"))
        colleague.sees_all_client_tickets = True
        colleague.save()
        assert as_colleague.get(page_of(ticket)).status_code == 200

    def test_a_missing_or_spam_ticket_is_not_found(self, as_requester, ticket):
        assert as_requester.get("/portal/tickets/999999/").status_code == 404
        assert as_requester.get("/portal/tickets/99999999999999999999/").status_code == 404
        ticket.is_spam = True
        ticket.save()
        assert as_requester.get(page_of(ticket)).status_code == 404

    def test_pinned_query_count(self, as_requester, ticket, agent, django_assert_num_queries):
        factories.ReplyFactory(ticket=ticket, author_agent=agent)
        # session, contact, ticket, replies, files
        with django_assert_num_queries(5):
            as_requester.get(page_of(ticket))
        factories.ReplyFactory.create_batch(5, ticket=ticket, author_agent=agent)
        ticket.status_id = FixedStatus.CLOSED
        ticket.save()
        # ... and the rating, once solved
        with django_assert_num_queries(6):
            as_requester.get(page_of(ticket))


class TestFiles:
    @pytest.fixture
    def files(self, ticket, agent):
        opening = Attachment.objects.create(
            ticket=ticket,
            name="photo.png",
            size=3,
            content_type="image/png",
            file=SimpleUploadedFile("x", b"\x89PNG\r\n\x1a\n..."),
        )
        note = factories.ReplyFactory(ticket=ticket, kind=Reply.Kind.NOTE, author_agent=agent)
        hidden = Attachment.objects.create(
            ticket=ticket,
            reply=note,
            name="internal.txt",
            size=3,
            content_type="text/plain",
            file=SimpleUploadedFile("y", b"abc"),
        )
        return opening, hidden

    def test_public_files_are_shown_and_served(self, as_requester, ticket, files):
        opening, _hidden = files
        html = as_requester.get(page_of(ticket)).content.decode()
        assert "photo.png" in html and "internal.txt" not in html
        response = as_requester.get(reverse("portal:download", args=[opening.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert as_requester.get(reverse("portal:preview", args=[opening.pk])).status_code == 200

    def test_a_notes_file_and_others_files_are_not_found(
        self, as_requester, as_stranger, client, ticket, files
    ):
        opening, hidden = files
        assert as_requester.get(reverse("portal:download", args=[hidden.pk])).status_code == 404
        assert as_stranger.get(reverse("portal:download", args=[opening.pk])).status_code == 404
        assert client.get(reverse("portal:download", args=[opening.pk])).status_code == 302
        assert as_requester.get(reverse("portal:download", args=[10**20])).status_code == 404


class TestReplying:
    def test_a_reply_with_a_file(self, as_requester, requester, ticket, mailoutbox):
        ticket.status_id = FixedStatus.CLOSED
        ticket.save()
        response = as_requester.post(
            reverse("portal:reply", args=[ticket.pk]),
            {
                "text": "It is on fire again.",
                "attachments": [SimpleUploadedFile("log.txt", b"smoke")],
            },
        )
        reply = Reply.objects.get(ticket=ticket)
        assert response.status_code == 302
        assert response["Location"] == f"{page_of(ticket)}#reply-{reply.pk}"
        assert reply.author_contact == requester
        assert reply.source == Source.PORTAL
        assert reply.attachments.get().name == "log.txt"
        ticket.refresh_from_db()
        # A closed ticket reopens, in the client-replied status.
        assert ticket.status_id == FixedStatus.CUSTOMER_REPLIED
        event = ticket.events.get(kind=TicketEvent.Kind.REPLY_ADDED)
        assert (event.channel, event.actor_contact) == (Channel.PORTAL, requester)

    def test_an_empty_reply_is_refused(self, as_requester, ticket):
        response = as_requester.post(reverse("portal:reply", args=[ticket.pk]), {"text": "  "})
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        assert not Reply.objects.exists()

    def test_a_blocked_file_is_refused(self, as_requester, ticket):
        response = as_requester.post(
            reverse("portal:reply", args=[ticket.pk]),
            {"text": "see", "attachments": [SimpleUploadedFile("run.exe", b"MZ")]},
        )
        assert response.status_code == 422
        assert not Reply.objects.exists()

    def test_others_cannot_reply(self, client, as_agent, as_colleague, as_stranger, ticket):
        url = reverse("portal:reply", args=[ticket.pk])
        assert as_colleague.post(url, {"text": "x"}).status_code == 404
        assert as_stranger.post(url, {"text": "x"}).status_code == 404
        assert client.post(url, {"text": "x"}).status_code == 302
        assert as_agent.post(url, {"text": "x"}).status_code == 302
        assert as_requester_get_only(client, url)
        assert not Reply.objects.exists()

    def test_a_colleague_who_sees_all_replies_as_themselves(self, colleague, ticket):
        colleague.sees_all_client_tickets = True
        colleague.save()
        portal_client(colleague).post(reverse("portal:reply", args=[ticket.pk]), {"text": "Me too"})
        assert Reply.objects.get().author_contact == colleague


def as_requester_get_only(client, url) -> bool:
    return client.get(url).status_code == 405


class TestMarkingSolved:
    def test_this_is_solved(self, as_requester, requester, ticket):
        response = as_requester.post(reverse("portal:solve", args=[ticket.pk]))
        assert response.status_code == 302
        assert response["Location"] == f"{page_of(ticket)}#rating"
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at is not None
        event = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
        assert (event.channel, event.actor_contact, event.actor) == (
            Channel.PORTAL,
            requester,
            None,
        )
        page = as_requester.get(page_of(ticket)).content.decode()
        assert "How did we do?" in page and "This is solved" not in page

    def test_solving_a_solved_ticket_changes_nothing(self, as_requester, ticket):
        ticket.status_id = FixedStatus.CLOSED
        ticket.save()
        response = as_requester.post(reverse("portal:solve", args=[ticket.pk]), follow=True)
        assert "solved already" in response.content.decode()
        assert not ticket.events.exists()

    def test_others_cannot_solve(self, client, as_agent, as_colleague, as_stranger, ticket):
        url = reverse("portal:solve", args=[ticket.pk])
        assert as_colleague.post(url).status_code == 404
        assert as_stranger.post(url).status_code == 404
        assert client.post(url).status_code == 302
        assert as_agent.post(url).status_code == 302
        assert client.get(url).status_code == 405
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.OPEN


def test_queries_do_not_grow_with_replies(as_requester, ticket, agent):
    factories.ReplyFactory(ticket=ticket, author_agent=agent)
    with CaptureQueriesContext(connection) as small:
        as_requester.get(page_of(ticket))
    factories.ReplyFactory.create_batch(10, ticket=ticket, author_agent=agent)
    with CaptureQueriesContext(connection) as large:
        as_requester.get(page_of(ticket))
    assert len(large.captured_queries) == len(small.captured_queries)
