"""Reading mailboxes over IMAP: `fetch_mail` against a real Dovecot on loopback."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mail import imap, ingest, tasks
from mail.models import InboundMessage, Mailbox
from mail.parsing import parse_email
from tests import factories
from tickets.models import Reply, Ticket
from tickets.notifications import ticket_message_id

from .conftest import DOMAIN, make_email

pytestmark = pytest.mark.django_db

Outcome = InboundMessage.Outcome
Security = Mailbox.Security
SEEN, DONE = b"\\Seen", b"$HelpdeskDone"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _trust_the_test_server(settings, dovecot):
    """Certificates are checked: the test server's own CA is the private CA of a setting."""
    settings.MAIL_IMAP_CA_FILE = dovecot.cafile


def imap_mailbox(dovecot, *, name="Support", address=f"support@{DOMAIN}", **fields) -> Mailbox:
    """A mailbox reading a new, empty folder of the test server, over plain IMAP."""
    settings = {
        "imap_host": dovecot.host,
        "imap_port": dovecot.port,
        "imap_security": Security.NONE,
        "imap_user": dovecot.user,
        "imap_password": dovecot.password,
        "imap_folder": dovecot.new_folder(),
        **fields,
    }
    return factories.MailboxFactory(name=name, address=address, **settings)


@pytest.fixture
def mailbox(dovecot):
    return imap_mailbox(dovecot)


def new_tickets(count: int, start: int = 0) -> list[bytes]:
    return [
        make_email(
            sender=f"Client {n} <client{n}@acme.example>",
            subject=f"Problem number {n}",
            message_id=f"<problem-{n}@acme.example>",
        )
        for n in range(start, start + count)
    ]


