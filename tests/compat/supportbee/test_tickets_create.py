"""POST /compat/supportbee/tickets.json and POST /attachments.json: the document's body,
through the services on the channel `api`, silently; HTML bodies stored as readable text."""

import datetime
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compat.models import PendingUpload
from tests import factories
from tickets.models import Attachment, Source, Ticket, TicketEvent

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "ticket": {
        "subject": "Subject",
        "requester_name": "John Doe",
        "requester_email": "john@example.com",
        "content_attributes": {
            "body": "Creating a ticket",
            "body_html": "<p>Creating a ticket</p>",
        },
    }
}


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


def create(client, content, **ticket):
    values = {**DOCUMENT["ticket"], "content_attributes": content, **ticket}
    return client.post(f"{BASE}/tickets.json", {"ticket": values}, format="json")


def upload(client, *files):
    return client.post(f"{BASE}/attachments.json", {"files[]": list(files)}, format="multipart")


class TestCreate:
    def test_the_documents_request(
        self, supportbee, agent, department, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = supportbee.post(
                f"{BASE}/tickets.json", json.dumps(DOCUMENT), content_type="application/json"
            )

        assert response.status_code == 201, response.content
        written = body(response)["ticket"]
        ticket = Ticket.objects.get()
        assert written["id"] == ticket.pk
        assert written["subject"] == "Subject"
        assert written["content"]["body"] == "Creating a ticket"
        assert written["requester"]["email"] == "john@example.com"
        assert written["requester"]["name"] == "John Doe"
        assert (written["unanswered"], written["replies_count"]) == (True, 0)
        assert ticket.source == Source.API
        assert ticket.department == department
        assert ticket.creator == agent
        created = ticket.events.get()
        assert (created.kind, created.channel, created.actor) == (
            TicketEvent.Kind.CREATED,
            "api",
            agent,
        )
        assert mailoutbox == []

    def test_body_html_alone_is_stored_as_readable_text(self, supportbee):
        response = create(
            supportbee,
            {"body_html": "<p>Hello <b>there</b></p><script>alert(1)</script><p>Line two</p>"},
        )

        assert response.status_code == 201, response.content
        message = Ticket.objects.get().message
        assert "<" not in message and "alert" not in message
        assert message.split() == ["Hello", "there", "Line", "two"]
        assert body(response)["ticket"]["content"]["html"] == message.replace("\n", "<br>")

    def test_the_new_requester_rule(self, supportbee):
        known = factories.ContactFactory(email="john@example.com")
        domain = factories.ClientDomainFactory(domain="acme.example")

        create(supportbee, {"body": "Hi"})
        create(supportbee, {"body": "Hi"}, requester_email="new@acme.example")

        first, second = Ticket.objects.order_by("pk")
        assert first.requester == known and first.client == known.client
        assert second.client == domain.client
        assert second.requester.name == "John Doe"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"subject": ""}, "subject"),
            ({"subject": None}, "subject"),
            ({"requester_name": ""}, "requester_name"),
            ({"requester_email": "not an address"}, "requester_email"),
            ({"content_attributes": {}}, "body"),
            ({"content_attributes": {"body": "  ", "body_html": "<p> </p>"}}, "body"),
            ({"content_attributes": {"body": "x", "attachment_ids": ["a"]}}, "attachment_ids"),
            ({"content_attributes": {"body": "x", "attachment_ids": [999999]}}, "attachment_ids"),
            ({"content_attributes": {"body": "x", "attachment_ids": [2**64]}}, "attachment_ids"),
            ({"subject": "x" * 256}, "subject"),
            ({"subject": "a\x00b"}, "subject"),
            ({"content_attributes": {"body": "a\x00b"}}, "body"),
            ({"content_attributes": {"body_html": "<p>a\x00b</p>"}}, "body_html"),
            ({"content_attributes": "x"}, "content_attributes"),
        ],
    )
    def test_a_bad_body_is_a_400_naming_the_field(self, supportbee, changes, field):
        values = {**DOCUMENT["ticket"], **changes}

        response = supportbee.post(f"{BASE}/tickets.json", {"ticket": values}, format="json")

        assert response.status_code == 400, response.content
        answer = body(response)
        assert set(answer) == {"error", "errors"}
        assert field in answer["errors"]
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize("sent", [{}, {"ticket": "x"}, []])
    def test_without_the_ticket_object_a_400(self, supportbee, sent):
        response = supportbee.post(f"{BASE}/tickets.json", sent, format="json")

        assert response.status_code == 400
        assert list(body(response)["errors"]) == ["ticket"]

    def test_not_json_is_a_400(self, supportbee):
        response = supportbee.post(f"{BASE}/tickets.json", "{", content_type="application/json")

        assert response.status_code == 400
        assert "error" in body(response)

    def test_without_a_department_a_503(self, supportbee, department):
        department.delete()

        response = create(supportbee, {"body": "Hi"})

        assert response.status_code == 503
        assert set(body(response)) == {"error"}


