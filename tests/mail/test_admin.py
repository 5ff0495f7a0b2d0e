"""The email channel's admin: mailboxes (a write-only password, "Fetch now") and the messages
that came in (read only, the raw .eml, "Process again")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from mail import ingest
from mail.models import InboundMessage, Mailbox
from mail.parsing import parse_email
from tests import factories
from tickets.models import Ticket

from .conftest import DOMAIN, make_email

pytestmark = pytest.mark.django_db

Outcome = InboundMessage.Outcome
PASSWORD = "S3cret-Imap-Passw0rd"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def imap_mailbox(mailbox):
    mailbox.imap_host = "imap.example.com"
    mailbox.imap_user = "support"
    mailbox.imap_password = PASSWORD
    mailbox.save()
    return mailbox


def change_url(mailbox: Mailbox) -> str:
    return reverse("admin:mail_mailbox_change", args=[mailbox.pk])


def form_data(mailbox: Mailbox, **changes) -> dict:
    """The change form as a browser posts it: the password field comes back empty."""
    data = {
        "name": mailbox.name,
        "address": mailbox.address,
        "department": mailbox.department_id,
        "from_name": mailbox.from_name,
        "send_acknowledgment": "on",
        "is_active": "on",
        "imap_host": mailbox.imap_host,
        "imap_port": mailbox.imap_port or "",
        "imap_security": mailbox.imap_security,
        "imap_user": mailbox.imap_user,
        "imap_password": "",
        "imap_folder": mailbox.imap_folder,
    }
    return {**data, **changes}


class TestMailboxPassword:
    def test_the_change_page_never_contains_the_password(self, admin_client, imap_mailbox):
        response = admin_client.get(change_url(imap_mailbox))

        assert response.status_code == 200
        page = response.content.decode()
        assert PASSWORD not in page
        assert 'name="imap_password"' in page
        assert "A password is saved" in page

    def test_an_empty_field_keeps_the_saved_password(self, admin_client, imap_mailbox):
        response = admin_client.post(
            change_url(imap_mailbox), form_data(imap_mailbox, from_name="Support team")
        )

        assert response.status_code == 302
        imap_mailbox.refresh_from_db()
        assert imap_mailbox.from_name == "Support team"
        assert imap_mailbox.imap_password == PASSWORD

    def test_a_new_password_replaces_it(self, admin_client, imap_mailbox):
        admin_client.post(change_url(imap_mailbox), form_data(imap_mailbox, imap_password="N3w"))

        imap_mailbox.refresh_from_db()
        assert imap_mailbox.imap_password == "N3w"

    def test_the_checkbox_removes_it(self, admin_client, imap_mailbox):
        admin_client.post(
            change_url(imap_mailbox), form_data(imap_mailbox, clear_imap_password="on")
        )

        imap_mailbox.refresh_from_db()
        assert imap_mailbox.imap_password == ""

    def test_a_form_with_an_error_does_not_show_the_typed_password(
        self, admin_client, imap_mailbox
    ):
        response = admin_client.post(
            change_url(imap_mailbox),
            form_data(imap_mailbox, imap_user="", imap_password="Typed-Passw0rd"),
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert "needs both a host and a user" in page
        assert "Typed-Passw0rd" not in page and PASSWORD not in page
        imap_mailbox.refresh_from_db()
        assert imap_mailbox.imap_password == PASSWORD

    def test_adding_a_mailbox_with_a_password(self, admin_client, department):
        data = form_data(
            Mailbox(
                name="Sales",
                address="Sales@Example.com",
                department=department,
                imap_host="imap.example.com",
                imap_user="sales",
            ),
            imap_password=PASSWORD,
        )

        response = admin_client.post(reverse("admin:mail_mailbox_add"), data)

        assert response.status_code == 302
        mailbox = Mailbox.objects.get(name="Sales")
        assert mailbox.address == "sales@example.com"
        assert mailbox.imap_password == PASSWORD
        assert PASSWORD not in admin_client.get(change_url(mailbox)).content.decode()

    def test_the_reading_state_is_read_only(self, admin_client, imap_mailbox):
        Mailbox.objects.filter(pk=imap_mailbox.pk).update(
            imap_last_uid=41, imap_error="LoginError: no"
        )
        admin_client.post(
            change_url(imap_mailbox), form_data(imap_mailbox, imap_last_uid="0", imap_error="")
        )

        imap_mailbox.refresh_from_db()
        assert (imap_mailbox.imap_last_uid, imap_mailbox.imap_error) == (41, "LoginError: no")
        assert "LoginError: no" in admin_client.get(change_url(imap_mailbox)).content.decode()


class TestFetchNow:
    def test_fetch_now_reads_the_folder_and_says_what_it_did(self, admin_client, dovecot, settings):
        settings.MAIL_IMAP_CA_FILE = dovecot.cafile
        mailbox = factories.MailboxFactory(
            name="Support",
            address=f"support@{DOMAIN}",
            imap_host=dovecot.host,
            imap_port=dovecot.ssl_port,
            imap_security=Mailbox.Security.TLS,
            imap_user=dovecot.user,
            imap_password=dovecot.password,
            imap_folder=dovecot.new_folder(),
        )
        dovecot.append(mailbox.imap_folder, [make_email()])
        piped = factories.MailboxFactory(name="Piped")

        response = admin_client.post(
            reverse("admin:mail_mailbox_changelist"),
            {"action": "fetch_now", "_selected_action": [mailbox.pk, piped.pk], "index": 0},
            follow=True,
        )

        assert messages_of(response) == [
            f"Support <support@{DOMAIN}>: read 1 (1 new ticket, 0 replies, 0 bounces,"
            " 0 ignored, 0 failed).",
            f"{piped}: not read, it is inactive or has no IMAP connection.",
        ]
        assert Ticket.objects.count() == 1

    def test_fetch_now_reports_the_error(self, admin_client, imap_mailbox, settings):
        imap_mailbox.imap_host, imap_mailbox.imap_port = "127.0.0.1", 1
        imap_mailbox.save()

        response = admin_client.post(
            change_url(imap_mailbox),
            {
                "CHANGE_FORM-action": "fetch_now",
                "_selected_action": [imap_mailbox.pk],
            },
            follow=True,
        )

        [message] = messages_of(response)
        assert "stopped: ConnectionRefusedError" in message
        assert PASSWORD not in message


def kept_message(mailbox: Mailbox, outcome: str, reason: str = "") -> InboundMessage:
    """A message as ingest keeps it, with this outcome (as if processed before)."""
    raw = make_email(subject="Printer on fire", message_id="<fire@acme.example>")
    message = ingest.keep(raw, parse_email(raw), mailbox=mailbox).message
    InboundMessage.objects.filter(pk=message.pk).update(outcome=outcome, reason=reason)
    message.refresh_from_db()
    return message


def raw_url(message: InboundMessage) -> str:
    return reverse("admin:mail_inboundmessage_raw", args=[message.pk])


class TestInboundMessages:
    def test_the_list_filters_and_search(self, admin_client, mailbox):
        failed = kept_message(mailbox, Outcome.FAILED, "ValueError: broken")
        url = reverse("admin:mail_inboundmessage_changelist")

        page = admin_client.get(url).content.decode()
        assert "Printer on fire" in page and "jane@acme.example" in page

        assert "Printer on fire" in admin_client.get(url, {"outcome": "failed"}).content.decode()
        assert "Printer on fire" not in (
            admin_client.get(url, {"outcome": "ticket_created"}).content.decode()
        )
        for term in ("jane@acme", "on fire", failed.message_id):
            assert "Printer on fire" in admin_client.get(url, {"q": term}).content.decode(), term
        assert "Printer on fire" not in admin_client.get(url, {"q": "nothing"}).content.decode()

    def test_the_detail_is_read_only_with_the_reason_and_the_raw_link(self, admin_client, mailbox):
        message = kept_message(mailbox, Outcome.FAILED, "ValueError: broken header")
        url = reverse("admin:mail_inboundmessage_change", args=[message.pk])

        page = admin_client.get(url).content.decode()

        assert "ValueError: broken header" in page
        assert raw_url(message) in page
        assert 'name="subject"' not in page  # read only
        response = admin_client.post(url, {"subject": "Changed"})
        assert response.status_code == 403

    def test_nobody_adds_or_deletes_a_message(self, admin_client, mailbox):
        message = kept_message(mailbox, Outcome.IGNORED)

        assert admin_client.get(reverse("admin:mail_inboundmessage_add")).status_code == 403
        delete = reverse("admin:mail_inboundmessage_delete", args=[message.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
        assert InboundMessage.objects.filter(pk=message.pk).exists()

    def test_the_raw_message_is_a_download(self, admin_client, mailbox):
        message = kept_message(mailbox, Outcome.FAILED)

        response = admin_client.get(raw_url(message))

        assert response.status_code == 200
        assert response["Content-Type"] == "message/rfc822"
        assert response["Content-Disposition"] == (
            f'attachment; filename="message-{message.pk}.eml"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == ingest.read_raw(message)

    def test_the_raw_message_only_for_staff_who_may_view_messages(
        self, client, agent, outsider, mailbox
    ):
        message = kept_message(mailbox, Outcome.FAILED)

        client.force_login(outsider)
        response = client.get(raw_url(message))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]

        client.force_login(agent)
        assert client.get(raw_url(message)).status_code == 403

        agent.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
        assert client.get(raw_url(message)).status_code == 200

    def test_a_missing_message_or_file_is_a_404(self, admin_client, mailbox):
        message = kept_message(mailbox, Outcome.FAILED)
        message.raw.storage.delete(message.raw.name)

        assert admin_client.get(raw_url(message)).status_code == 404
        missing = reverse("admin:mail_inboundmessage_raw", args=[message.pk + 1000])
        assert admin_client.get(missing).status_code in (302, 404)


class TestProcessAgain:
    def run(self, client, messages):
        return client.post(
            reverse("admin:mail_inboundmessage_changelist"),
            {"action": "process_again", "_selected_action": [m.pk for m in messages], "index": 0},
            follow=True,
        )

    def test_failed_and_pending_messages_are_processed_again(
        self, admin_client, mailbox, django_capture_on_commit_callbacks
    ):
        failed = kept_message(mailbox, Outcome.FAILED, "OperationalError: gone")
        raw = make_email(subject="Second", message_id="<second@acme.example>")
        pending = ingest.keep(raw, parse_email(raw), mailbox=mailbox).message
        handled = ingest.receive(make_email(subject="Third"), mailbox=mailbox).message

        with django_capture_on_commit_callbacks(execute=True):
            response = self.run(admin_client, [failed, pending, handled])

        assert messages_of(response) == [
            "Processed again (Ticket created: 2).",
            "1 left alone: only failed and pending messages are processed again.",
        ]
        failed.refresh_from_db()
        pending.refresh_from_db()
        assert failed.outcome == pending.outcome == Outcome.TICKET_CREATED
        assert failed.reason == ""
        assert Ticket.objects.count() == 3

    def test_from_the_message_page(self, admin_client, mailbox):
        failed = kept_message(mailbox, Outcome.FAILED, "OperationalError: gone")

        response = admin_client.post(
            reverse("admin:mail_inboundmessage_change", args=[failed.pk]),
            {"CHANGE_FORM-action": "process_again", "_selected_action": [failed.pk]},
            follow=True,
        )

        assert messages_of(response) == ["Processed again (Ticket created: 1)."]
        failed.refresh_from_db()
        assert failed.outcome == Outcome.TICKET_CREATED

    def test_only_for_who_may_change_messages(self, client, agent, mailbox):
        failed = kept_message(mailbox, Outcome.FAILED, "OperationalError: gone")
        agent.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
        client.force_login(agent)

        response = self.run(client, [failed])

        assert "Process again" not in response.content.decode()
        failed.refresh_from_db()
        assert failed.outcome == Outcome.FAILED

        agent.user_permissions.add(Permission.objects.get(codename="change_inboundmessage"))
        self.run(client, [failed])
        failed.refresh_from_db()
        assert failed.outcome == Outcome.TICKET_CREATED
