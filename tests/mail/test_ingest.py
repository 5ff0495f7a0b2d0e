"""Mail in: new tickets and new requesters, threading, replies, loops, bounces, nothing lost."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail as outbox
from freezegun import freeze_time

from mail import ingest
from mail.models import InboundMessage
from tests import factories
from tickets import notifications, services
from tickets.models import (
    Channel,
    Client,
    Contact,
    NotificationSettings,
    Reply,
    Source,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.statuses import FixedStatus

from .conftest import DOMAIN, make_email

# Real commits: the emails are queued after them, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

Outcome = InboundMessage.Outcome


def receive(raw: bytes, mailbox=None) -> InboundMessage:
    return ingest.receive(raw, mailbox=mailbox).message


def sent_to(address: str) -> list:
    return [m for m in outbox.outbox if address in " ".join(m.to)]


class TestNewTickets:
    def test_a_new_sender_becomes_a_client_a_contact_and_a_ticket(self, mailbox):
        message = receive(make_email(), mailbox)
        assert message.outcome == Outcome.TICKET_CREATED
        ticket = message.ticket
        ticket.refresh_from_db()
        assert ticket.subject == "Printer on floor 3 is broken"
        assert ticket.message.startswith("It shows error 42")
        assert ticket.source == Source.EMAIL
        assert ticket.department == mailbox.department
        assert ticket.mailbox == mailbox
        assert ticket.status_id == FixedStatus.OPEN
        assert ticket.requester.email == "jane@acme.example"
        assert ticket.requester.name == "Jane Roe"
        assert ticket.client.name == "Jane Roe"
        event = ticket.events.get()
        assert (event.kind, event.channel, event.actor) == (
            TicketEvent.Kind.CREATED,
            Channel.EMAIL,
            None,
        )

    def test_the_message_is_kept_whole(self, mailbox):
        raw = make_email()
        message = receive(raw, mailbox)
        assert ingest.read_raw(message) == raw
        assert message.sender == "jane@acme.example"
        assert message.message_id.startswith("<") and message.size == len(raw)

    def test_a_known_contact_is_found_whatever_the_case(self, mailbox):
        contact = factories.ContactFactory(email="Jane@Acme.example")
        message = receive(make_email(sender="JANE@acme.EXAMPLE"), mailbox)
        assert message.ticket.requester == contact
        assert Client.objects.count() == 1

    def test_an_unknown_sender_of_a_registered_domain_joins_that_client(self, mailbox):
        domain = factories.ClientDomainFactory(domain="acme.example")
        message = receive(make_email(sender="bob@acme.example"), mailbox)
        requester = message.ticket.requester
        assert requester.client == domain.client
        assert requester.email == "bob@acme.example"

    def test_copied_addresses_become_cc_contacts_but_ours_and_agents(self, mailbox, agent):
        raw = make_email(
            headers={"Cc": f"Max <max@acme.example>, {mailbox.address}, {agent.email}"}
        )
        ticket = receive(raw, mailbox).ticket
        assert [c.email for c in ticket.cc.all()] == ["max@acme.example"]
        assert ticket.cc.get().client == ticket.client

    def test_an_empty_subject(self, mailbox):
        assert receive(make_email(subject=""), mailbox).ticket.subject == "(no subject)"

    def test_the_acknowledgment(self, mailbox):
        ticket = receive(make_email(), mailbox).ticket
        (ack,) = outbox.outbox
        assert ack.to == ["Jane Roe <jane@acme.example>"]
        assert ack.from_email == f"Example Support <{mailbox.address}>"
        assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
        assert ack.extra_headers["Message-ID"] == notifications.ticket_message_id(ticket)
        assert ack.extra_headers["In-Reply-To"] == ticket.message_id
        assert f"[#{ticket.pk}]" in ack.subject

    def test_no_acknowledgment_when_the_mailbox_sends_none(self, mailbox):
        mailbox.send_acknowledgment = False
        mailbox.save()
        receive(make_email(), mailbox)
        assert outbox.outbox == []

    def test_at_most_five_acknowledgments_per_sender_per_hour(self, mailbox):
        with freeze_time("2026-12-07 10:00"):
            for n in range(7):
                receive(make_email(subject=f"Request {n}"), mailbox)
        assert len(outbox.outbox) == ingest.ACKNOWLEDGMENTS_PER_HOUR
        with freeze_time("2026-12-07 11:30"):
            receive(make_email(subject="Later"), mailbox)
        assert len(outbox.outbox) == ingest.ACKNOWLEDGMENTS_PER_HOUR + 1

    def test_spam_flagged_by_the_mail_server(self, mailbox):
        message = receive(make_email(headers={"X-Spam-Flag": "YES"}), mailbox)
        assert message.ticket.is_spam
        assert outbox.outbox == []

    def test_a_required_custom_field_does_not_refuse_mail(self, mailbox):
        factories.CustomFieldFactory(key="order", required=True)
        assert receive(make_email(), mailbox).outcome == Outcome.TICKET_CREATED

    def test_no_sender_is_filed_under_unknown_senders(self, mailbox):
        message = receive(make_email(sender=""), mailbox)
        assert message.outcome == Outcome.TICKET_CREATED
        assert message.ticket.client.name == "Unknown senders"
        assert message.ticket.requester is None
        assert outbox.outbox == []


class TestThreading:
    @pytest.fixture
    def ticket(self, mailbox, agent):
        ticket = receive(make_email(), mailbox).ticket
        services.assign(ticket=ticket, assignee=agent, actor=None, channel=Channel.API)
        outbox.outbox.clear()
        return Ticket.objects.get(pk=ticket.pk)

    def answer(self, ticket, **kwargs) -> bytes:
        kwargs.setdefault("subject", f"Re: [#{ticket.pk}] {ticket.subject}")
        kwargs.setdefault("body", "It works again, thanks.\n\n> quoted earlier text")
        return make_email(**kwargs)

    def test_an_answer_to_our_reply_is_a_client_reply(self, ticket, mailbox, agent):
        ours = services.post_reply(
            ticket=ticket, text="Please restart it.", author=agent, channel=Channel.WEB
        )
        ticket.refresh_from_db()
        services.change_status(
            ticket=ticket,
            status=TicketStatus.objects.get(pk=FixedStatus.CLOSED),
            actor=agent,
            channel=Channel.WEB,
        )
        outbox.outbox.clear()
        message = receive(self.answer(ticket, headers={"In-Reply-To": ours.message_id}), mailbox)
        assert message.outcome == Outcome.REPLY_ADDED
        reply = message.reply
        assert reply.ticket == ticket and reply.author_contact == ticket.requester
        assert reply.text == "It works again, thanks."
        assert reply.message_id == message.message_id and reply.source == Source.EMAIL
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CUSTOMER_REPLIED
        assert ticket.resolved_at is None  # reopened
        assert ticket.last_reply_at == reply.created_at
        # The assignee hears of it.
        (notice,) = outbox.outbox
        assert notice.to == [f"{agent.get_full_name()} <{agent.email}>"]
        assert notice.subject.startswith("Client replied: ")

    def test_references_to_our_signed_root_id(self, ticket, mailbox):
        root = notifications.ticket_message_id(ticket)
        raw = self.answer(ticket, subject="no tag", headers={"References": f"<x@y> {root}"})
        assert receive(raw, mailbox).reply.ticket == ticket

    def test_a_forged_root_id_starts_a_new_ticket(self, ticket, mailbox):
        forged = f"<ticket-{ticket.pk}.000000000000@{DOMAIN}>"
        raw = self.answer(ticket, subject="Hello", headers={"In-Reply-To": forged})
        message = receive(raw, mailbox)
        assert message.outcome == Outcome.TICKET_CREATED and message.ticket != ticket

    def test_the_subject_tag_from_the_requester(self, ticket, mailbox):
        assert receive(self.answer(ticket), mailbox).reply.ticket == ticket

    def test_the_subject_tag_from_a_cc_contact(self, ticket, mailbox):
        cc = factories.ContactFactory(client=ticket.client, email="cc@acme.example")
        ticket.cc.add(cc)
        reply = receive(self.answer(ticket, sender="cc@acme.example"), mailbox).reply
        assert reply.author_contact == cc

    def test_a_forged_tag_from_a_stranger_starts_a_new_ticket(self, ticket, mailbox):
        message = receive(self.answer(ticket, sender="stranger@evil.example"), mailbox)
        assert message.outcome == Outcome.TICKET_CREATED
        assert message.ticket != ticket
        assert ticket.replies.count() == 0

    def test_an_agent_answers_by_email(self, ticket, mailbox, agent):
        raw = self.answer(ticket, sender=agent.email, body="Fixed on our side.")
        reply = receive(raw, mailbox).reply
        assert reply.author_agent == agent and reply.source == Source.EMAIL
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.ANSWERED
        # The client gets the agent's answer, from the mailbox.
        (sent,) = outbox.outbox
        assert sent.to == ["Jane Roe <jane@acme.example>"]
        assert sent.from_email == f"Example Support <{mailbox.address}>"
        assert sent.extra_headers["Message-ID"] == reply.message_id

    def test_an_automatic_reply_notifies_nobody(self, ticket, mailbox):
        raw = self.answer(ticket, headers={"Auto-Submitted": "auto-replied"})
        message = receive(raw, mailbox)
        assert message.outcome == Outcome.REPLY_ADDED
        assert outbox.outbox == []

    def test_the_assignee_can_turn_the_notice_off(self, ticket, mailbox, agent):
        NotificationSettings.objects.create(agent=agent, on_client_reply=False)
        receive(self.answer(ticket), mailbox)
        assert outbox.outbox == []

    def test_without_assignee_the_mailbox_s_agents_hear_of_it(self, ticket, mailbox, other_agent):
        services.assign(ticket=ticket, assignee=None, actor=None, channel=Channel.API)
        mailbox.notify_agents.add(other_agent)
        receive(self.answer(ticket), mailbox)
        assert [m.to for m in outbox.outbox] == [
            [f"{other_agent.get_full_name()} <{other_agent.email}>"]
        ]

    def test_the_same_message_in_two_mailboxes_is_one_reply(self, ticket, mailbox):
        other = factories.MailboxFactory(department=mailbox.department)
        raw = self.answer(ticket)
        receive(raw, mailbox)
        second = receive(raw, other)
        assert second.outcome == Outcome.IGNORED
        assert ticket.replies.count() == 1

    def test_a_contact_of_another_client_gets_a_ticket_of_their_own(self, ticket, mailbox):
        factories.ContactFactory(email="else@other.example")
        root = notifications.ticket_message_id(ticket)
        raw = self.answer(ticket, sender="else@other.example", headers={"In-Reply-To": root})
        assert receive(raw, mailbox).outcome == Outcome.TICKET_CREATED


class TestLoopsAndBounces:
    def test_mail_from_our_own_address_is_ignored(self, mailbox):
        message = receive(make_email(sender=mailbox.address), mailbox)
        assert message.outcome == Outcome.IGNORED
        assert "own" in message.reason
        assert Ticket.objects.count() == 0

    def test_the_same_message_twice_is_processed_once(self, mailbox):
        raw = make_email()
        first = ingest.receive(raw, mailbox=mailbox)
        again = ingest.receive(raw, mailbox=mailbox)
        assert first.new and not again.new
        assert again.message == first.message
        assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1

    def test_a_bounce_of_our_reply_is_recorded_on_the_ticket(self, mailbox, agent):
        ticket = receive(make_email(), mailbox).ticket
        ours = services.post_reply(ticket=ticket, text="Hello", author=agent, channel=Channel.WEB)
        dsn = _dsn(bounce_of=ours.message_id, recipient="jane@acme.example", to=mailbox.address)
        message = receive(dsn, mailbox)
        assert message.outcome == Outcome.BOUNCE_RECORDED and message.ticket == ticket
        event = ticket.events.get(kind=TicketEvent.Kind.EMAIL_BOUNCED)
        assert event.new_value["addresses"] == ["jane@acme.example"]
        assert Contact.objects.get(email="jane@acme.example").bounced_at is not None
        assert Ticket.objects.count() == 1

    def test_a_bounce_about_mail_we_did_not_send_is_ignored(self, mailbox):
        message = receive(_dsn(bounce_of="<other@else>", recipient="x@y.example"), mailbox)
        assert message.outcome == Outcome.IGNORED
        assert Ticket.objects.count() == 0


class TestFilesAndFailures:
    def test_a_blocked_file_is_dropped_with_a_line_the_message_kept(self, mailbox):
        raw = make_email(
            attachments=[
                ("setup.exe", "application/octet-stream", b"MZ..."),
                ("notes.txt", "text/plain", b"some notes"),
            ]
        )
        message = receive(raw, mailbox)
        ticket = message.ticket
        assert [a.name for a in ticket.attachments.all()] == ["notes.txt"]
        assert "setup.exe" in ticket.message and "Attachment dropped" in ticket.message
        assert "setup.exe" in message.reason

    def test_a_failure_is_recorded_and_the_message_can_be_processed_again(
        self, mailbox, monkeypatch
    ):
        def broken(*args, **kwargs):
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(ingest.services, "create_ticket", broken)
        message = receive(make_email(), mailbox)
        assert message.outcome == Outcome.FAILED
        assert "the disk is full" in message.reason
        assert Ticket.objects.count() == 0
        monkeypatch.undo()
        assert ingest.process(message).outcome == Outcome.TICKET_CREATED


def _dsn(*, bounce_of: str, recipient: str, to: str = f"support@{DOMAIN}") -> bytes:
    """A delivery status notification (RFC 3464) about the message `bounce_of`."""
    return (
        "From: MAILER-DAEMON@mx.acme.example (Mail Delivery System)\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "Message-ID: <dsn-1@mx.acme.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nI could not deliver your message.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {bounce_of}\r\nSubject: Re: something\r\n\r\n--B--\r\n"
    ).encode()


def test_received_at_is_now(mailbox):
    with freeze_time("2026-12-07 09:00:00"):
        message = receive(make_email(), mailbox)
    assert message.received_at == datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.UTC)
    assert Reply.objects.count() == 0


def test_a_delivery_report_naming_a_client_s_own_message_is_not_trusted(mailbox):
    ticket = receive(make_email(message_id="<client-own@acme.example>"), mailbox).ticket
    message = receive(_dsn(bounce_of="<client-own@acme.example>", recipient="jane@acme.example"))
    assert message.outcome == Outcome.IGNORED
    assert not ticket.events.filter(kind=TicketEvent.Kind.EMAIL_BOUNCED).exists()
    assert Contact.objects.get(email="jane@acme.example").bounced_at is None


class TestStatements:
    """What a message costs the database, pinned: ingestion is measured in messages a
    second (benchmarks/ingest_email.py), and a statement more per message shows there."""

    def warm_up(self, mailbox):
        # The mailbox and agent addresses are cached for 30 s after the first message.
        receive(
            make_email(sender="Warm Up <warm@up.example>", message_id="<warm@up.example>"), mailbox
        )

    def test_a_new_ticket_from_a_new_sender(self, mailbox, django_assert_num_queries):
        from django.db import connection

        self.warm_up(mailbox)
        # Keep, then: read the message, look for a ticket it answers, (PostgreSQL: lock the
        # address), the contact, the domain, a new client and contact, the default status,
        # the ticket and its event in a savepoint, the acknowledgment limit, the outcome,
        # and the acknowledgment's task.
        expected = 20 if connection.vendor == "postgresql" else 19
        with django_assert_num_queries(expected):
            message = receive(make_email(sender="New Person <new@person.example>"), mailbox)
        assert message.outcome == Outcome.TICKET_CREATED

    def test_a_client_reply(self, mailbox, django_assert_num_queries):
        ticket = receive(make_email(), mailbox).ticket
        self.warm_up(mailbox)
        answer = make_email(
            subject=f"Re: [#{ticket.pk}] {ticket.subject}",
            headers={"In-Reply-To": notifications.ticket_message_id(ticket)},
            message_id="<answer@acme.example>",
        )
        # Keep, then: read the message, the ticket its headers name, whether another
        # mailbox added it already, the contact; in a savepoint: the ticket's lock, the
        # reply, the statuses, the ticket's update, the status and reply events (one
        # INSERT); the outcome, and the notice's task.
        with django_assert_num_queries(19):
            message = receive(answer, mailbox)
        assert message.outcome == Outcome.REPLY_ADDED
