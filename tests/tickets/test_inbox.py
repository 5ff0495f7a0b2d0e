"""Mentions in notes and the bell of the top bar (tickets.mentions, tickets.inbox): who is
told of what, the emails, the panel, marking read, and the @ suggester's agents."""

import pytest
from django.urls import reverse

from tests import factories
from tickets import services
from tickets.mentions import mentioned_usernames
from tickets.models import Channel, Notification, NotificationSettings, Reply

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
Kind = Notification.Kind


@pytest.fixture
def alice(db):
    return factories.AgentFactory(username="alice", first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(db):
    return factories.AgentFactory(username="bob.b", first_name="Bob", last_name="Baker")


def note(ticket, author, text, capture, channel=Channel.WEB):
    with capture(execute=True):
        return services.post_reply(
            ticket=ticket, text=text, kind=Reply.Kind.NOTE, author=author, channel=channel
        )


def client_reply(ticket, capture, channel=Channel.EMAIL):
    contact = factories.ContactFactory(client=ticket.client)
    with capture(execute=True):
        return services.post_reply(
            ticket=ticket, text="Still broken", author=contact, channel=channel
        )


# Parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@alice please look", ["alice"]),
        ("Ask @Alice and @bob.b.", ["alice", "bob.b"]),
        ("(@alice) @alice again", ["alice"]),
        ("Write to alice@example.com", []),
        ("@@alice is no mention, nor is a lone @", []),
        ("line\n@carol-x: over to you", ["carol-x"]),
    ],
)
def test_mentioned_usernames(text, names):
    assert mentioned_usernames(text) == names


# Who is told ------------------------------------------------------------------------------


class TestMentions:
    def test_a_mentioned_agent_gets_a_notification_and_an_email(
        self, ticket, agent, alice, mailoutbox, django_capture_on_commit_callbacks
    ):
        alice.email = "alice@helpdesk.example"
        alice.save(update_fields=["email"])
        posted = note(
            ticket, agent, "@alice can you check the invoice?", django_capture_on_commit_callbacks
        )
        notification = Notification.objects.get()
        assert (
            notification.recipient,
            notification.kind,
            notification.reply,
            notification.ticket,
        ) == (
            alice,
            Kind.MENTION,
            posted,
            ticket,
        )
        assert notification.read_at is None
        assert len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.to == ["Alice Archer <alice@helpdesk.example>"]
        assert email.subject == f"You were mentioned: [#{ticket.pk}] {ticket.subject}"
        assert "can you check the invoice?" in email.body
        assert f"/tickets/{ticket.pk}/#reply-{posted.pk}" in email.body

    def test_an_agent_who_turned_the_emails_off_still_sees_the_bell(
        self, client, ticket, agent, alice, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(alice)
        assert client.post(reverse("profile"), {"on_assignment": "on"}).status_code == 302
        assert not NotificationSettings.objects.get(agent=alice).on_mention
        note(ticket, agent, "@alice FYI", django_capture_on_commit_callbacks)
        assert Notification.objects.filter(recipient=alice).count() == 1
        assert mailoutbox == []

    def test_self_mentions_and_inactive_agents_are_ignored(
        self, ticket, alice, mailoutbox, django_capture_on_commit_callbacks
    ):
        factories.AgentFactory(username="gone", is_active=False)
        factories.UserFactory(username="client1")  # not staff: not an agent
        note(ticket, alice, "@alice @gone @client1 @nobody", django_capture_on_commit_callbacks)
        assert not Notification.objects.exists()
        assert mailoutbox == []

    def test_a_public_reply_mentions_nobody(
        self, ticket, agent, alice, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.post_reply(ticket=ticket, text="@alice", author=agent, channel=Channel.WEB)
        assert not Notification.objects.filter(recipient=alice).exists()

    def test_an_import_tells_nobody(
        self, ticket, agent, alice, mailoutbox, django_capture_on_commit_callbacks
    ):
        note(ticket, agent, "@alice", django_capture_on_commit_callbacks, channel=Channel.IMPORT)
        assert not Notification.objects.exists()
        assert mailoutbox == []

    def test_a_note_posted_on_the_page_mentions(
        self, client, ticket, agent, alice, bob, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(agent)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                reverse("ticket_reply", args=[ticket.pk]),
                {"text": "@alice and @BOB.B: see above", "kind": "note"},
            )
        assert answer.status_code == 302
        assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
            "alice",
            "bob.b",
        ]
        assert len(mailoutbox) == 2


class TestClientReplies:
    def test_the_assignee_is_told(self, ticket, alice, django_capture_on_commit_callbacks):
        services.assign(ticket=ticket, assignee=alice, actor=None, channel=Channel.API)
        posted = client_reply(ticket, django_capture_on_commit_callbacks)
        notification = Notification.objects.get()
        assert (notification.recipient, notification.kind, notification.reply) == (
            alice,
            Kind.CLIENT_REPLY,
            posted,
        )

    def test_from_the_portal_too(self, ticket, alice, django_capture_on_commit_callbacks):
        services.assign(ticket=ticket, assignee=alice, actor=None, channel=Channel.API)
        client_reply(ticket, django_capture_on_commit_callbacks, channel=Channel.PORTAL)
        assert Notification.objects.filter(recipient=alice, kind=Kind.CLIENT_REPLY).count() == 1

    def test_nobody_when_unassigned_or_imported(
        self, ticket, alice, django_capture_on_commit_callbacks
    ):
        client_reply(ticket, django_capture_on_commit_callbacks)
        services.assign(ticket=ticket, assignee=alice, actor=None, channel=Channel.API)
        client_reply(ticket, django_capture_on_commit_callbacks, channel=Channel.IMPORT)
        assert not Notification.objects.exists()

    def test_an_agents_reply_tells_nobody(
        self, ticket, alice, agent, django_capture_on_commit_callbacks
    ):
        services.assign(ticket=ticket, assignee=alice, actor=None, channel=Channel.API)
        with django_capture_on_commit_callbacks(execute=True):
            services.post_reply(ticket=ticket, text="Done", author=agent, channel=Channel.WEB)
        assert not Notification.objects.exists()


# The bell and its panel -------------------------------------------------------------------


def notify(recipient, ticket=None, kind=Kind.MENTION, read=False):
    ticket = ticket or factories.TicketFactory()
    reply = factories.ReplyFactory(ticket=ticket)
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        ticket=ticket,
        reply=reply,
        read_at=reply.created_at if read else None,
    )


