"""A form over the request limits gets a 413 that names the limit, never Django's HTML 400;
a reply sent with htmx keeps its text (the page is left as it is)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Attachment, Reply

HTMX = {"HX-Request": "true"}


def upload(name="notes.txt", size=10):
    return SimpleUploadedFile(name, b"x" * size, content_type="text/plain")


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def small_limits(settings):
    """Two files of 1 KB each, 1 KB of fields: a body may be 3 KB."""
    settings.ATTACHMENT_MAX_FILES = 2
    settings.ATTACHMENT_MAX_SIZE = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024


def reply(client, ticket, *, text="My long careful answer", files=(), headers=None):
    return client.post(
        reverse("ticket_reply", args=[ticket.pk]),
        {"text": text, "kind": "reply", "attachments": list(files)},
        headers=headers or {},
    )


@pytest.mark.usefixtures("small_limits")
class TestAReplyOverTheLimits:
    def test_files_over_the_total_with_htmx(self, signed_in, ticket):
        response = reply(signed_in, ticket, files=[upload("a.txt", 3000)], headers=HTMX)
        assert response.status_code == 413
        message = "The attachments are too large: at most 0.00195 MB in all."
        assert response["X-Upload-Error"] == message
        # No page to swap in: htmx leaves the reply box, and its text, as they are.
        assert response.content.decode() == message
        assert not Reply.objects.exists() and not Attachment.objects.exists()

    def test_files_over_the_total_without_javascript(self, signed_in, ticket):
        response = reply(signed_in, ticket, files=[upload("a.txt", 3000)])
        assert response.status_code == 413
        html = response.content.decode()
        assert "The attachments are too large: at most 0.00195 MB in all." in html
        assert "Go back: your text is still in the form." in html
        assert not Reply.objects.exists()

    def test_a_text_over_the_fields_limit(self, signed_in, ticket):
        response = reply(signed_in, ticket, text="x" * 2000, headers=HTMX)
        assert response.status_code == 413
        assert response["X-Upload-Error"] == (
            "The message is too long: its text may be at most 0.000977 MB."
        )

    def test_too_many_files(self, signed_in, ticket, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
        files = [upload(f"{n}.txt", 1) for n in range(4)]
        response = reply(signed_in, ticket, files=files, headers=HTMX)
        assert response.status_code == 413
        assert response["X-Upload-Error"] == "Too many files: attach at most 2 to one message."

    def test_within_the_limits_the_reply_is_sent(self, signed_in, ticket):
        response = reply(signed_in, ticket, files=[upload("a.txt", 1000)], headers=HTMX)
        assert response.status_code == 200
        assert Reply.objects.get().attachments.count() == 1

    def test_the_reply_box_knows_the_message_for_a_proxys_413(self, signed_in, ticket):
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'data-too-large="The attachments are too large: at most 0.00195 MB in all."' in html
        assert "data-upload-error" in html


def test_the_portal_form_gets_the_413_page_too(small_limits, client, db):
    response = client.post(reverse("portal:sign_in"), {"email": "x" * 2000})
    assert response.status_code == 413
    assert "The message is too long" in response.content.decode()


def test_the_api_keeps_its_own_json_413(small_limits, client, agent):
    client.force_login(agent)
    response = client.post("/api/tickets", {"subject": "x" * 2000})
    assert response.status_code in {403, 413}  # CSRF first for a session, else the limit
    assert response["Content-Type"] == "application/json"