def fetch_mail(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("fetch_mail", *args, stdout=out)
    return out.getvalue()


class TestReading:
    def test_new_messages_become_tickets_and_a_second_run_reads_nothing(self, dovecot, mailbox):
        dovecot.append(mailbox.imap_folder, new_tickets(3))

        output = fetch_mail()

        assert output == (
            f"Support <support@{DOMAIN}>: read 3 (3 new tickets, 0 replies, 0 bounces,"
            " 0 ignored, 0 failed).\n"
        )
        subjects = Ticket.objects.order_by("pk").values_list("subject", flat=True)
        assert list(subjects) == ["Problem number 0", "Problem number 1", "Problem number 2"]
        kept = InboundMessage.objects.order_by("pk")
        assert [m.imap_uid for m in kept] == [1, 2, 3]
        assert {m.outcome for m in kept} == {Outcome.TICKET_CREATED}
        mailbox.refresh_from_db()
        assert mailbox.imap_last_uid == 3
        assert mailbox.imap_uidvalidity is not None
        assert mailbox.imap_checked_at is not None
        assert mailbox.imap_error == ""
        assert mailbox.imap_lease_until is None
        # Flagged done on the server once processed.
        assert all({SEEN, DONE} <= flags for flags in dovecot.flags(mailbox.imap_folder).values())

        output = fetch_mail()

        assert "read 0 (0 new tickets" in output
        assert Ticket.objects.count() == 3
        assert InboundMessage.objects.count() == 3

    def test_only_messages_that_arrived_since_are_read(self, dovecot, mailbox):
        dovecot.append(mailbox.imap_folder, new_tickets(2))
        fetch_mail()
        dovecot.append(mailbox.imap_folder, new_tickets(1, start=2))

        assert "read 1 (1 new ticket," in fetch_mail()

        assert Ticket.objects.count() == 3
        mailbox.refresh_from_db()
        assert mailbox.imap_last_uid == 3

    def test_a_client_answering_our_mail_adds_a_reply(self, dovecot, mailbox):
        dovecot.append(mailbox.imap_folder, new_tickets(1))
        fetch_mail()
        ticket = Ticket.objects.get()
        answer = make_email(
            sender="Client 0 <client0@acme.example>",
            subject=f"Re: [#{ticket.pk}] Problem number 0",
            body="It works again, thanks.",
            headers={"In-Reply-To": ticket_message_id(ticket)},
        )
        dovecot.append(mailbox.imap_folder, [answer])

        assert "read 1 (0 new tickets, 1 reply, 0 bounces" in fetch_mail()

        reply = Reply.objects.get()
        assert reply.ticket == ticket
        assert reply.text.startswith("It works again")

    @pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
    def test_over_tls_and_starttls(self, dovecot, security):
        port = dovecot.ssl_port if security == Security.TLS else dovecot.port
        mailbox = imap_mailbox(dovecot, imap_security=security, imap_port=port)
        dovecot.append(mailbox.imap_folder, new_tickets(2))

        assert "read 2 (2 new tickets" in fetch_mail()

        assert all({SEEN, DONE} <= flags for flags in dovecot.flags(mailbox.imap_folder).values())
        mailbox.refresh_from_db()
        assert mailbox.imap_error == ""

    def test_the_server_certificate_is_checked(self, dovecot, settings):
        settings.MAIL_IMAP_CA_FILE = ""  # the test server's self-signed CA is not trusted now
        mailbox = imap_mailbox(dovecot, imap_security=Security.TLS, imap_port=dovecot.ssl_port)
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        with pytest.raises(CommandError):
            fetch_mail()

        mailbox.refresh_from_db()
        assert "CERTIFICATE_VERIFY_FAILED" in mailbox.imap_error
        assert not Ticket.objects.exists()

    def test_a_changed_uidvalidity_reads_the_recreated_folder(self, dovecot, mailbox):
        folder = mailbox.imap_folder
        dovecot.append(folder, new_tickets(2))
        fetch_mail()
        mailbox.refresh_from_db()
        old_uidvalidity = mailbox.imap_uidvalidity
        with dovecot.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)
        # The same two messages again (moved back, say), and a new one.
        dovecot.append(folder, new_tickets(3))

        output = fetch_mail()

        assert "read 3 (1 new ticket, 0 replies, 0 bounces, 2 ignored, 0 failed)" in output
        assert Ticket.objects.count() == 3
        mailbox.refresh_from_db()
        assert mailbox.imap_uidvalidity != old_uidvalidity
        assert mailbox.imap_last_uid == 3
        assert "read 0" in fetch_mail()

    def test_a_message_flagged_done_is_not_read_again(self, dovecot, mailbox):
        dovecot.append(mailbox.imap_folder, new_tickets(1))
        fetch_mail()
        # A server that rebuilt its index: same messages, new UIDVALIDITY.
        Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=1, imap_last_uid=0)

        assert "read 0" in fetch_mail()

    def test_big_folders_are_fetched_in_batches(self, dovecot, mailbox, monkeypatch):
        monkeypatch.setattr(imap, "BATCH_MESSAGES", 2)
        monkeypatch.setattr(imap, "BATCH_BYTES", 1)  # every message comes alone
        dovecot.append(mailbox.imap_folder, new_tickets(5))

        assert "read 5 (5 new tickets" in fetch_mail()

        assert InboundMessage.objects.count() == 5

    def test_mailbox_limits_the_run(self, dovecot, mailbox):
        other = imap_mailbox(dovecot, name="Sales", address=f"sales@{DOMAIN}")
        dovecot.append(mailbox.imap_folder, new_tickets(1))
        dovecot.append(other.imap_folder, new_tickets(2, start=1))

        output = fetch_mail("--mailbox", "Sales")

        assert output.splitlines() == [
            f"Sales <sales@{DOMAIN}>: read 2 (2 new tickets, 0 replies, 0 bounces,"
            " 0 ignored, 0 failed)."
        ]
        assert InboundMessage.objects.filter(mailbox=other).count() == 2
        assert not InboundMessage.objects.filter(mailbox=mailbox).exists()

    def test_inactive_mailboxes_and_those_without_imap_are_left_alone(self, dovecot, mailbox):
        factories.MailboxFactory(name="Piped")  # receives through ingest_email
        Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        assert fetch_mail() == "No active mailbox reads IMAP.\n"
        with pytest.raises(CommandError, match="inactive or has no IMAP connection"):
            fetch_mail("--mailbox", "Support")
        with pytest.raises(CommandError, match="No mailbox is named 'Nope'"):
            fetch_mail("--mailbox", "Nope")
        assert not InboundMessage.objects.exists()


