"""Satisfaction ratings: the "How did we do?" email after a close, its links (GET shows,
POST records), their expiry and supersession, rating in the portal, and the agent's page."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tests.portal.conftest import portal_client
from tickets import services
from tickets.models import Channel, Rating, RatingRequest, TicketEvent, TicketStatus
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

RATE_LINK = re.compile(r"http://testserver(/portal/rate/[^/\s\"]+/(?:good|bad)/)")


def status(pk):
    return TicketStatus.objects.get(pk=pk)


@pytest.fixture
def answered(ticket, agent):
    """A ticket an agent answered in public, assigned to them."""
    ticket.assignee = agent
    ticket.save()
    services.post_reply(ticket=ticket, text="Fixed it.", author=agent, channel=Channel.WEB)
    return ticket


def close(ticket, agent, capture, channel=Channel.WEB):
    with capture(execute=True):
        services.change_status(
            ticket=ticket, status=status(FixedStatus.CLOSED), actor=agent, channel=channel
        )


def reopen(ticket, agent):
    services.change_status(
        ticket=ticket, status=status(FixedStatus.OPEN), actor=agent, channel=Channel.WEB
    )


def rating_emails(outbox):
    return [message for message in outbox if message.subject.startswith("How did we do?")]


def links_of(message) -> dict[str, str]:
    return {path.rstrip("/").rsplit("/", 1)[1]: path for path in RATE_LINK.findall(message.body)}


class TestTheEmail:
    def test_closing_after_a_public_reply_asks_once(
        self, answered, agent, requester, mailoutbox, django_capture_on_commit_callbacks
    ):
        mailoutbox.clear()
        close(answered, agent, django_capture_on_commit_callbacks)
        [message] = rating_emails(mailoutbox)
        assert message.to == ["Rita Requester <rita@acme.example>"]
        assert message.extra_headers["Auto-Submitted"] == "auto-replied"
        assert set(links_of(message)) == {"good", "bad"}
        assert RATE_LINK.search(message.alternatives[0].content)
        request = RatingRequest.objects.get()
        assert (request.ticket, request.contact) == (answered, requester)
        # Reopened and closed again with no new answer: not asked again.
        reopen(answered, agent)
        close(answered, agent, django_capture_on_commit_callbacks)
        assert len(rating_emails(mailoutbox)) == 1

    def test_a_new_answer_then_a_close_asks_again(
        self, answered, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        close(answered, agent, django_capture_on_commit_callbacks)
        reopen(answered, agent)
        services.post_reply(ticket=answered, text="Again.", author=agent, channel=Channel.WEB)
        close(answered, agent, django_capture_on_commit_callbacks)
        assert len(rating_emails(mailoutbox)) == 2
        assert RatingRequest.objects.count() == 2

    def test_no_public_agent_reply_no_email(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        factories.ReplyFactory(ticket=ticket, kind="note", author_agent=agent)
        close(ticket, agent, django_capture_on_commit_callbacks)
        assert rating_emails(mailoutbox) == []
        assert not RatingRequest.objects.exists()

    def test_turned_off_by_the_setting(
        self, answered, agent, mailoutbox, settings, django_capture_on_commit_callbacks
    ):
        settings.PORTAL_RATING_EMAILS = False
        close(answered, agent, django_capture_on_commit_callbacks)
        assert rating_emails(mailoutbox) == []

    def test_never_for_spam(self, answered, agent, mailoutbox, django_capture_on_commit_callbacks):
        services.mark_spam(ticket=answered, is_spam=True, actor=agent, channel=Channel.WEB)
        close(answered, agent, django_capture_on_commit_callbacks)
        assert rating_emails(mailoutbox) == []

    @pytest.mark.parametrize("channel", [Channel.API, Channel.ADMIN, Channel.PORTAL])
    def test_silent_channels(
        self, answered, agent, mailoutbox, channel, django_capture_on_commit_callbacks
    ):
        close(answered, agent, django_capture_on_commit_callbacks, channel=channel)
        assert rating_emails(mailoutbox) == []

    def test_a_requester_without_an_address(
        self, answered, agent, requester, mailoutbox, django_capture_on_commit_callbacks
    ):
        requester.email = ""
        requester.save()
        close(answered, agent, django_capture_on_commit_callbacks)
        assert rating_emails(mailoutbox) == []

    def test_reopened_before_the_task_ran(
        self, answered, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        from tickets import tasks

        services.change_status(
            ticket=answered, status=status(FixedStatus.CLOSED), actor=agent, channel=Channel.WEB
        )
        reopen(answered, agent)
        tasks.request_rating.call(answered.pk)
        assert rating_emails(mailoutbox) == []

    def test_the_portal_button_closes_without_an_email(
        self, answered, requester, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            portal_client(requester).post(reverse("portal:solve", args=[answered.pk]))
        assert rating_emails(mailoutbox) == []
        page = portal_client(requester).get(reverse("portal:ticket", args=[answered.pk]))
        assert page.context["can_rate"] is True


@pytest.fixture
def emailed(answered, agent, mailoutbox, django_capture_on_commit_callbacks):
    """The links of the rating email of an answered, closed ticket."""
    with freeze_time("2026-06-01 12:00"):
        close(answered, agent, django_capture_on_commit_callbacks)
    return links_of(rating_emails(mailoutbox)[-1])


class TestRatingByLink:
    def test_opening_shows_the_choice_and_records_nothing(self, emailed, answered):
        with freeze_time("2026-06-02"):
            response = Client().get(emailed["bad"])
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(r'value="bad"[^>]*checked', html)
        assert not re.search(r'value="good"[^>]*checked', html)
        assert "Anything you would like to tell us?" in html
        assert not Rating.objects.exists()

    def test_posting_records_the_rating_for_the_assignee(self, emailed, answered, agent, requester):
        with freeze_time("2026-06-02"):
            response = Client().post(emailed["good"], {"value": "good", "comment": " Quick! "})
        assert response.status_code == 200
        assert "Thank you for your rating" in response.content.decode()
        rating = Rating.objects.get()
        assert (rating.ticket, rating.value, rating.comment) == (answered, "good", "Quick!")
        assert (rating.contact, rating.agent) == (requester, agent)
        event = answered.events.get(kind=TicketEvent.Kind.RATED)
        assert (event.channel, event.actor_contact) == (Channel.PORTAL, requester)
        assert event.new_value == {"value": "good", "comment": "Quick!"}

    def test_it_can_be_changed_until_the_link_expires(self, emailed, answered):
        with freeze_time("2026-06-02"):
            Client().post(emailed["good"], {"value": "good"})
        with freeze_time("2026-06-10"):
            again = Client().get(emailed["good"])
            assert "Your rating so far: <strong>Good</strong>" in again.content.decode()
            Client().post(emailed["good"], {"value": "bad", "comment": "Broke again"})
        assert Rating.objects.get().value == "bad"
        with freeze_time("2026-06-16"):
            expired = Client().post(emailed["good"], {"value": "good"})
        assert expired.status_code == 410
        assert "This rating link has expired" in expired.content.decode()
        assert Rating.objects.get().value == "bad"

    def test_the_lifetime_is_a_setting(self, emailed, settings):
        settings.PORTAL_RATING_LINK_DAYS = 30
        with freeze_time("2026-06-20"):
            assert Client().get(emailed["good"]).status_code == 200

    def test_a_tampered_link(self, emailed):
        tampered = emailed["good"].replace("/rate/", "/rate/A")
        response = Client().get(tampered)
        assert response.status_code == 404
        assert "This rating link does not work" in response.content.decode()
        assert Client().post("/portal/rate/nonsense/good/", {"value": "good"}).status_code == 404
        assert not Rating.objects.exists()

    def test_a_bad_value(self, emailed):
        with freeze_time("2026-06-02"):
            assert Client().get(emailed["good"].replace("/good/", "/meh/")).status_code == 404
            response = Client().post(emailed["good"], {"value": "meh"})
        assert response.status_code == 422
        assert not Rating.objects.exists()

    def test_a_superseded_link(
        self, emailed, answered, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with freeze_time("2026-06-03"):
            reopen(answered, agent)
            services.post_reply(ticket=answered, text="More.", author=agent, channel=Channel.WEB)
            close(answered, agent, django_capture_on_commit_callbacks)
            newest = links_of(rating_emails(mailoutbox)[-1])
            old = Client().post(emailed["good"], {"value": "good"})
            assert old.status_code == 410
            assert "This rating link was replaced" in old.content.decode()
            assert Client().post(newest["good"], {"value": "good"}).status_code == 200
        assert Rating.objects.count() == 1

    def test_a_deleted_ticket(self, emailed, answered, agent):
        services.delete_ticket(ticket=answered, actor=agent, channel=Channel.WEB)
        with freeze_time("2026-06-02"):
            response = Client().get(emailed["good"])
        assert response.status_code == 404
        assert "can no longer be rated" in response.content.decode()


class TestRatingInThePortal:
    @pytest.fixture
    def solved(self, answered):
        answered.status_id = FixedStatus.CLOSED
        answered.save()
        return answered

    def test_the_requester_rates_and_changes_it(self, as_requester, solved, agent):
        url = reverse("portal:rate", args=[solved.pk])
        response = as_requester.post(url, {"value": "bad", "comment": "Slow"})
        assert response.status_code == 302
        as_requester.post(url, {"value": "good", "comment": ""})
        rating = Rating.objects.get()
        assert (rating.value, rating.agent) == ("good", agent)
        page = as_requester.get(reverse("portal:ticket", args=[solved.pk])).content.decode()
        assert "You rated this request <strong>Good</strong>" in page

    def test_bad_input(self, as_requester, solved):
        response = as_requester.post(reverse("portal:rate", args=[solved.pk]), {"value": ""})
        assert response.status_code == 422
        assert not Rating.objects.exists()

    def test_an_open_ticket_cannot_be_rated(self, as_requester, ticket):
        response = as_requester.post(reverse("portal:rate", args=[ticket.pk]), {"value": "good"})
        assert response.status_code == 302
        assert not Rating.objects.exists()

    def test_access(self, client, as_agent, as_colleague, as_stranger, colleague, solved):
        url = reverse("portal:rate", args=[solved.pk])
        assert as_colleague.post(url, {"value": "good"}).status_code == 404
        assert as_stranger.post(url, {"value": "good"}).status_code == 404
        assert client.post(url, {"value": "good"}).status_code == 302
        assert as_agent.post(url, {"value": "good"}).status_code == 302
        colleague.sees_all_client_tickets = True
        colleague.save()
        # Sees it, but the rating is the requester's to give.
        assert as_colleague.post(url, {"value": "good"}).status_code == 302
        assert (
            as_colleague.get(reverse("portal:ticket", args=[solved.pk])).context["can_rate"]
            is False
        )
        assert not Rating.objects.exists()


def test_the_agents_ticket_page_shows_the_rating(answered, requester, agent):
    services.rate_ticket(
        ticket=answered,
        value=Rating.Value.BAD,
        comment="Too slow",
        contact=requester,
        channel=Channel.PORTAL,
    )
    browser = Client()
    browser.force_login(agent)
    html = browser.get(reverse("ticket", args=[answered.pk])).content.decode()
    assert 'data-testid="ticket-rating"' in html
    assert "Bad" in html and "Too slow" in html


def test_expiry_default_is_14_days(settings):
    assert settings.PORTAL_RATING_LINK_DAYS == 14
    assert datetime.timedelta(days=settings.PORTAL_RATING_LINK_DAYS).days == 14