class TestAttachments:
    def test_upload_then_create_with_the_files(self, supportbee, agent):
        response = upload(
            supportbee,
            SimpleUploadedFile("notes.txt", b"Some notes.\n", "text/plain"),
            SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n0000", "image/png"),
        )
        assert response.status_code == 201, response.content
        uploaded = body(response)["attachments"]
        assert [(a["filename"], a["content_type"]) for a in uploaded] == [
            ("notes.txt", "text/plain"),
            ("logo.png", "image/png"),
        ]
        assert set(uploaded[0]) == {"id", "created_at", "filename", "content_type"}

        response = create(
            supportbee, {"body": "See the files", "attachment_ids": [a["id"] for a in uploaded]}
        )

        assert response.status_code == 201, response.content
        files = body(response)["ticket"]["content"]["attachments"]
        assert [f["filename"] for f in files] == ["notes.txt", "logo.png"]
        stored = Attachment.objects.get(name="notes.txt")
        with stored.file.open("rb") as content:
            written = content.read()
        assert (stored.reply, stored.uploaded_by, written) == (
            None,
            agent,
            b"Some notes.\n",
        )
        assert not PendingUpload.objects.exists()

    def test_another_agents_upload_is_refused(self, supportbee, other_supportbee):
        theirs = body(upload(other_supportbee, SimpleUploadedFile("a.txt", b"a", "text/plain")))

        response = create(
            supportbee, {"body": "x", "attachment_ids": [theirs["attachments"][0]["id"]]}
        )

        assert response.status_code == 400
        assert list(body(response)["errors"]) == ["attachment_ids"]

    @pytest.mark.parametrize(
        "file",
        [
            SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream"),
            SimpleUploadedFile("page.txt", b"<html>", "text/html"),
        ],
        ids=["extension", "type"],
    )
    def test_the_block_list(self, supportbee, file):
        response = upload(supportbee, file)

        assert response.status_code == 400
        assert list(body(response)["errors"]) == ["files"]
        assert not PendingUpload.objects.exists()

    def test_the_size_limit(self, supportbee, settings):
        settings.ATTACHMENT_MAX_SIZE = 10

        response = upload(supportbee, SimpleUploadedFile("big.txt", b"x" * 11, "text/plain"))

        assert response.status_code == 400
        assert "too large" in body(response)["errors"]["files"][0]

    def test_the_number_of_files(self, supportbee, settings):
        settings.ATTACHMENT_MAX_FILES = 1
        files = [SimpleUploadedFile(f"{n}.txt", b"x", "text/plain") for n in range(2)]

        response = upload(supportbee, *files)

        assert response.status_code == 400

    def test_no_file_is_a_400(self, supportbee):
        response = supportbee.post(f"{BASE}/attachments.json", {}, format="multipart")

        assert response.status_code == 400
        assert list(body(response)["errors"]) == ["files"]

    def test_anonymous_is_a_401(self, supportbee_anonymous):
        response = upload(supportbee_anonymous, SimpleUploadedFile("a.txt", b"a", "text/plain"))

        assert response.status_code == 401


class TestStaleUploads:
    def test_an_upload_unused_for_a_day_is_forgotten_at_the_next(
        self, supportbee, django_capture_on_commit_callbacks
    ):
        old = body(upload(supportbee, SimpleUploadedFile("old.txt", b"o", "text/plain")))
        recent = body(upload(supportbee, SimpleUploadedFile("recent.txt", b"r", "text/plain")))
        stale = PendingUpload.objects.get(pk=old["attachments"][0]["id"])
        stale_file = stale.file.name
        PendingUpload.objects.filter(pk=stale.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=1, seconds=1)
        )

        with django_capture_on_commit_callbacks(execute=True):
            upload(supportbee, SimpleUploadedFile("new.txt", b"n", "text/plain"))

        kept = set(PendingUpload.objects.values_list("name", flat=True))
        assert kept == {"recent.txt", "new.txt"}
        assert not default_storage.exists(stale_file)
        assert recent["attachments"][0]["id"] in PendingUpload.objects.values_list("pk", flat=True)