class TestFailures:
    def test_a_wrong_password_is_recorded_without_the_password(self, dovecot, caplog):
        mailbox = imap_mailbox(dovecot, imap_password="Wrong-Passw0rd-42")

        with caplog.at_level(logging.DEBUG), pytest.raises(CommandError):
            fetch_mail()

        mailbox.refresh_from_db()
        assert "LoginError" in mailbox.imap_error
        assert "Wrong-Passw0rd-42" not in mailbox.imap_error
        assert mailbox.imap_checked_at is not None
        assert mailbox.imap_lease_until is None
        assert "Wrong-Passw0rd-42" not in caplog.text
        assert "LoginError" in caplog.text

    def test_an_error_naming_the_password_never_shows_it(self, dovecot, caplog):
        # The server's "no such folder" error quotes the folder: here it holds the password.
        mailbox = imap_mailbox(dovecot, imap_folder=f"Folder-{dovecot.password}")

        with caplog.at_level(logging.DEBUG), pytest.raises(CommandError):
            fetch_mail()

        mailbox.refresh_from_db()
        assert "Folder-********" in mailbox.imap_error
        assert dovecot.password not in mailbox.imap_error
        ours = [r.getMessage() for r in caplog.records if r.name.startswith("mail")]
        assert any("Folder-********" in line for line in ours)
        assert not any(dovecot.password in line for line in ours)

    def test_a_server_that_is_down_is_recorded_and_the_other_mailboxes_are_read(
        self, dovecot, mailbox
    ):
        from .servers import free_port

        down = imap_mailbox(dovecot, name="Down", address=f"down@{DOMAIN}", imap_port=free_port())
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        with pytest.raises(CommandError, match="Some mailboxes could not be read"):
            fetch_mail()

        down.refresh_from_db()
        assert "ConnectionRefusedError" in down.imap_error
        assert Ticket.objects.count() == 1
        mailbox.refresh_from_db()
        assert mailbox.imap_error == ""

    def test_a_message_that_fails_is_kept_unread_on_the_server_and_not_read_again(
        self, dovecot, mailbox, monkeypatch
    ):
        handle = ingest._handle

        def broken_for_one(message, email):
            if email.subject == "Problem number 1":
                raise ValueError("something in this message breaks the pipeline")
            return handle(message, email)

        monkeypatch.setattr(ingest, "_handle", broken_for_one)
        dovecot.append(mailbox.imap_folder, new_tickets(3))

        assert "read 3 (2 new tickets, 0 replies, 0 bounces, 0 ignored, 1 failed)" in fetch_mail()

        failed = InboundMessage.objects.get(outcome=Outcome.FAILED)
        assert failed.imap_uid == 2
        assert "something in this message breaks" in failed.reason
        flags = dovecot.flags(mailbox.imap_folder)
        assert SEEN not in flags[2]
        assert {SEEN, DONE} <= flags[1] and {SEEN, DONE} <= flags[3]
        assert "read 0" in fetch_mail()

    def test_a_database_outage_stops_the_run_before_the_message_is_kept(
        self, dovecot, mailbox, monkeypatch
    ):
        receive = ingest.receive

        def database_gone_at_the_second(raw, *, mailbox, imap_uid=None):
            if imap_uid == 2:
                raise OperationalError("server closed the connection unexpectedly")
            return receive(raw, mailbox=mailbox, imap_uid=imap_uid)

        monkeypatch.setattr(ingest, "receive", database_gone_at_the_second)
        dovecot.append(mailbox.imap_folder, new_tickets(3))

        with pytest.raises(CommandError):
            fetch_mail()

        mailbox.refresh_from_db()
        assert mailbox.imap_error.startswith("The database is unavailable")
        assert mailbox.imap_last_uid == 1
        assert InboundMessage.objects.count() == 1
        flags = dovecot.flags(mailbox.imap_folder)
        assert SEEN not in flags[2] and SEEN not in flags[3]

        monkeypatch.setattr(ingest, "receive", receive)
        assert "read 2 (2 new tickets" in fetch_mail()
        assert Ticket.objects.count() == 3

    def test_a_message_kept_but_never_processed_is_processed_by_the_next_run(
        self, dovecot, mailbox
    ):
        # The database went away between keeping the message and processing it.
        raw = new_tickets(1)[0]
        dovecot.append(mailbox.imap_folder, [raw])
        ingest.keep(raw, parse_email(raw), mailbox=mailbox, imap_uid=1)
        mailbox.refresh_from_db()
        assert mailbox.imap_last_uid == 1
        Mailbox.objects.filter(pk=mailbox.pk).update(
            imap_uidvalidity=dovecot_uidvalidity(dovecot, mailbox.imap_folder)
        )

        assert "read 1 (1 new ticket" in fetch_mail()

        assert InboundMessage.objects.get().outcome == Outcome.TICKET_CREATED


