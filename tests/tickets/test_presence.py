"""Collision warnings: who else has a ticket open, and replies held back when it changed."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import presence, services
from tickets.models import Channel, Reply, TicketEvent, TicketPresence

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def url(name, ticket):
    return reverse(name, args=[ticket.pk])


def page_version(client, ticket) -> str:
    html = client.get(url("ticket", ticket)).content.decode()
    return re.search(r'name="version" id="reply-version" value="([^"]+)"', html).group(1)


class TestService:
    def test_record_presence_inserts_then_updates_one_row(self, agent, ticket):
        with freeze_time(NOW):
            presence.record_presence(ticket=ticket, agent=agent, is_replying=False)
        with freeze_time(NOW + datetime.timedelta(seconds=5)):
            presence.record_presence(ticket=ticket, agent=agent, is_replying=True)
        row = TicketPresence.objects.get()
        assert (row.ticket, row.agent, row.is_replying) == (ticket, agent, True)
        assert row.seen_at == NOW + datetime.timedelta(seconds=5)

    def test_others_present_excludes_self_and_stale_rows(self, agent, other_agent, ticket):
        gone = factories.AgentFactory()
        elsewhere = factories.AgentFactory()
        with freeze_time(NOW - datetime.timedelta(seconds=31)):
            presence.record_presence(ticket=ticket, agent=gone, is_replying=True)
        with freeze_time(NOW):
            presence.record_presence(ticket=ticket, agent=agent, is_replying=False)
            presence.record_presence(ticket=ticket, agent=other_agent, is_replying=True)
            presence.record_presence(
                ticket=factories.TicketFactory(), agent=elsewhere, is_replying=False
            )
            others = presence.others_present(ticket, agent)
        assert [(row.agent, row.is_replying) for row in others] == [(other_agent, True)]

    def test_cleanup_deletes_stale_rows_at_most_once_a_minute(self, agent, other_agent, ticket):
        with freeze_time(NOW - datetime.timedelta(minutes=5)):
            presence.record_presence(ticket=ticket, agent=other_agent, is_replying=False)
        with freeze_time(NOW):
            presence.record_presence(ticket=ticket, agent=agent, is_replying=False)
            assert presence.cleanup_stale() == 1
        assert list(TicketPresence.objects.values_list("agent", flat=True)) == [agent.pk]
        with freeze_time(NOW + datetime.timedelta(seconds=40)):
            # The first cleanup of the minute ran already: this one does nothing.
            assert presence.cleanup_stale() == 0
            assert presence.cleanup_stale(force=True) == 1
        assert not TicketPresence.objects.exists()

    def test_versions_round_trip_and_bad_ones_are_none(self):
        assert presence.parse_version(presence.format_version(NOW)) == NOW
        for bad in ["", None, "yesterday", "2026-11-20T10:00:00"]:  # the last has no zone
            assert presence.parse_version(bad) is None

    def test_version_of_a_page_is_its_newest_change(self, ticket):
        event = factories.TicketEventFactory(
            ticket=ticket, created_at=ticket.updated_at + datetime.timedelta(seconds=3)
        )
        assert presence.version_of(ticket, []) == ticket.updated_at
        assert presence.version_of(ticket, [event]) == event.created_at

    def test_changes_since_leave_out_the_agents_own(self, agent, other_agent, ticket):
        version = ticket.updated_at
        services.post_reply(ticket=ticket, text="Mine", author=agent, channel=Channel.WEB)
        assert presence.changes_since(ticket, version, agent) == []
        services.post_reply(ticket=ticket, text="Theirs", author=other_agent, channel=Channel.WEB)
        changes = presence.changes_since(ticket, version, agent)
        assert [(event.kind, event.actor) for event in changes] == [
            (TicketEvent.Kind.REPLY_ADDED, other_agent)
        ]
        contact = factories.ContactFactory(client=ticket.client)
        services.post_reply(ticket=ticket, text="Client", author=contact, channel=Channel.EMAIL)
        assert [event.kind for event in presence.changes_since(ticket, version, agent)] == [
            TicketEvent.Kind.REPLY_ADDED,
            TicketEvent.Kind.STATUS_CHANGED,  # the client's reply moved it, as the client
            TicketEvent.Kind.REPLY_ADDED,
        ]


class TestEndpoint:
    def poll(self, client, ticket, **data):
        return client.post(url("ticket_presence", ticket), data, headers=HTMX)

    def test_both_agents_see_each_other(self, client, agent, other_agent, ticket):
        other_agent.first_name, other_agent.last_name = "Ben", "Ortiz"
        other_agent.save()
        agent.first_name, agent.last_name = "Ana", "Silva"
        agent.save()
        client.force_login(agent)
        assert "is viewing" not in self.poll(client, ticket).content.decode()
        client.force_login(other_agent)
        html = self.poll(client, ticket, replying="1").content.decode()
        assert "Ana Silva is viewing" in html
        client.force_login(agent)
        html = self.poll(client, ticket).content.decode()
        assert "Ben Ortiz is replying…" in html
        assert TicketPresence.objects.get(agent=other_agent).is_replying is True
        assert TicketPresence.objects.get(agent=agent).is_replying is False

    def test_stale_rows_are_not_shown_and_get_removed(self, signed_in, other_agent, ticket):
        with freeze_time(NOW - datetime.timedelta(minutes=2)):
            presence.record_presence(ticket=ticket, agent=other_agent, is_replying=True)
        with freeze_time(NOW):
            html = self.poll(signed_in, ticket).content.decode()
        assert "replying" not in html
        assert not TicketPresence.objects.filter(agent=other_agent).exists()

    def test_a_removed_row_breaks_nothing(self, signed_in, agent, other_agent, ticket):
        self.poll(signed_in, ticket)
        TicketPresence.objects.all().delete()
        response = self.poll(signed_in, ticket)
        assert response.status_code == 200
        assert TicketPresence.objects.filter(agent=agent).count() == 1

    def test_new_activity_notice(self, signed_in, agent, other_agent, ticket):
        version = page_version(signed_in, ticket)
        html = self.poll(signed_in, ticket, version=version).content.decode()
        assert "New activity" not in html
        # The agent's own change is not news to them.
        services.update_ticket(
            ticket=ticket, subject="Renamed by me", actor=agent, channel=Channel.WEB
        )
        assert "New activity" not in self.poll(signed_in, ticket, version=version).content.decode()
        services.post_reply(
            ticket=ticket, text="I take it", author=other_agent, channel=Channel.WEB
        )
        html = self.poll(signed_in, ticket, version=version).content.decode()
        assert "New activity on this ticket since you opened it" in html
        assert url("ticket_refresh", ticket) in html
        # After a review the page shows the new version: no more notice.
        assert (
            "New activity"
            not in self.poll(
                signed_in, ticket, version=page_version(signed_in, ticket)
            ).content.decode()
        )

    def test_poll_without_a_version_or_with_a_bad_one(self, signed_in, other_agent, ticket):
        services.post_reply(ticket=ticket, text="Hi", author=other_agent, channel=Channel.WEB)
        for data in [{}, {"version": "garbage"}]:
            response = self.poll(signed_in, ticket, **data)
            assert response.status_code == 200
            assert "New activity" not in response.content.decode()

    def test_pinned_query_count(self, signed_in, other_agent, ticket, django_assert_num_queries):
        version = page_version(signed_in, ticket)
        factories.TicketPresenceFactory(ticket=ticket, agent=other_agent)
        services.post_reply(ticket=ticket, text="Hi", author=other_agent, channel=Channel.WEB)
        cache.add(presence.CLEANUP_KEY, True, 60)
        # session, user, ticket, the upsert, the others present, the changes since.
        with django_assert_num_queries(6):
            html = self.poll(signed_in, ticket, replying="1", version=version).content.decode()
        assert "is viewing" in html and "New activity" in html
        cache.delete(presence.CLEANUP_KEY)
        # Once a minute a poll also deletes the stale rows.
        with django_assert_num_queries(7):
            self.poll(signed_in, ticket, version=version)

    def test_permissions(self, client, outsider, ticket):
        # A signed-out poll must not send the page (and a reply being written) away.
        anonymous = client.post(url("ticket_presence", ticket), headers=HTMX)
        assert anonymous.status_code == 401 and "HX-Redirect" not in anonymous.headers
        refresh = client.get(url("ticket_refresh", ticket))
        assert refresh.status_code == 302 and "/login/" in refresh.url
        client.force_login(outsider)
        assert client.post(url("ticket_presence", ticket)).status_code == 403
        assert client.get(url("ticket_refresh", ticket), headers=HTMX).status_code == 403
        assert not TicketPresence.objects.exists()

    def test_get_is_refused_and_unknown_ticket_is_404(self, signed_in, ticket):
        assert signed_in.get(url("ticket_presence", ticket)).status_code == 405
        missing = reverse("ticket_presence", args=[ticket.pk + 1000])
        assert signed_in.post(missing, headers=HTMX).status_code == 404

    def test_ticket_page_polls_with_its_version(self, signed_in, ticket, settings):
        settings.PRESENCE_POLL_SECONDS = 2
        html = signed_in.get(url("ticket", ticket)).content.decode()
        assert f'hx-post="{url("ticket_presence", ticket)}"' in html
        assert "every 2000ms" in html and 'data-presence-interval="2000"' in html
        assert presence.parse_version(page_version(signed_in, ticket)) == ticket.updated_at

    def test_refresh_swaps_the_conversation_but_not_the_reply_box(
        self, signed_in, other_agent, ticket
    ):
        services.post_reply(
            ticket=ticket, text="Fresh news", author=other_agent, channel=Channel.WEB
        )
        response = signed_in.get(url("ticket_refresh", ticket), headers=HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Fresh news" in html and 'id="conversation"' in html
        assert 'id="reply-box"' not in html
        ticket.refresh_from_db()
        version = presence.format_version(ticket.events.order_by("-created_at")[0].created_at)
        assert f'id="reply-version" value="{version}" hx-swap-oob="true"' in html
        assert '<div id="presence-news" hx-swap-oob="true">' in html
        # Without htmx it is the ticket page.
        assert signed_in.get(url("ticket_refresh", ticket)).url == url("ticket", ticket)


class TestHeldReply:
    def reply(self, client, ticket, version, htmx=True, **extra):
        data = {"text": "My careful answer", "kind": "reply", "version": version, **extra}
        return client.post(url("ticket_reply", ticket), data, headers=HTMX if htmx else {})

    def test_unchanged_ticket_posts_directly(self, signed_in, agent, ticket):
        version = page_version(signed_in, ticket)
        response = self.reply(signed_in, ticket, version, htmx=False)
        assert response.status_code == 302
        assert ticket.replies.get().text == "My careful answer"

    def test_pinned_query_count(self, signed_in, ticket, django_assert_num_queries):
        version = page_version(signed_in, ticket)
        # session, user, the ticket and its tags; two savepoints (the view's and the
        # service's, as the test runs in a transaction); the ticket's row lock, the changes
        # since the version (under that one lock), the reply, the team-replied and the old
        # status (in one query), the ticket's update, the status and reply events (in one
        # INSERT); two releases; and what the change's reactions read once into the cache,
        # which this test cleared: the active SLA policies, the active triggers and the
        # events webhooks subscribe to (tickets.changes).
        with django_assert_num_queries(17):
            response = self.reply(signed_in, ticket, version, htmx=False)
        assert response.status_code == 302

    def test_own_changes_do_not_hold_the_reply(self, signed_in, agent, ticket):
        version = page_version(signed_in, ticket)
        signed_in.post(url("ticket_priority", ticket), {"priority": 3}, headers=HTMX)
        assert self.reply(signed_in, ticket, version).status_code == 200
        assert ticket.replies.count() == 1

    def test_stale_version_is_held_with_the_text_kept_then_sent_anyway(
        self, signed_in, agent, other_agent, ticket
    ):
        other_agent.first_name = "Ben"
        other_agent.save()
        version = page_version(signed_in, ticket)
        services.post_reply(
            ticket=ticket, text="Ben's answer came first", author=other_agent, channel=Channel.WEB
        )
        response = self.reply(signed_in, ticket, version)
        assert response.status_code == 422
        html = response.content.decode()
        assert ticket.replies.count() == 1  # only Ben's
        assert "Not sent yet: the ticket changed while you were writing." in html
        assert "Ben&#x27;s answer came first" in html
        assert "My careful answer</textarea>" in html
        assert "Send anyway" in html
        assert "attach them again" not in html
        # The page's notice of new activity is cleared: the warning says it all.
        assert '<div id="presence-news" hx-swap-oob="true">' in html
        new_version = re.search(r'id="reply-version" value="([^"]+)"', html).group(1)
        assert new_version != version
        response = self.reply(signed_in, ticket, new_version, send_anyway="1")
        assert response.status_code == 200
        texts = list(ticket.replies.order_by("id").values_list("text", flat=True))
        assert texts == ["Ben's answer came first", "My careful answer"]
        event = ticket.events.filter(kind=TicketEvent.Kind.REPLY_ADDED).latest("id")
        assert event.actor == agent

    def test_held_without_htmx_shows_the_page(self, signed_in, other_agent, ticket):
        version = page_version(signed_in, ticket)
        services.update_ticket(
            ticket=ticket, subject="Changed by Ben", actor=other_agent, channel=Channel.WEB
        )
        response = self.reply(signed_in, ticket, version, htmx=False, kind="note")
        assert response.status_code == 422
        html = response.content.decode()
        assert "<html" in html and "Changed by Ben" in html
        assert "subject changed" in html
        assert "Your note is kept below" in html
        assert not ticket.replies.exists()

    def test_files_chosen_must_be_attached_again(self, signed_in, other_agent, ticket):
        from django.core.files.uploadedfile import SimpleUploadedFile

        version = page_version(signed_in, ticket)
        services.post_reply(ticket=ticket, text="Hi", author=other_agent, channel=Channel.WEB)
        upload = SimpleUploadedFile("log.txt", b"lines", content_type="text/plain")
        response = self.reply(signed_in, ticket, version, attachments=upload)
        assert response.status_code == 422
        assert "attach them again" in response.content.decode()
        assert ticket.replies.count() == 1

    def test_missing_version_posts_and_bad_version_is_held(self, signed_in, other_agent, ticket):
        services.post_reply(ticket=ticket, text="Hi", author=other_agent, channel=Channel.WEB)
        response = signed_in.post(
            url("ticket_reply", ticket), {"text": "No version", "kind": "reply"}, headers=HTMX
        )
        assert response.status_code == 200
        assert self.reply(signed_in, ticket, "not-a-date").status_code == 422
        assert list(ticket.replies.values_list("text", flat=True).order_by("id")) == [
            "Hi",
            "No version",
        ]

    def test_invalid_form_shows_errors_before_any_check(self, signed_in, other_agent, ticket):
        version = page_version(signed_in, ticket)
        services.post_reply(ticket=ticket, text="Hi", author=other_agent, channel=Channel.WEB)
        response = self.reply(signed_in, ticket, version, text="")
        assert response.status_code == 422
        html = response.content.decode()
        assert "This field is required." in html
        assert "Not sent yet" not in html
        assert ticket.replies.filter(kind=Reply.Kind.REPLY).count() == 1


class TestAdmin:
    def test_read_only_list(self, client, admin_user, other_agent, ticket):
        factories.TicketPresenceFactory(ticket=ticket, agent=other_agent, is_replying=True)
        client.force_login(admin_user)
        changelist = reverse("admin:tickets_ticketpresence_changelist")
        response = client.get(changelist)
        assert response.status_code == 200
        assert f"#{ticket.pk}" in response.content.decode()
        assert client.get(reverse("admin:tickets_ticketpresence_add")).status_code == 403
        row = TicketPresence.objects.get()
        change = reverse("admin:tickets_ticketpresence_change", args=[row.pk])
        assert client.post(change, {"is_replying": ""}).status_code == 403
        assert TicketPresence.objects.get().is_replying is True
