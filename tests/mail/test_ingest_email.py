"""`manage.py ingest_email`: each fixture message piped in, with its expected outcome; exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail as outbox
from django.core.management import call_command
from django.core.management.base import CommandError

from mail.models import InboundMessage
from tests import factories
from tickets import notifications
from tickets.models import Channel, Reply, Ticket, TicketEvent

from .conftest import DOMAIN, make_email
from .fixtures import fixture_names, large_attachment_message, load

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = InboundMessage.Outcome
# The fixtures' names for the thread of ticket 1 and for one of our replies in it.
FIXTURE_ROOT = b"<ticket-1.abcdef12@helpdesk.example.test>"
FIXTURE_REPLIES = [
    "<reply-abc123.ticket-1@helpdesk.example.test>",
    "<reply-def456.ticket-1@helpdesk.example.test>",
]


def pipe(raw: bytes, *args: str) -> str:
    """Run the command with `raw` on its standard input; what it printed."""
    stdin, stdout = sys.stdin, io.StringIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw))
    try:
        call_command("ingest_email", *args, stdout=stdout)
    finally:
        sys.stdin = stdin
    return stdout.getvalue()


@pytest.fixture
def scene(mailbox, agent):
    """Ticket 1's thread as the fixtures know it: a ticket of Acme (acme.example) whose
    requester is Bob, assigned to `agent`, with our replies in it; the fixtures are
    rewritten to name it."""
    acme = factories.ClientFactory(name="Acme")
    factories.ClientDomainFactory(client=acme, domain="acme.example")
    bob = factories.ContactFactory(client=acme, name="Bob Miller", email="bob@acme.example")
    ticket = factories.TicketFactory(
        client=acme, requester=bob, department=mailbox.department, mailbox=mailbox, assignee=agent
    )
    for message_id in FIXTURE_REPLIES:
        factories.ReplyFactory(ticket=ticket, author_agent=agent, message_id=message_id)

    def rewrite(raw: bytes) -> bytes:
        root = notifications.ticket_message_id(ticket).encode()
        return raw.replace(FIXTURE_ROOT, root).replace(b"[#1]", f"[#{ticket.pk}]".encode())

    return ticket, rewrite


# The outcome of each fixture, piped into the mailbox of the scene.
EXPECTED = {
    "plain_text.eml": Outcome.TICKET_CREATED,
    "html_only.eml": Outcome.TICKET_CREATED,
    "alternative_with_attachments.eml": Outcome.TICKET_CREATED,
    "inline_image.eml": Outcome.TICKET_CREATED,
    "latin1_body.eml": Outcome.TICKET_CREATED,
    "shift_jis_body.eml": Outcome.TICKET_CREATED,
    "subject_utf8_base64.eml": Outcome.TICKET_CREATED,
    "subject_utf8_quoted_printable.eml": Outcome.TICKET_CREATED,
    "subject_shift_jis.eml": Outcome.TICKET_CREATED,
    "blocked_exe_attachment.eml": Outcome.TICKET_CREATED,
    "no_from.eml": Outcome.TICKET_CREATED,
    "no_message_id.eml": Outcome.TICKET_CREATED,
    "broken_multipart_no_boundary.eml": Outcome.TICKET_CREATED,
    "broken_bad_base64.eml": Outcome.TICKET_CREATED,
    "broken_bogus_charset.eml": Outcome.TICKET_CREATED,
    "broken_content_type_name_star.eml": Outcome.TICKET_CREATED,
    "broken_address_header.eml": Outcome.TICKET_CREATED,
    "auto_reply_out_of_office.eml": Outcome.REPLY_ADDED,
    "exchange_out_of_office.eml": Outcome.REPLY_ADDED,
    "bounce_dsn_postfix.eml": Outcome.BOUNCE_RECORDED,
    "bounce_dsn_headers_only.eml": Outcome.BOUNCE_RECORDED,
    "bounce_qmail.eml": Outcome.BOUNCE_RECORDED,
    "reply_gmail.eml": Outcome.REPLY_ADDED,
    "reply_outlook_web.eml": Outcome.REPLY_ADDED,
    "reply_outlook_desktop.eml": Outcome.REPLY_ADDED,
    "reply_apple_mail.eml": Outcome.REPLY_ADDED,
    "reply_gmail_german.eml": Outcome.REPLY_ADDED,
    "reply_inline_answers.eml": Outcome.REPLY_ADDED,
    "forged_ticket_tag.eml": Outcome.TICKET_CREATED,
    "spam_flagged.eml": Outcome.TICKET_CREATED,
    "mailing_list.eml": Outcome.TICKET_CREATED,
    "forwarded_message.eml": Outcome.TICKET_CREATED,
}
# Automatic or unwanted: never acknowledged.
SILENT = {
    "auto_reply_out_of_office.eml",
    "exchange_out_of_office.eml",
    "spam_flagged.eml",
    "mailing_list.eml",
    "no_from.eml",
}


def test_every_fixture_has_an_expected_outcome():
    assert set(EXPECTED) == set(fixture_names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_piped_in(scene, mailbox, name):
    ticket, rewrite = scene
    printed = pipe(rewrite(load(name)), "--mailbox", mailbox.name)
    message = InboundMessage.objects.get()
    assert message.outcome == EXPECTED[name], (message.outcome, message.reason)
    assert f"Message {message.pk}:" in printed
    if message.outcome == Outcome.REPLY_ADDED:
        assert message.reply.ticket == ticket
        # The assignee hears of a person's reply, never of an automatic one.
        notified = [m for m in outbox.outbox if m.subject.startswith("Client replied")]
        assert bool(notified) is (name not in SILENT), name
        assert "> " not in message.reply.text or name == "reply_inline_answers.eml"
    if message.outcome == Outcome.TICKET_CREATED:
        created = message.ticket
        assert created != ticket
        assert "<html" not in created.message.lower() and "<script" not in created.message
        acknowledged = bool(outbox.outbox)
        assert acknowledged is (name not in SILENT), outbox.outbox
    if message.outcome == Outcome.BOUNCE_RECORDED:
        assert message.ticket == ticket
        assert ticket.events.filter(kind=TicketEvent.Kind.EMAIL_BOUNCED).exists()


def test_the_quoted_thread_is_stripped_from_a_gmail_reply(scene, mailbox):
    ticket, rewrite = scene
    pipe(rewrite(load("reply_gmail.eml")), "--mailbox", mailbox.name)
    reply = Reply.objects.get(author_contact__email="ana@acme.example")
    assert reply.ticket == ticket
    assert reply.text.startswith("Thanks, that fixed it.")
    assert "Please power-cycle" not in reply.text


def test_files_are_kept_and_a_blocked_one_is_named(scene, mailbox):
    _, rewrite = scene
    pipe(rewrite(load("alternative_with_attachments.eml")), "--mailbox", mailbox.name)
    created = InboundMessage.objects.get().ticket
    assert (
        sorted(a.name for a in created.attachments.all())
        == sorted(["Rechnung März.pdf", "notes.txt"])
        or created.attachments.count() == 2
    )
    InboundMessage.objects.all().delete()
    pipe(rewrite(load("blocked_exe_attachment.eml")), "--mailbox", mailbox.name)
    blocked = InboundMessage.objects.get().ticket
    assert blocked.attachments.count() == 0
    assert "Attachment dropped" in blocked.message and ".exe" in blocked.message


def test_an_inline_image_is_kept(scene, mailbox):
    _, rewrite = scene
    pipe(rewrite(load("inline_image.eml")), "--mailbox", mailbox.name)
    created = InboundMessage.objects.get().ticket
    assert [a.content_type for a in created.attachments.all()] == ["image/png"]


def test_a_15_mb_attachment(mailbox):
    pipe(large_attachment_message())
    message = InboundMessage.objects.get()
    assert message.outcome == Outcome.TICKET_CREATED
    (attachment,) = message.ticket.attachments.all()
    assert attachment.size == 15 * 1024 * 1024


def test_the_same_message_twice(mailbox):
    raw = make_email()
    pipe(raw)
    printed = pipe(raw)
    assert "Already received" in printed
    assert InboundMessage.objects.count() == 1 and Ticket.objects.count() == 1


def test_mail_from_our_own_address(mailbox):
    pipe(make_email(sender=f"Support <{mailbox.address}>"))
    assert InboundMessage.objects.get().outcome == Outcome.IGNORED
    assert Ticket.objects.count() == 0


def test_the_mailbox_is_found_among_the_recipients(mailbox):
    other = factories.MailboxFactory(address=f"sales@{DOMAIN}")
    pipe(make_email(to=f"someone@else.example, Sales <{other.address}>"))
    assert InboundMessage.objects.get().mailbox == other
    pipe(make_email(to="x@else.example", headers={"Delivered-To": mailbox.address}))
    assert InboundMessage.objects.latest("pk").mailbox == mailbox


def test_no_mailbox_exits_67(mailbox):
    with pytest.raises(CommandError) as refused:
        pipe(make_email(to="nobody@else.example"))
    assert refused.value.returncode == 67
    with pytest.raises(CommandError) as unknown:
        pipe(make_email(), "--mailbox", "No such mailbox")
    assert unknown.value.returncode == 67
    assert InboundMessage.objects.count() == 0


def test_history_and_channel(mailbox):
    pipe(make_email())
    event = InboundMessage.objects.get().ticket.events.get()
    assert event.channel == Channel.EMAIL


def _manage(raw: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=raw,
        capture_output=True,
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_a_database_that_cannot_be_reached_exits_75():
    """The MTA keeps the message and tries again (a real process, a closed port)."""
    done = _manage(make_email(), {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/helpdesk"})
    assert done.returncode == 75, done.stderr
    assert b"try again later" in done.stderr