def dovecot_uidvalidity(dovecot, folder: str) -> int:
    with dovecot.client() as client:
        return client.select_folder(folder, readonly=True)[b"UIDVALIDITY"]


class TestOneFetcherAtATime:
    def test_a_mailbox_another_fetch_is_reading_is_skipped(self, dovecot, mailbox):
        held_until = timezone.now() + datetime.timedelta(minutes=5)
        Mailbox.objects.filter(pk=mailbox.pk).update(imap_lease_until=held_until)
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        assert fetch_mail() == (
            f"Support <support@{DOMAIN}>: skipped, another fetch is reading it.\n"
        )

        assert not InboundMessage.objects.exists()
        mailbox.refresh_from_db()
        assert mailbox.imap_lease_until == held_until

    def test_the_lease_of_a_fetcher_that_died_runs_out(self, dovecot, mailbox):
        expired = timezone.now() - datetime.timedelta(seconds=1)
        Mailbox.objects.filter(pk=mailbox.pk).update(imap_lease_until=expired)
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        assert "read 1 (1 new ticket" in fetch_mail()

    def test_a_run_that_lost_its_lease_stops(self, dovecot, mailbox, monkeypatch):
        monkeypatch.setattr(imap, "RENEW_AFTER", datetime.timedelta(0))
        receive = ingest.receive

        def taken_over_after_the_first(raw, *, mailbox, imap_uid=None):
            received = receive(raw, mailbox=mailbox, imap_uid=imap_uid)
            later = timezone.now() + datetime.timedelta(hours=1)
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_lease_until=later)
            return received

        monkeypatch.setattr(ingest, "receive", taken_over_after_the_first)
        dovecot.append(mailbox.imap_folder, new_tickets(2))

        imap.fetch_mailbox(mailbox)

        assert InboundMessage.objects.count() == 1


