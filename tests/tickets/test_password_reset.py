"""Password reset: the email goes through the task queue (never sent inside the request),
the page answers alike for every address, and requests are limited per address and per
client address."""

import logging
import re
import smtplib

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests import factories
from tests.tickets.test_notifications import DATABASE_TASKS, FAILING_MAILER, FailingMailer
from tickets import tasks

pytestmark = pytest.mark.django_db

RESET = "/password-reset/"
LOCMEM_MAILER = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.HELPDESK_SITE_URL = "https://help.example.com"
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "3/hour"
    settings.PASSWORD_RESET_RATE_PER_IP = "20/hour"
    settings.TRUSTED_PROXY_COUNT = 0
    FailingMailer.attempts = 0


@pytest.fixture
def queued(settings):
    """Tasks wait in the database for the worker, as in production."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Ask for a reset link for `email`, committing as the request would."""

    def ask(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, {"email": email}, **extra)

    return ask


def run_queued_tasks() -> None:
    """Run what the request queued, as the worker would, the tasks those queue included."""
    while task := DBTaskResult.objects.filter(status="READY").order_by("enqueued_at").first():
        function = {
            "tickets.tasks.send_password_reset_emails": tasks.send_password_reset_emails,
            "tickets.tasks.send_password_reset_email": tasks.send_password_reset_email,
        }[task.task_path]
        task.delete()
        function.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])


class TestQueued:
    def test_the_request_queues_the_email_and_the_task_sends_it(
        self, queued, ask, agent, client, mailoutbox
    ):
        response = ask(agent.email)

        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
        # Nothing was sent while the visitor waited; the email waits for the worker.
        assert mailoutbox == []
        task = DBTaskResult.objects.get()
        assert task.task_path == "tickets.tasks.send_password_reset_emails"
        assert task.args_kwargs == {"args": [agent.email], "kwargs": {}}

        run_queued_tasks()

        [email] = mailoutbox
        assert email.to == [agent.email]
        assert email.subject == "Reset your helpdesk password"
        link = re.search(r"https://help\.example\.com(/password-reset/\S+/)", email.body).group(1)
        form_url = client.get(link, follow=True).redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "A-long-new-pass-42", "new_password2": "A-long-new-pass-42"}
        )
        assert response.url == reverse("password_reset_complete")
        agent.refresh_from_db()
        assert agent.check_password("A-long-new-pass-42")

    def test_the_worker_sends_the_queued_email(
        self, transactional_db, settings, client, mailoutbox
    ):
        # Real commits: the worker runs what the request left in the database.
        settings.TASKS = DATABASE_TASKS
        agent = factories.AgentFactory(email="alice@ours.test")

        client.post(RESET, {"email": "Alice@ours.test"})
        assert mailoutbox == []

        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

        assert [message.to for message in mailoutbox] == [[agent.email]]

    def test_only_active_agents_get_an_email(self, queued, ask, outsider, mailoutbox):
        inactive = factories.AgentFactory(is_active=False, email="gone@ours.test")
        for email in (outsider.email, inactive.email, "nobody@example.com"):
            assert ask(email).status_code == 302

        run_queued_tasks()

        assert mailoutbox == []

    def test_an_agent_who_left_before_the_email_went_out_gets_none(
        self, queued, ask, agent, mailoutbox
    ):
        ask(agent.email)
        tasks.send_password_reset_emails.call(agent.email)
        agent.is_active = False
        agent.save(update_fields=["is_active"])

        result = tasks.send_password_reset_email.call(agent.pk)

        assert result == "no longer an agent with an address"
        assert mailoutbox == []


class TestSameAnswerForEveryAddress:
    def test_known_and_unknown_addresses_get_the_same_page_and_the_same_work(
        self, queued, client, agent, outsider, django_capture_on_commit_callbacks
    ):
        answers = []
        for email in (agent.email, outsider.email, "nobody@example.com"):
            with (
                CaptureQueriesContext(connection) as queries,
                django_capture_on_commit_callbacks(execute=True),
            ):
                response = client.post(RESET, {"email": email})
            answers.append(
                (
                    response.status_code,
                    response.url,
                    response.content,
                    len(queries.captured_queries),
                )
            )

        # The same answer, and the same statements (queueing one task each): whether the
        # address is an agent's is only read by the task, after the answer.
        assert answers[0] == answers[1] == answers[2]
        assert DBTaskResult.objects.count() == 3
        assert set(DBTaskResult.objects.values_list("task_path", flat=True)) == {
            "tickets.tasks.send_password_reset_emails"
        }


class TestFailedSend:
    def test_a_failed_send_is_retried_later(self, queued, ask, agent, settings, caplog, mailoutbox):
        ask(agent.email)
        tasks.send_password_reset_emails.call(agent.email)
        settings.MAILERS = FAILING_MAILER
        with caplog.at_level(logging.WARNING, logger="tickets.notifications"):
            result = tasks.send_password_reset_email.call(agent.pk)

        assert result == "retry queued"
        retry = DBTaskResult.objects.get(args_kwargs__kwargs__attempt=2)
        assert retry.task_path == "tickets.tasks.send_password_reset_email"
        assert retry.args_kwargs["args"] == [agent.pk]
        assert f"password reset email of user {agent.pk}" in caplog.text

        settings.MAILERS = LOCMEM_MAILER
        assert tasks.send_password_reset_email.call(agent.pk, attempt=2) == "sent"
        assert [message.to for message in mailoutbox] == [[agent.email]]

    def test_the_last_attempt_fails_the_task_so_the_worker_records_it(
        self, queued, agent, settings
    ):
        settings.MAILERS = FAILING_MAILER

        with pytest.raises(smtplib.SMTPServerDisconnected):
            tasks.send_password_reset_email.call(agent.pk, attempt=tasks.MAX_ATTEMPTS)


class TestRateLimits:
    def test_an_address_is_limited_known_or_not(self, queued, ask, agent):
        for email in (agent.email, "nobody@example.com"):
            for _ in range(3):
                assert ask(email).status_code == 302

            response = ask(email)

            assert response.status_code == 429
            assert "Too many password reset requests. Try again in" in response.content.decode()
            assert int(response["Retry-After"]) <= 3600
            assert 'name="email"' in response.content.decode()
        # Only the requests within the limit were queued.
        assert DBTaskResult.objects.count() == 6

    def test_the_address_limit_ignores_case(self, queued, ask, agent):
        for email in ("a@ours.test", "A@ours.test", "a@OURS.test"):
            assert ask(email).status_code == 302
        assert ask("A@OURS.TEST").status_code == 429

    def test_a_client_address_is_limited_across_email_addresses(self, queued, ask):
        for number in range(20):
            assert ask(f"person{number}@example.com", REMOTE_ADDR="10.1.1.1").status_code == 302

        assert ask("one-more@example.com", REMOTE_ADDR="10.1.1.1").status_code == 429
        assert ask("one-more@example.com", REMOTE_ADDR="10.2.2.2").status_code == 302

    def test_a_forged_forwarded_for_header_does_not_evade_the_limit(self, queued, ask):
        for number in range(20):
            ask(
                f"person{number}@example.com",
                REMOTE_ADDR="10.1.1.1",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
            )

        response = ask(
            "one-more@example.com", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
        )

        assert response.status_code == 429

    def test_the_limits_are_settings(self, queued, ask, settings):
        settings.PASSWORD_RESET_RATE_PER_ADDRESS = "1/minute"
        assert ask("a@example.com").status_code == 302
        response = ask("a@example.com")
        assert response.status_code == 429
        assert int(response["Retry-After"]) <= 3600
