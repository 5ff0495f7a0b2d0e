"""Sticky notes: the services, the ticket page's block and its htmx actions, the history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import Channel, StickyNote, TicketEvent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LATER = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=datetime.UTC)


def events(ticket, kind):
    return list(ticket.events.filter(kind=kind).order_by("id"))


# Services -------------------------------------------------------------------------------


class TestServices:
    def test_add_records_the_text_and_moves_last_updated(self, ticket, agent):
        with freeze_time(LATER):
            note = services.add_sticky_note(
                ticket=ticket, text="  VIP client  ", actor=agent, channel=Channel.WEB
            )
        note.refresh_from_db()
        ticket.refresh_from_db()
        assert note.text == "VIP client"
        assert note.author == agent
        assert note.created_at == note.updated_at == LATER
        assert ticket.updated_at == LATER
        [event] = events(ticket, TicketEvent.Kind.STICKY_NOTE_ADDED)
        assert event.actor == agent
        assert event.channel == Channel.WEB
        assert event.old_value is None
        assert event.new_value == "VIP client"

    def test_add_leaves_the_rest_of_the_ticket_alone(self, ticket, agent):
        before = (ticket.status_id, ticket.replies_count, ticket.last_reply_at)
        services.add_sticky_note(ticket=ticket, text="Hold", actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert (ticket.status_id, ticket.replies_count, ticket.last_reply_at) == before
        assert ticket.events.count() == 1

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "A sticky note needs some text."),
            ("   ", "A sticky note needs some text."),
            ("x" * 501, "A sticky note has at most 500 characters (this one has 501)."),
        ],
    )
    def test_bad_text_is_refused(self, ticket, agent, text, message):
        with pytest.raises(ValidationError) as error:
            services.add_sticky_note(ticket=ticket, text=text, actor=agent, channel=Channel.WEB)
        assert error.value.message_dict == {"text": [message]}
        assert not StickyNote.objects.exists()
        assert not ticket.events.exists()

    def test_500_characters_are_fine(self, ticket, agent):
        note = services.add_sticky_note(
            ticket=ticket, text="x" * 500, actor=agent, channel=Channel.WEB
        )
        assert len(note.text) == 500

    def test_change_records_old_and_new_text(self, ticket, agent, other_agent):
        note = factories.StickyNoteFactory(ticket=ticket, author=agent, text="Old")
        with freeze_time(LATER):
            services.change_sticky_note(
                note=note, text="New", actor=other_agent, channel=Channel.ADMIN
            )
        note.refresh_from_db()
        ticket.refresh_from_db()
        assert note.text == "New"
        assert note.author == agent  # the writer stays; the history says who changed it
        assert note.updated_at == ticket.updated_at == LATER
        [event] = events(ticket, TicketEvent.Kind.STICKY_NOTE_CHANGED)
        assert (event.old_value, event.new_value) == ("Old", "New")
        assert event.actor == other_agent
        assert event.channel == Channel.ADMIN

    def test_change_to_the_same_text_records_nothing(self, ticket, agent):
        note = factories.StickyNoteFactory(ticket=ticket, text="Same")
        updated_at = ticket.updated_at
        services.change_sticky_note(note=note, text=" Same ", actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.updated_at == updated_at
        assert not ticket.events.exists()

    def test_change_to_empty_text_is_refused(self, ticket, agent):
        note = factories.StickyNoteFactory(ticket=ticket, text="Keep me")
        with pytest.raises(ValidationError):
            services.change_sticky_note(note=note, text="", actor=agent, channel=Channel.WEB)
        note.refresh_from_db()
        assert note.text == "Keep me"

    def test_remove_keeps_the_text_in_the_history(self, ticket, agent):
        note = factories.StickyNoteFactory(ticket=ticket, text="Waiting for legal")
        with freeze_time(LATER):
            services.remove_sticky_note(note=note, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert not StickyNote.objects.exists()
        assert ticket.updated_at == LATER
        [event] = events(ticket, TicketEvent.Kind.STICKY_NOTE_REMOVED)
        assert (event.old_value, event.new_value) == ("Waiting for legal", None)

    def test_changing_a_removed_note_is_a_conflict(self, ticket, agent):
        note = factories.StickyNoteFactory(ticket=ticket)
        StickyNote.objects.filter(pk=note.pk).delete()
        with pytest.raises(services.Conflict):
            services.change_sticky_note(note=note, text="New", actor=agent, channel=Channel.WEB)
        with pytest.raises(services.Conflict):
            services.remove_sticky_note(note=note, actor=agent, channel=Channel.WEB)
        assert not ticket.events.exists()


# Views ----------------------------------------------------------------------------------


def add_url(ticket):
    return reverse("sticky_note_add", args=[ticket.pk])


def change_url(note):
    return reverse("sticky_note_change", args=[note.ticket_id, note.pk])


def remove_url(note):
    return reverse("sticky_note_remove", args=[note.ticket_id, note.pk])


class TestTicketPage:
    def test_notes_show_at_the_top_for_every_agent(self, client, ticket, agent, other_agent):
        factories.StickyNoteFactory(ticket=ticket, author=agent, text="VIP <b>client</b>")
        client.force_login(other_agent)
        html = client.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'id="sticky-notes"' in html
        assert "VIP &lt;b&gt;client&lt;/b&gt;" in html
        assert agent.get_full_name() in html
        assert html.index('id="sticky-notes"') < html.index('id="ticket-summary"')

    def test_query_count_does_not_grow_with_the_notes(self, signed_in, ticket):
        factories.StickyNoteFactory(ticket=ticket)
        with CaptureQueriesContext(connection) as one:
            signed_in.get(reverse("ticket", args=[ticket.pk]))
        for _ in range(5):
            factories.StickyNoteFactory(ticket=ticket, author=factories.AgentFactory())
        with CaptureQueriesContext(connection) as six:
            response = signed_in.get(reverse("ticket", args=[ticket.pk]))
        assert len(response.context["sticky_notes"]) == 6
        assert len(six.captured_queries) == len(one.captured_queries)

    def test_notes_of_other_tickets_are_not_shown(self, signed_in, ticket):
        factories.StickyNoteFactory(text="Elsewhere")
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert "Elsewhere" not in html

    def test_history_shows_the_sticky_note_events(self, signed_in, ticket, agent):
        note = services.add_sticky_note(
            ticket=ticket, text="Pinned-one", actor=agent, channel=Channel.WEB
        )
        services.change_sticky_note(note=note, text="Pinned-two", actor=agent, channel=Channel.WEB)
        services.remove_sticky_note(note=note, actor=agent, channel=Channel.WEB)
        for name in ("ticket_history", "ticket"):
            html = signed_in.get(reverse(name, args=[ticket.pk])).content.decode()
            history = html[html.index('id="ticket-history"') if name == "ticket" else 0 :]
            for label in ("Sticky note added", "Sticky note changed", "Sticky note removed"):
                assert label in history
            # Each event shows the note's text: added, before and after, removed.
            assert history.count("Pinned-one") == 2
            assert history.count("Pinned-two") == 2


class TestAdd:
    def test_htmx_add_swaps_the_block_and_the_history(self, signed_in, ticket, agent):
        response = signed_in.post(add_url(ticket), {"text": "Call before 5pm"}, headers=HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            'id="sticky-notes" class="sticky-notes" aria-label="Sticky notes" hx-swap-oob="true"'
            in html
        )
        assert "Call before 5pm" in html
        assert 'id="ticket-history" hx-swap-oob="true"' in html
        assert "Sticky note added" in html
        assert "Sticky note added." in html  # the message
        note = StickyNote.objects.get()
        assert (note.ticket, note.author, note.text) == (ticket, agent, "Call before 5pm")

    def test_without_htmx_redirects_back(self, signed_in, ticket):
        response = signed_in.post(add_url(ticket), {"text": "Plain form"})
        assert response.status_code == 302
        assert response["Location"] == reverse("ticket", args=[ticket.pk]) + "#sticky-notes"
        assert StickyNote.objects.get().text == "Plain form"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "A sticky note needs some text."),
            ("y" * 501, "A sticky note has at most 500 characters (this one has 501)."),
        ],
    )
    def test_bad_text_answers_422_with_the_error(self, signed_in, ticket, text, message):
        response = signed_in.post(add_url(ticket), {"text": text}, headers=HTMX)
        assert response.status_code == 422
        html = response.content.decode()
        assert message in html
        assert '<details class="sticky-note-add" open>' in html
        assert not StickyNote.objects.exists()
        assert not ticket.events.exists()

    def test_bad_text_without_htmx_renders_the_page(self, signed_in, ticket):
        response = signed_in.post(add_url(ticket), {"text": " "})
        assert response.status_code == 422
        assert "A sticky note needs some text." in response.content.decode()

    def test_get_is_not_allowed(self, signed_in, ticket):
        assert signed_in.get(add_url(ticket)).status_code == 405


class TestChangeAndRemove:
    def test_any_agent_changes_a_note(self, client, ticket, agent, other_agent):
        note = factories.StickyNoteFactory(ticket=ticket, author=agent, text="Mine")
        client.force_login(other_agent)
        response = client.post(change_url(note), {"text": "Ours"}, headers=HTMX)
        assert response.status_code == 200
        note.refresh_from_db()
        assert note.text == "Ours"
        [event] = events(ticket, TicketEvent.Kind.STICKY_NOTE_CHANGED)
        assert event.actor == other_agent

    def test_bad_change_shows_the_error_beside_the_note(self, signed_in, ticket):
        note = factories.StickyNoteFactory(ticket=ticket, text="Keep")
        response = signed_in.post(change_url(note), {"text": "z" * 600}, headers=HTMX)
        assert response.status_code == 422
        html = response.content.decode()
        assert f'id="sticky_{note.pk}_text_error"' in html
        assert "at most 500 characters (this one has 600)" in html
        note.refresh_from_db()
        assert note.text == "Keep"

    def test_any_agent_removes_a_note(self, client, ticket, agent, other_agent):
        note = factories.StickyNoteFactory(ticket=ticket, author=agent, text="Bye")
        client.force_login(other_agent)
        response = client.post(remove_url(note), headers=HTMX)
        assert response.status_code == 200
        assert "Bye" not in response.content.decode().split('id="ticket-history"')[0]
        assert not StickyNote.objects.exists()
        assert events(ticket, TicketEvent.Kind.STICKY_NOTE_REMOVED)[0].old_value == "Bye"

    def test_a_note_of_another_ticket_is_not_found(self, signed_in, ticket):
        note = factories.StickyNoteFactory(text="Other ticket")
        wrong_change = reverse("sticky_note_change", args=[ticket.pk, note.pk])
        wrong_remove = reverse("sticky_note_remove", args=[ticket.pk, note.pk])
        assert signed_in.post(wrong_change, {"text": "x"}).status_code == 404
        assert signed_in.post(wrong_remove).status_code == 404
        note.refresh_from_db()
        assert note.text == "Other ticket"

    def test_removing_twice_says_it_is_gone(self, signed_in, ticket):
        note = factories.StickyNoteFactory(ticket=ticket)
        assert signed_in.post(remove_url(note), headers=HTMX).status_code == 200
        assert signed_in.post(remove_url(note), headers=HTMX).status_code == 404

    def test_get_is_not_allowed(self, signed_in, ticket):
        note = factories.StickyNoteFactory(ticket=ticket)
        assert signed_in.get(change_url(note)).status_code == 405
        assert signed_in.get(remove_url(note)).status_code == 405


class TestOutsiders:
    def test_anonymous_is_sent_to_sign_in(self, client, ticket):
        note = factories.StickyNoteFactory(ticket=ticket, text="Keep")
        for url in (add_url(ticket), change_url(note), remove_url(note)):
            response = client.post(url, {"text": "Hacked"})
            assert response.status_code == 302
            assert reverse("login") in response["Location"]
        assert list(StickyNote.objects.values_list("text", flat=True)) == ["Keep"]

    def test_non_agent_is_refused(self, client, outsider, ticket):
        note = factories.StickyNoteFactory(ticket=ticket, text="Keep")
        client.force_login(outsider)
        for url in (add_url(ticket), change_url(note), remove_url(note)):
            assert client.post(url, {"text": "Hacked"}).status_code == 403
        assert list(StickyNote.objects.values_list("text", flat=True)) == ["Keep"]
        assert not ticket.events.exists()


# Admin ----------------------------------------------------------------------------------


class TestAdmin:
    def test_admin_add_change_delete_go_through_the_services(self, client, admin_user, ticket):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_stickynote_add"), {"ticket": ticket.pk, "text": "From admin"}
        )
        assert response.status_code == 302
        note = StickyNote.objects.get()
        assert note.author == admin_user
        response = client.post(
            reverse("admin:tickets_stickynote_change", args=[note.pk]), {"text": "Edited"}
        )
        assert response.status_code == 302
        note.refresh_from_db()
        assert note.text == "Edited"
        response = client.post(
            reverse("admin:tickets_stickynote_delete", args=[note.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not StickyNote.objects.exists()
        kinds = list(ticket.events.order_by("id").values_list("kind", "channel"))
        assert kinds == [
            (TicketEvent.Kind.STICKY_NOTE_ADDED, Channel.ADMIN),
            (TicketEvent.Kind.STICKY_NOTE_CHANGED, Channel.ADMIN),
            (TicketEvent.Kind.STICKY_NOTE_REMOVED, Channel.ADMIN),
        ]

    def test_admin_refuses_empty_text(self, client, admin_user, ticket):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_stickynote_add"), {"ticket": ticket.pk, "text": "  "}
        )
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not StickyNote.objects.exists()