class TestWatchAndSchedule:
    def test_watch_reads_again_until_interrupted(self, transactional_db, dovecot, monkeypatch):
        # Real commits: each run starts by closing a connection that is too old.
        from mail.management.commands import fetch_mail as command

        mailbox = imap_mailbox(dovecot)

        sleeps = []

        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 1:
                dovecot.append(mailbox.imap_folder, new_tickets(1, start=5))
                return
            raise KeyboardInterrupt  # Ctrl-C

        monkeypatch.setattr(command.time, "sleep", sleep)
        dovecot.append(mailbox.imap_folder, new_tickets(2))

        output = fetch_mail("--watch", "2.5")

        lines = output.splitlines()
        assert "read 2 (2 new tickets" in lines[0]
        assert "read 1 (1 new ticket," in lines[1]
        assert lines[2] == "Stopped."
        assert sleeps == [2.5, 2.5]

    def test_watch_needs_a_positive_interval(self):
        with pytest.raises(CommandError, match="above 0"):
            fetch_mail("--watch", "0")

    def test_schedule_queues_one_chain_only(self, settings):
        settings.TASKS = DATABASE_TASKS

        assert fetch_mail("--schedule") == "Queued the periodic fetch of the mailboxes.\n"
        assert fetch_mail("--schedule") == (
            "The periodic fetch of the mailboxes is queued already.\n"
        )

        queued = DBTaskResult.objects.get()
        assert queued.task_path == "mail.tasks.fetch_all_mail"
        assert queued.status == "READY"

    def test_a_running_chain_is_not_doubled_but_a_dead_one_is_replaced(self, settings):
        settings.TASKS = DATABASE_TASKS
        tasks.fetch_all_mail.enqueue()
        run = DBTaskResult.objects.get()
        run.status, run.started_at = "RUNNING", timezone.now()
        run.save()

        assert "queued already" in fetch_mail("--schedule")

        DBTaskResult.objects.filter(pk=run.pk).update(
            started_at=timezone.now() - tasks.STALE_RUN - datetime.timedelta(minutes=1)
        )
        assert "Queued" in fetch_mail("--schedule")
        assert DBTaskResult.objects.filter(status="READY").count() == 1

    def test_a_run_queues_the_next_unless_one_is_queued_already(self, settings):
        settings.TASKS = DATABASE_TASKS
        settings.MAIL_FETCH_INTERVAL = 30
        before = timezone.now()

        assert tasks.fetch_all_mail.call() == "No active mailbox reads IMAP."

        following = DBTaskResult.objects.get()
        assert following.status == "READY"
        assert following.run_after >= before + datetime.timedelta(seconds=30)

        tasks.fetch_all_mail.call()  # a second chain's run: it ends there
        assert DBTaskResult.objects.get() == following

    def test_schedule_needs_a_backend_that_runs_tasks_later(self):
        # The tests' (and development's) immediate backend runs a task at once.
        with pytest.raises(CommandError, match="fetch_mail --watch"):
            fetch_mail("--schedule")
        with pytest.raises(CommandError, match="leave out --mailbox"):
            fetch_mail("--schedule", "--mailbox", "Support")

    def test_with_the_immediate_backend_the_task_runs_once(self, dovecot, mailbox):
        dovecot.append(mailbox.imap_folder, new_tickets(1))

        result = tasks.fetch_all_mail.enqueue()

        assert "read 1 (1 new ticket" in result.return_value
        assert not DBTaskResult.objects.exists()


def test_the_worker_reads_the_mail_and_queues_the_next_run(transactional_db, dovecot, settings):
    # Real commits: the worker closes connections that are inside a transaction.
    settings.TASKS = DATABASE_TASKS
    settings.MAIL_FETCH_INTERVAL = 90
    mailbox = imap_mailbox(dovecot)
    dovecot.append(mailbox.imap_folder, new_tickets(2))
    fetch_mail("--schedule")
    started = timezone.now()

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert Ticket.objects.count() == 2
    runs = DBTaskResult.objects.filter(task_path="mail.tasks.fetch_all_mail")
    done = runs.get(status="SUCCESSFUL")
    assert "read 2 (2 new tickets" in done.return_value
    following = runs.get(status="READY")
    assert following.run_after >= started + datetime.timedelta(seconds=90)
    # The worker also sent the two acknowledgments the new tickets queued.
    acknowledgments = DBTaskResult.objects.exclude(task_path="mail.tasks.fetch_all_mail")
    assert list(acknowledgments.values_list("status", flat=True)) == ["SUCCESSFUL"] * 2
    assert "queued already" in fetch_mail("--schedule")
