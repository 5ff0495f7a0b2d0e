"""Emails about tickets: who gets them, what they look like, and what happens when mail fails.

The services schedule emails with transaction.on_commit; these tests run the
callbacks with django_capture_on_commit_callbacks(execute=True), as a commit would.
"""

import datetime
import logging
import smtplib

import pytest
from django.core.management import call_command
from django.db import transaction
from django.tasks.backends.base import BaseTaskBackend
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from tests import factories
from tickets import notifications, services, tasks
from tickets.models import Channel, Reply

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


class FailingMailer:
    """A mail backend whose server is down."""

    attempts = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        FailingMailer.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class BrokenTaskBackend(BaseTaskBackend):
    """A task backend that cannot queue anything (say, its database is unreachable)."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("task queue unreachable")


FAILING_MAILER = {"default": {"BACKEND": "tests.tickets.test_notifications.FailingMailer"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def site(settings):
    settings.HELPDESK_SITE_URL = "https://help.example.com"
    settings.DEFAULT_FROM_EMAIL = "Support <support@help.example.com>"
    FailingMailer.attempts = 0


@pytest.fixture
def agent():
    return factories.AgentFactory(first_name="Alice", last_name="Agent", email="alice@ours.test")


@pytest.fixture
def requester(client_company):
    return factories.ContactFactory(
        client=client_company, name="Rita Requester", email="rita@acme.test"
    )


@pytest.fixture
def ticket(department, client_company, requester):
    ticket = factories.TicketFactory(
        department=department,
        client=client_company,
        requester=requester,
        subject="Cannot log in",
        created_at=T0 - datetime.timedelta(hours=1),
    )
    ticket.cc.set(
        [
            factories.ContactFactory(
                client=client_company, name="Carl Copy", email="carl@acme.test"
            ),
            factories.ContactFactory(client=client_company, name="No Mail", email=""),
        ]
    )
    return ticket


def reply(ticket, author, capture, *, kind=Reply.Kind.REPLY, channel=Channel.WEB, text="Hi"):
    with capture(execute=True):
        return services.post_reply(
            ticket=ticket, text=text, kind=kind, author=author, channel=channel
        )


class TestReplyEmail:
    def test_web_reply_goes_to_requester_and_cc(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        text = "Hello Rita,\n\nPlease try <b>again</b> & tell us.\n"
        posted = reply(ticket, agent, django_capture_on_commit_callbacks, text=text)

        assert len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.subject == f"Re: [#{ticket.pk}] Cannot log in"
        assert email.from_email == "Support <support@help.example.com>"
        assert email.to == ["Rita Requester <rita@acme.test>"]
        assert email.cc == ["Carl Copy <carl@acme.test>"]
        assert "Please try <b>again</b> & tell us." in email.body
        assert "Alice Agent" in email.body
        assert f"[#{ticket.pk}]" in email.body
        [(html, mimetype)] = email.alternatives
        assert mimetype == "text/html"
        assert "Please try &lt;b&gt;again&lt;/b&gt; &amp; tell us." in html
        assert "<b>again" not in html
        headers = email.message()
        # The reply keeps the id its email carries: the client's answer threads by it.
        posted.refresh_from_db()
        assert headers["Message-ID"] == posted.message_id
        assert posted.message_id.startswith("<reply-")
        assert posted.message_id.endswith(f".ticket-{ticket.pk}@help.example.com>")
        root = notifications.ticket_message_id(ticket)
        assert root.startswith(f"<ticket-{ticket.pk}.") and root.endswith("@help.example.com>")
        assert notifications.ticket_id_of(root) == ticket.pk
        assert headers["In-Reply-To"] == root
        assert headers["References"] == root

    def test_each_reply_has_its_own_message_id_in_the_same_thread(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        reply(ticket, agent, django_capture_on_commit_callbacks, text="First")
        reply(ticket, agent, django_capture_on_commit_callbacks, text="Second")

        first, second = (email.message() for email in mailoutbox)
        assert first["Message-ID"] != second["Message-ID"]
        assert first["References"] == second["References"] == first["In-Reply-To"]

    def test_a_note_is_never_emailed(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        note = reply(ticket, agent, django_capture_on_commit_callbacks, kind=Reply.Kind.NOTE)

        assert note.pk is not None
        assert mailoutbox == []
        # Even a task queued by mistake leaves notes alone.
        assert tasks.send_reply_email.call(note.pk) == "no recipients"
        assert mailoutbox == []

    @pytest.mark.parametrize("channel", [Channel.API, Channel.ADMIN, Channel.SYSTEM])
    def test_api_and_admin_are_silent(
        self, ticket, agent, channel, mailoutbox, django_capture_on_commit_callbacks
    ):
        posted = reply(ticket, agent, django_capture_on_commit_callbacks, channel=channel)

        posted.refresh_from_db()
        assert posted.kind == Reply.Kind.REPLY
        assert mailoutbox == []

    def test_a_clients_own_reply_is_not_echoed(
        self, ticket, requester, mailoutbox, django_capture_on_commit_callbacks
    ):
        reply(ticket, requester, django_capture_on_commit_callbacks, channel=Channel.EMAIL)

        assert mailoutbox == []

    def test_nothing_is_sent_for_a_rolled_back_reply(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
            raise RuntimeError("the view failed after the reply")

        assert callbacks == []
        assert mailoutbox == []
        assert not Reply.objects.exists()

    def test_without_a_requester_the_cc_contacts_are_the_recipients(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        ticket.requester = None
        ticket.save(update_fields=["requester"])

        reply(ticket, agent, django_capture_on_commit_callbacks)

        [email] = mailoutbox
        assert email.to == ["Carl Copy <carl@acme.test>"]
        assert email.cc == []

    def test_contacts_without_email_get_nothing_and_nobody_means_no_email(
        self, ticket, requester, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        requester.email = ""
        requester.save(update_fields=["email"])
        ticket.cc.set([factories.ContactFactory(client=ticket.client, email="")])

        posted = reply(ticket, agent, django_capture_on_commit_callbacks)

        assert mailoutbox == []
        assert tasks.send_reply_email.call(posted.pk) == "no recipients"

    def test_a_requester_also_in_cc_gets_one_copy(
        self, ticket, requester, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        ticket.cc.add(requester)

        reply(ticket, agent, django_capture_on_commit_callbacks)

        [email] = mailoutbox
        assert email.recipients() == [
            "Rita Requester <rita@acme.test>",
            "Carl Copy <carl@acme.test>",
        ]

    def test_a_reply_deleted_before_its_email_is_skipped(self, ticket, agent, mailoutbox):
        posted = factories.ReplyFactory(ticket=ticket, author_agent=agent)
        reply_id = posted.pk
        posted.delete()

        assert tasks.send_reply_email.call(reply_id) == "reply deleted"
        assert mailoutbox == []


class TestAssignmentEmail:
    def test_assigning_in_the_web_tells_the_assignee(
        self, ticket, agent, other_agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)

        [email] = mailoutbox
        assert email.to == [f"{other_agent.get_full_name()} <{other_agent.email}>"]
        assert email.subject == f"Assigned to you: [#{ticket.pk}] Cannot log in"
        assert "Alice Agent assigned a ticket to you" in email.body
        assert f"https://help.example.com/tickets/{ticket.pk}" in email.body
        [(html, mimetype)] = email.alternatives
        assert mimetype == "text/html"
        assert "Acme Inc" in html
        headers = email.message()
        assert headers["In-Reply-To"] == notifications.ticket_message_id(ticket)
        assert headers["Message-ID"].endswith(f".ticket-{ticket.pk}@help.example.com>")

    def test_assigning_yourself_sends_nothing(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(ticket=ticket, assignee=agent, actor=agent, channel=Channel.WEB)

        ticket.refresh_from_db()
        assert ticket.assignee == agent
        assert mailoutbox == []

    @pytest.mark.parametrize("channel", [Channel.API, Channel.ADMIN])
    def test_assigning_through_the_api_or_admin_is_silent(
        self, ticket, agent, other_agent, channel, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=channel)

        ticket.refresh_from_db()
        assert ticket.assignee == other_agent
        assert mailoutbox == []

    def test_unassigning_sends_nothing(
        self, ticket, agent, other_agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        ticket.assignee = other_agent
        ticket.save(update_fields=["assignee"])
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB)

        assert mailoutbox == []

    def test_a_new_ticket_created_for_a_colleague_tells_them(
        self, agent, other_agent, department, client_company, mailoutbox,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            created = services.create_ticket(
                client=client_company,
                department=department,
                subject="Printer on fire",
                message="Smoke everywhere",
                assignee=other_agent,
                actor=agent,
                channel=Channel.WEB,
            )

        [email] = mailoutbox
        assert email.to == [f"{other_agent.get_full_name()} <{other_agent.email}>"]
        assert email.subject == f"Assigned to you: [#{created.pk}] Printer on fire"

    def test_an_assignee_without_email_gets_nothing(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        silent = factories.AgentFactory(email="")
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(ticket=ticket, assignee=silent, actor=agent, channel=Channel.WEB)

        assert mailoutbox == []

    def test_a_ticket_reassigned_before_the_email_goes_out_is_skipped(
        self, ticket, agent, other_agent, mailoutbox
    ):
        ticket.assignee = agent
        ticket.save(update_fields=["assignee"])

        result = tasks.send_assignment_email.call(ticket.pk, other_agent.pk, actor_id=agent.pk)

        assert result == "no longer assigned"
        assert mailoutbox == []


class TestFailures:
    def test_a_failing_mail_server_loses_nothing_and_breaks_nothing(
        self, ticket, agent, settings, caplog, django_capture_on_commit_callbacks
    ):
        settings.MAILERS = FAILING_MAILER

        with caplog.at_level(logging.WARNING, logger="tickets.notifications"):
            posted = reply(ticket, agent, django_capture_on_commit_callbacks, text="Saved")

        posted.refresh_from_db()
        assert posted.text == "Saved"
        ticket.refresh_from_db()
        assert ticket.replies_count == 1
        assert FailingMailer.attempts == 1
        [record] = [r for r in caplog.records if r.name == "tickets.notifications"]
        assert record.levelno == logging.ERROR
        assert f"reply {posted.pk}" in record.getMessage()
        assert "Connection unexpectedly closed" in record.getMessage()
        assert "cannot run a task later" in record.getMessage()

    def test_a_task_queue_that_is_down_loses_nothing_and_breaks_nothing(
        self, ticket, agent, settings, caplog, mailoutbox, django_capture_on_commit_callbacks
    ):
        settings.TASKS = {"default": {"BACKEND": f"{__name__}.BrokenTaskBackend"}}

        with caplog.at_level(logging.ERROR, logger="tickets.notifications"):
            posted = reply(ticket, agent, django_capture_on_commit_callbacks)

        assert Reply.objects.filter(pk=posted.pk).exists()
        assert mailoutbox == []
        [record] = [r for r in caplog.records if r.name == "tickets.notifications"]
        assert "Could not queue send_reply_email" in record.getMessage()
        assert "task queue unreachable" in record.exc_text

    def test_with_a_worker_a_failed_send_is_retried_later(
        self, ticket, agent, settings, caplog, mailoutbox, django_capture_on_commit_callbacks
    ):
        settings.TASKS = DATABASE_TASKS
        with freeze_time(T0):
            posted = reply(ticket, agent, django_capture_on_commit_callbacks)

            # The reply's email waits in the database for the worker.
            queued = DBTaskResult.objects.get()
            assert queued.task_path == "tickets.tasks.send_reply_email"
            assert queued.args_kwargs == {"args": [posted.pk], "kwargs": {}}
            assert mailoutbox == []

            settings.MAILERS = FAILING_MAILER
            with caplog.at_level(logging.WARNING, logger="tickets.notifications"):
                assert tasks.send_reply_email.call(posted.pk) == "retry queued"

        retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
        assert retry.task_path == "tickets.tasks.send_reply_email"
        assert retry.args_kwargs == {"args": [posted.pk], "kwargs": {"attempt": 2}}
        assert retry.run_after == T0 + tasks.RETRY_DELAYS[0]
        [record] = [r for r in caplog.records if r.name == "tickets.notifications"]
        assert record.levelno == logging.WARNING
        assert "attempt 1 of 5" in record.getMessage()

        # The server is back: the retry sends the email.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        assert tasks.send_reply_email.call(posted.pk, attempt=2) == "sent"
        [email] = mailoutbox
        assert email.subject == f"Re: [#{ticket.pk}] Cannot log in"

    def test_a_failed_assignment_email_is_retried_with_the_same_message_id(
        self, ticket, agent, other_agent, settings, mailoutbox
    ):
        ticket.assignee = other_agent
        ticket.save(update_fields=["assignee"])
        settings.TASKS = DATABASE_TASKS
        settings.MAILERS = FAILING_MAILER
        args = (ticket.pk, other_agent.pk)

        result = tasks.send_assignment_email.call(*args, actor_id=agent.pk, marker="abc123")

        assert result == "retry queued"
        retry = DBTaskResult.objects.get()
        assert retry.task_path == "tickets.tasks.send_assignment_email"
        assert retry.args_kwargs == {
            "args": list(args),
            "kwargs": {"actor_id": agent.pk, "marker": "abc123", "attempt": 2},
        }
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        assert tasks.send_assignment_email.call(*args, **retry.args_kwargs["kwargs"]) == "sent"
        [email] = mailoutbox
        assert email.message()["Message-ID"] == (
            f"<assigned-abc123.agent-{other_agent.pk}.ticket-{ticket.pk}@help.example.com>"
        )

    def test_the_last_attempt_gives_up_and_fails_the_task(
        self, ticket, agent, settings, caplog, django_capture_on_commit_callbacks
    ):
        posted = factories.ReplyFactory(ticket=ticket, author_agent=agent)
        settings.TASKS = DATABASE_TASKS
        settings.MAILERS = FAILING_MAILER

        with (
            caplog.at_level(logging.ERROR, logger="tickets.notifications"),
            pytest.raises(smtplib.SMTPServerDisconnected),
        ):
            tasks.send_reply_email.call(posted.pk, attempt=tasks.MAX_ATTEMPTS)

        assert not DBTaskResult.objects.exists()
        [record] = [r for r in caplog.records if r.name == "tickets.notifications"]
        assert f"attempt {tasks.MAX_ATTEMPTS} of {tasks.MAX_ATTEMPTS}" in record.getMessage()
        assert record.getMessage().endswith("Giving up.")

    def test_the_database_worker_sends_the_queued_email(
        self, transactional_db, settings, mailoutbox, department, client_company, requester
    ):
        # Real commits: the worker closes connections that are inside a transaction.
        settings.TASKS = DATABASE_TASKS
        agent = factories.AgentFactory()
        ticket = factories.TicketFactory(
            department=department, client=client_company, requester=requester
        )
        posted = services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
        assert DBTaskResult.objects.get().status == "READY"
        assert mailoutbox == []

        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

        [email] = mailoutbox
        assert email.message()["Message-ID"] == notifications.reply_message_id(posted)
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"


class TestThroughThePages:
    """The same rules, end to end: the web views email, the REST API does not."""

    @pytest.fixture
    def signed_in(self, client, agent):
        client.force_login(agent)
        return client

    def test_a_public_reply_on_the_ticket_page_is_emailed(
        self, signed_in, ticket, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(
                reverse("ticket_reply", args=[ticket.pk]), {"text": "On it", "kind": "reply"}
            )

        assert response.status_code == 302
        [email] = mailoutbox
        assert email.to == ["Rita Requester <rita@acme.test>"]
        assert email.subject == f"Re: [#{ticket.pk}] Cannot log in"
        assert "On it" in email.body

    def test_a_note_on_the_ticket_page_is_not_emailed(
        self, signed_in, ticket, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(
                reverse("ticket_reply", args=[ticket.pk]), {"text": "Internal", "kind": "note"}
            )

        assert response.status_code == 302
        assert Reply.objects.get().kind == Reply.Kind.NOTE
        assert mailoutbox == []

    def test_the_page_works_when_the_mail_server_is_down(
        self, signed_in, ticket, settings, caplog, mailoutbox, django_capture_on_commit_callbacks
    ):
        settings.MAILERS = FAILING_MAILER

        with (
            caplog.at_level(logging.ERROR, logger="tickets.notifications"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = signed_in.post(
                reverse("ticket_reply", args=[ticket.pk]), {"text": "Kept", "kind": "reply"}
            )

        assert response.status_code == 302
        assert signed_in.get(response.url).status_code == 200
        assert Reply.objects.get().text == "Kept"
        assert FailingMailer.attempts == 1
        assert any(
            r.name == "tickets.notifications" and r.levelno == logging.ERROR for r in caplog.records
        )

    def test_assigning_on_the_ticket_page_tells_the_assignee(
        self, signed_in, ticket, other_agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(
                reverse("ticket_assignee", args=[ticket.pk]), {"assignee": other_agent.pk}
            )

        assert response.status_code == 302
        [email] = mailoutbox
        assert email.to == [f"{other_agent.get_full_name()} <{other_agent.email}>"]

    def test_a_reply_through_the_api_is_silent(
        self, client, agent, ticket, mailoutbox, django_capture_on_commit_callbacks
    ):
        key = factories.ApiKeyFactory(agent=agent)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("api:replies", kwargs={"pk": ticket.pk}),
                {"ticketreply_text": "Via the API", "ticketreply_type": "reply"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {key.raw_key}"},
            )

        assert response.status_code == 201, response.content
        assert Reply.objects.get().text == "Via the API"
        assert mailoutbox == []


class TestImportIsSilent:
    """An import replays what happened elsewhere: nobody hears of it, not the client, not
    the assignee, not the agents who follow the ticket."""

    def test_imported_replies_assignments_and_tickets_send_nothing(
        self, ticket, requester, agent, other_agent, department, client_company, mailoutbox,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        services.assign(ticket=ticket, assignee=agent, actor=None, channel=Channel.API)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.IMPORT)
            services.post_reply(
                ticket=ticket, text="Any news?", author=requester, channel=Channel.IMPORT
            )
            services.assign(
                ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.IMPORT
            )
            services.create_ticket(
                client=client_company, department=department, subject="Old", message="Old",
                assignee=other_agent, actor=agent, channel=Channel.IMPORT,
            )  # fmt: skip

        assert callbacks == []
        assert mailoutbox == []

    def test_the_same_client_reply_through_the_api_tells_the_assignee(
        self, ticket, requester, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        services.assign(ticket=ticket, assignee=agent, actor=None, channel=Channel.API)
        with django_capture_on_commit_callbacks(execute=True):
            services.post_reply(
                ticket=ticket, text="Any news?", author=requester, channel=Channel.API
            )

        [notice] = mailoutbox
        assert notice.subject.startswith("Client replied: ")
        assert notice.to == [f"Alice Agent <{agent.email}>"]