def bell_count(html):
    start = html.index('id="bell-count"')
    return html[start : html.index("</span>", start)]


class TestBell:
    def test_the_top_bar_counts_the_unread(self, client, alice, bob):
        notify(alice)
        notify(alice, kind=Kind.CLIENT_REPLY)
        notify(alice, read=True)
        notify(bob)
        client.force_login(alice)
        html = client.get(reverse("queue")).content.decode()
        assert ">2<" in bell_count(html)
        assert "hidden" not in bell_count(html)

    def test_no_count_when_all_is_read(self, client, alice):
        notify(alice, read=True)
        client.force_login(alice)
        assert "hidden" in bell_count(client.get(reverse("queue")).content.decode())

    def test_the_panel_lists_the_unread_newest_first(self, client, alice, bob):
        older = notify(alice, kind=Kind.CLIENT_REPLY)
        newer = notify(alice)
        notify(alice, read=True)
        notify(bob)
        client.force_login(alice)
        answer = client.get(reverse("notifications"), headers=HTMX)
        html = answer.content.decode()
        assert "<html" not in html  # a fragment
        assert "2 unread" in html
        links = [f'href="/tickets/{n.ticket_id}/#reply-{n.reply_id}"' for n in (newer, older)]
        assert all(link in html for link in links)
        assert html.index(links[0]) < html.index(links[1])
        assert "mentioned you" in html and "client replied" in html

    def test_the_page_without_javascript(self, client, alice):
        notify(alice)
        client.force_login(alice)
        html = client.get(reverse("notifications")).content.decode()
        assert "<h1>Notifications</h1>" in html and "1 unread" in html

    def test_opening_the_ticket_marks_its_notifications_read(self, client, alice, bob, ticket):
        mine = notify(alice, ticket=ticket)
        other = notify(alice)
        theirs = notify(bob, ticket=ticket)
        client.force_login(alice)
        html = client.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert ">1<" in bell_count(html)
        for notification in (mine, other, theirs):
            notification.refresh_from_db()
        assert mine.read_at is not None
        assert other.read_at is None and theirs.read_at is None

    def test_mark_all_read(self, client, alice, bob):
        mine = [notify(alice), notify(alice)]
        theirs = notify(bob)
        client.force_login(alice)
        answer = client.post(reverse("notifications_read"), headers=HTMX)
        assert answer.status_code == 200
        html = answer.content.decode()
        assert 'id="bell-count"' in html and "hx-swap-oob" in html
        assert "Nothing unread" in html
        assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_mark_all_read_without_javascript_and_post_only(self, client, alice):
        notify(alice)
        client.force_login(alice)
        assert client.get(reverse("notifications_read")).status_code == 405
        answer = client.post(reverse("notifications_read"))
        assert answer.status_code == 302
        assert not Notification.objects.unread_for(alice).exists()

    def test_pinned_query_counts(self, client, alice, django_assert_num_queries):
        for _ in range(5):
            notify(alice)
        client.force_login(alice)
        # session, user, the unread with their tickets and replies' authors (fewer than a
        # panel: no count).
        with django_assert_num_queries(3):
            client.get(reverse("notifications"), headers=HTMX)
        # session, user, the update, the panel (empty).
        with django_assert_num_queries(4):
            client.post(reverse("notifications_read"), headers=HTMX)

    def test_a_full_panel_counts_the_rest(self, client, alice, django_assert_num_queries, settings):
        from tickets import inbox

        for _ in range(inbox.PANEL_SIZE + 2):
            notify(alice)
        client.force_login(alice)
        with django_assert_num_queries(4):
            html = client.get(reverse("notifications"), headers=HTMX).content.decode()
        assert f"{inbox.PANEL_SIZE + 2} unread" in html
        assert f"The newest {inbox.PANEL_SIZE} are shown" in html

    def test_not_for_others(self, client, outsider):
        client.force_login(outsider)
        assert client.get(reverse("notifications")).status_code == 403
        assert client.post(reverse("notifications_read")).status_code == 403


class TestSuggestions:
    def test_active_agents_by_username_or_name(self, client, agent, alice, bob):
        factories.AgentFactory(username="alfred", is_active=False)
        client.force_login(agent)
        html = client.get(reverse("mention_suggestions"), {"q": "al"}).content.decode()
        assert 'data-username="alice"' in html
        assert "alfred" not in html and "bob.b" not in html
        html = client.get(reverse("mention_suggestions"), {"q": "bak"}).content.decode()
        assert 'data-username="bob.b"' in html

    def test_not_oneself_and_an_empty_match(self, client, alice):
        client.force_login(alice)
        html = client.get(reverse("mention_suggestions"), {"q": "ali"}).content.decode()
        assert "No agent matches “@ali”." in html

    def test_pinned_query_count(self, client, agent, alice, bob, django_assert_num_queries):
        client.force_login(agent)
        with django_assert_num_queries(3):
            client.get(reverse("mention_suggestions"), {"q": ""})
