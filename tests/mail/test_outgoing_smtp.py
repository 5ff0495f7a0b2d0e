"""Mail out over a real SMTP server on loopback (aiosmtpd): what a client's mail program
receives, after a message read from a real IMAP server (Dovecot) opened the ticket."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from django.core.management import call_command

from mail.models import Mailbox
from tests import factories
from tickets import services
from tickets.models import Channel, Reply, Ticket
from tickets.notifications import ticket_message_id

from .conftest import DOMAIN, make_email

pytestmark = pytest.mark.django_db

CLIENT_MESSAGE_ID = "<first-mail-42@acme.example>"


@pytest.fixture
def mailbox(dovecot, settings):
    settings.MAIL_IMAP_CA_FILE = dovecot.cafile
    return factories.MailboxFactory(
        name="Support",
        address=f"support@{DOMAIN}",
        from_name="Example Support",
        send_acknowledgment=True,
        imap_host=dovecot.host,
        imap_port=dovecot.ssl_port,
        imap_security=Mailbox.Security.TLS,
        imap_user=dovecot.user,
        imap_password=dovecot.password,
        imap_folder=dovecot.new_folder(),
    )


@pytest.fixture
def email_ticket(dovecot, mailbox, smtp_server, settings, django_capture_on_commit_callbacks):
    """A ticket opened by a client's email read over IMAP; its acknowledgment went out
    through the SMTP server."""
    settings.MAILERS = smtp_server.mailers()
    dovecot.append(
        mailbox.imap_folder,
        [make_email(subject="Printer on floor 3 is broken", message_id=CLIENT_MESSAGE_ID)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetch_mail", stdout=None)
    return Ticket.objects.get()


def test_the_acknowledgment_of_a_new_email_ticket(email_ticket, smtp_server):
    [ack] = smtp_server.messages

    assert ack["From"] == f"Example Support <support@{DOMAIN}>"
    assert ack["X-MailFrom"] == f"support@{DOMAIN}"
    assert ack["To"] == "Jane Roe <jane@acme.example>"
    assert ack["X-RcptTo"] == "jane@acme.example"
    assert ack["Subject"] == f"Re: [#{email_ticket.pk}] Printer on floor 3 is broken"
    assert ack["Message-ID"] == ticket_message_id(email_ticket)
    assert ack["In-Reply-To"] == CLIENT_MESSAGE_ID
    assert ack["References"] == CLIENT_MESSAGE_ID
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"


def test_an_agents_reply_to_an_email_ticket(
    email_ticket, smtp_server, agent, django_capture_on_commit_callbacks
):
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        posted = services.post_reply(
            ticket=email_ticket,
            text="Please power-cycle it.",
            kind=Reply.Kind.REPLY,
            author=agent,
            channel=Channel.WEB,
        )

    [reply] = smtp_server.messages
    posted.refresh_from_db()
    root = ticket_message_id(email_ticket)
    assert parseaddr(reply["From"]) == ("Example Support", f"support@{DOMAIN}")
    assert reply["X-RcptTo"] == "jane@acme.example"
    assert reply["Subject"] == f"Re: [#{email_ticket.pk}] Printer on floor 3 is broken"
    assert posted.message_id.startswith("<reply-")
    assert reply["Message-ID"] == posted.message_id
    assert reply["In-Reply-To"] == root
    assert reply["References"].split() == [CLIENT_MESSAGE_ID, root]
    assert "Auto-Submitted" not in reply
    assert "Please power-cycle it." in reply.get_body(("plain",)).get_content()
