"""Attachments: checking uploads, storing them with replies, notes and new tickets,
serving them to agents only, deleting them with their message, emailing them."""

import re

import factory
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tickets import attachments, services, tasks
from tickets.models import Attachment, Channel, Priority, Reply, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# The smallest PNG a browser shows: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e5270de30000000049454e44ae426082"
)


def upload(name="notes.txt", content=b"Some notes.\n", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored(attachment):
    with default_storage.open(attachment.file.name, "rb") as file:
        return file.read()


@pytest.fixture
def limit(settings):
    """A 1 KB limit per file, so tests need no big files."""
    settings.ATTACHMENT_MAX_SIZE = 1024
    return settings.ATTACHMENT_MAX_SIZE


# Checking uploads -------------------------------------------------------------------------


class TestNames:
    @pytest.mark.parametrize(
        ("raw", "clean"),
        [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\rita\\x.txt", "x.txt"),
            ("dir/sub\\mixed/y.log", "y.log"),
            ("bad\x00na\x1bme\u202e.txt", "badname.txt"),
            ("  spaced.txt  ", "spaced.txt"),
            ("trailing.exe. . ", "trailing.exe"),
            ("Résumé 2026 ü.pdf", "Résumé 2026 ü.pdf"),
            ("", ""),
            ("/", ""),
            ("..", ""),
            ("../", ""),
            ("\x00\x01", ""),
        ],
    )
    def test_base_name_without_control_characters(self, raw, clean):
        assert attachments.clean_name(raw) == clean

    def test_a_long_name_keeps_its_extension(self):
        name = attachments.clean_name("a" * 400 + ".pdf")
        assert len(name) == 255
        assert name.endswith("a.pdf")


class TestChecks:
    @pytest.mark.parametrize(
        "name",
        [
            "page.html",
            "page.HTM",
            "x.xhtml",
            "logo.svg",
            "app.js",
            "mod.mjs",
            "setup.exe",
            "lib.dll",
            "run.bat",
            "run.cmd",
            "x.com",
            "s.scr",
            "i.msi",
            "a.jar",
            "p.ps1",
            "v.vbs",
            "s.sh",
            "i.php",
        ],
    )
    def test_blocked_by_extension(self, name):
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads([upload(name, content_type="text/plain")])
        [message] = error.value.message_dict["attachments"]
        assert f"“{name}” was not attached" in message
        assert "not accepted" in message

    @pytest.mark.parametrize(
        "content_type",
        [
            "text/html",
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/javascript",
            "application/x-msdownload",
            "application/x-sh",
            "application/java-archive",
        ],
    )
    def test_blocked_by_content_type(self, content_type):
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads([upload("harmless.txt", content_type=content_type)])
        assert "“harmless.txt” was not attached" in error.value.messages[0]

    def test_too_large(self, limit):
        attachments.check_uploads([upload(content=b"x" * limit)])
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads([upload("big.zip", b"x" * (limit + 1), "application/zip")])
        assert error.value.messages == ["“big.zip” is just over the limit of 1.0\xa0KB per file."]
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads([upload("big.zip", b"x" * (limit * 3), "application/zip")])
        assert error.value.messages == [
            "“big.zip” is too large (3.0\xa0KB); the limit is 1.0\xa0KB per file."
        ]

    def test_too_many_files(self, settings):
        settings.ATTACHMENT_MAX_FILES = 2
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads([upload(f"{n}.txt") for n in range(3)])
        assert error.value.messages == ["Attach at most 2 files to one message."]

    def test_every_problem_is_named(self, limit):
        with pytest.raises(ValidationError) as error:
            attachments.check_uploads(
                [
                    upload("ok.txt"),
                    upload("x.exe"),
                    upload("big.txt", b"x" * 2000),
                    upload("\x00\x01"),
                ]
            )
        messages = error.value.messages
        assert len(messages) == 3
        assert any("x.exe" in m for m in messages) and any("big.txt" in m for m in messages)
        assert "A file has no usable name; rename it and attach it again." in messages

    def test_types(self):
        checked = attachments.check_uploads(
            [
                upload("a.png", PNG, "image/png"),
                upload("fake.png", b"<html><script>1</script>", "image/png"),
                upload("b.csv", b"a,b", ""),
                upload("c.bin", b"\0", "not a type"),
                upload("d.pdf", b"%PDF", "Application/PDF; name=x"),
                upload("e.png", PNG, "application/octet-stream"),
                upload("f", b"\0", "application/octet-stream"),
            ]
        )
        assert [c.content_type for c in checked] == [
            "image/png",
            "application/octet-stream",  # claims to be an image but is not one
            "text/csv",
            "application/octet-stream",
            "application/pdf",
            "image/png",  # a generic type is refined from the name, then checked
            "application/octet-stream",
        ]


# Services ------------------------------------------------------------------------------------


class TestServices:
    def test_reply_with_files(self, ticket, agent):
        reply = services.post_reply(
            ticket=ticket,
            text="See the files.",
            author=agent,
            channel=Channel.WEB,
            attachments=[upload("a.txt", b"first"), upload("b.png", PNG, "image/png")],
        )
        files = list(reply.attachments.order_by("id"))
        assert [(f.name, f.size, f.content_type, f.ticket_id) for f in files] == [
            ("a.txt", 5, "text/plain", ticket.pk),
            ("b.png", len(PNG), "image/png", ticket.pk),
        ]
        assert all(f.uploaded_by == agent for f in files)
        assert stored(files[0]) == b"first" and stored(files[1]) == PNG
        # Stored under a random name, never the uploaded one.
        assert "a.txt" not in files[0].file.name and files[0].file.name.startswith("attachments/")
        assert files[1].is_previewable_image and not files[0].is_previewable_image
        event = ticket.events.get(kind=TicketEvent.Kind.REPLY_ADDED)
        assert event.new_value == {"reply_id": reply.pk, "attachments": ["a.txt", "b.png"]}

    def test_note_with_a_file(self, ticket, agent):
        note = services.post_reply(
            ticket=ticket,
            text="Internal log",
            kind=Reply.Kind.NOTE,
            author=agent,
            channel=Channel.API,
            attachments=[upload("log.txt")],
        )
        assert note.attachments.get().name == "log.txt"
        event = ticket.events.get(kind=TicketEvent.Kind.NOTE_ADDED)
        assert event.new_value["attachments"] == ["log.txt"]

    def test_a_contacts_reply_has_no_uploader(self, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        reply = services.post_reply(
            ticket=ticket,
            text="Screenshot attached",
            author=contact,
            channel=Channel.EMAIL,
            attachments=[upload("shot.png", PNG, "image/png")],
        )
        assert reply.attachments.get().uploaded_by is None

    def test_without_files_the_event_is_unchanged(self, ticket, agent):
        reply = services.post_reply(ticket=ticket, text="Hi", author=agent, channel=Channel.WEB)
        event = ticket.events.get(kind=TicketEvent.Kind.REPLY_ADDED)
        assert event.new_value == {"reply_id": reply.pk}

    def test_a_refused_file_saves_nothing(self, ticket, agent, media_root):
        with pytest.raises(ValidationError) as error:
            services.post_reply(
                ticket=ticket,
                text="Two files",
                author=agent,
                channel=Channel.WEB,
                attachments=[upload("ok.txt"), upload("evil.html", b"<script>", "text/html")],
            )
        assert "evil.html" in error.value.message_dict["attachments"][0]
        assert not Reply.objects.exists() and not Attachment.objects.exists()
        assert not (media_root / "attachments").exists()
        ticket.refresh_from_db()
        assert ticket.replies_count == 0

    def test_a_failed_row_removes_the_files_already_stored(
        self, ticket, agent, media_root, monkeypatch
    ):
        real_save = Attachment.save
        calls = []

        def save(self, *args, **kwargs):
            calls.append(self.name)
            if len(calls) == 2:
                raise RuntimeError("database gone")
            return real_save(self, *args, **kwargs)

        monkeypatch.setattr(Attachment, "save", save)
        with pytest.raises(RuntimeError):
            services.post_reply(
                ticket=ticket,
                text="x",
                author=agent,
                channel=Channel.WEB,
                attachments=[upload("a.txt"), upload("b.txt")],
            )
        assert not Attachment.objects.exists()
        assert [p for p in media_root.rglob("*") if p.is_file()] == []

    def test_new_ticket_with_files(self, agent, department, client_company):
        ticket = services.create_ticket(
            client=client_company,
            department=department,
            subject="Broken",
            message="See attached.",
            actor=agent,
            channel=Channel.WEB,
            attachments=[upload("error.log", b"Traceback")],
        )
        attachment = ticket.attachments.get()
        assert (attachment.reply, attachment.name, stored(attachment)) == (
            None,
            "error.log",
            b"Traceback",
        )
        event = ticket.events.get(kind=TicketEvent.Kind.CREATED)
        assert event.new_value["attachments"] == ["error.log"]

    def test_new_ticket_with_a_blocked_file_is_not_created(self, agent, department, client_company):
        with pytest.raises(ValidationError):
            services.create_ticket(
                client=client_company,
                department=department,
                subject="Broken",
                message="See attached.",
                actor=agent,
                channel=Channel.WEB,
                attachments=[upload("tool.exe", b"MZ", "application/octet-stream")],
            )
        assert not Ticket.objects.exists()

    def test_deleting_a_reply_deletes_its_files_after_the_commit(
        self, ticket, agent, django_capture_on_commit_callbacks
    ):
        reply = services.post_reply(
            ticket=ticket,
            text="Files",
            author=agent,
            channel=Channel.API,
            attachments=[upload("a.txt"), upload("b.txt")],
        )
        other = factories.AttachmentFactory(ticket=ticket)
        names = list(reply.attachments.values_list("file", flat=True))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.delete_reply(reply=reply, actor=agent, channel=Channel.API)
        # The rows are gone at once; the files wait for the commit.
        assert list(Attachment.objects.all()) == [other]
        assert all(default_storage.exists(name) for name in names)
        for callback in callbacks:
            callback()
        assert not any(default_storage.exists(name) for name in names)
        assert default_storage.exists(other.file.name)
        event = ticket.events.get(kind=TicketEvent.Kind.REPLY_DELETED)
        assert event.old_value["attachments"] == ["a.txt", "b.txt"]

    def test_a_rolled_back_deletion_keeps_the_files(self, ticket, agent):
        attachment = factories.AttachmentFactory(ticket=ticket)
        with pytest.raises(RuntimeError):
            from django.db import transaction

            with transaction.atomic():
                services.delete_reply(reply=attachment.reply, actor=agent, channel=Channel.API)
                raise RuntimeError("rolled back")
        assert Attachment.objects.filter(pk=attachment.pk).exists()
        assert default_storage.exists(attachment.file.name)

    def test_deleting_a_ticket_deletes_all_its_files(
        self, ticket, agent, django_capture_on_commit_callbacks
    ):
        on_reply = factories.AttachmentFactory(ticket=ticket)
        on_opening = factories.AttachmentFactory(ticket=ticket, reply=None)
        elsewhere = factories.AttachmentFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_ticket(ticket=ticket, actor=agent, channel=Channel.WEB)
        assert not default_storage.exists(on_reply.file.name)
        assert not default_storage.exists(on_opening.file.name)
        assert default_storage.exists(elsewhere.file.name)
        assert list(Attachment.objects.all()) == [elsewhere]


# Email -----------------------------------------------------------------------------------


class TestEmail:
    @pytest.fixture
    def ticket(self, ticket):
        ticket.requester = factories.ContactFactory(client=ticket.client, email="rita@acme.test")
        ticket.save(update_fields=["requester"])
        return ticket

    def test_the_reply_email_carries_the_files(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.post_reply(
                ticket=ticket,
                text="Here you are.",
                author=agent,
                channel=Channel.WEB,
                attachments=[
                    upload("invoice.pdf", b"%PDF-1.7", "application/pdf"),
                    upload("shot.png", PNG, "image/png"),
                ],
            )
        [email] = mailoutbox
        assert [(a.filename, a.content, a.mimetype) for a in email.attachments] == [
            ("invoice.pdf", b"%PDF-1.7", "application/pdf"),
            ("shot.png", PNG, "image/png"),
        ]
        message = email.message()
        names = [part.get_filename() for part in message.iter_attachments()]
        assert names == ["invoice.pdf", "shot.png"]

    def test_a_note_with_files_is_not_emailed(
        self, ticket, agent, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.post_reply(
                ticket=ticket,
                text="Internal",
                kind=Reply.Kind.NOTE,
                author=agent,
                channel=Channel.WEB,
                attachments=[upload()],
            )
        assert mailoutbox == []

    def test_the_task_reads_the_files_by_id(self, ticket, agent, mailoutbox):
        reply = factories.ReplyFactory(ticket=ticket, author_agent=agent)
        kept = factories.AttachmentFactory(ticket=ticket, reply=reply, name="kept.txt")
        other_reply = factories.AttachmentFactory(ticket=ticket, name="elsewhere.txt")
        assert (
            tasks.send_reply_email.call(reply.pk, attachment_ids=[kept.pk, other_reply.pk, 999])
            == "sent"
        )
        [email] = mailoutbox
        assert [a.filename for a in email.attachments] == ["kept.txt"]

    def test_a_file_missing_from_storage_is_left_out(self, ticket, agent, mailoutbox, caplog):
        reply = factories.ReplyFactory(ticket=ticket, author_agent=agent)
        gone = factories.AttachmentFactory(ticket=ticket, reply=reply, name="gone.txt")
        kept = factories.AttachmentFactory(ticket=ticket, reply=reply, name="kept.txt")
        default_storage.delete(gone.file.name)
        assert tasks.send_reply_email.call(reply.pk, attachment_ids=[gone.pk, kept.pk]) == "sent"
        [email] = mailoutbox
        assert [a.filename for a in email.attachments] == ["kept.txt"]
        assert "gone.txt" in caplog.text

    def test_a_retry_keeps_the_files(self, ticket, agent, settings, monkeypatch):
        reply = factories.ReplyFactory(ticket=ticket, author_agent=agent)
        attachment = factories.AttachmentFactory(ticket=ticket, reply=reply)
        queued = []
        monkeypatch.setattr(
            tasks,
            "_deliver",
            lambda message, description, task, args, kwargs, attempt: (
                queued.append((args, kwargs, [a.filename for a in message.attachments])) or "sent"
            ),
        )
        tasks.send_reply_email.call(reply.pk, attachment_ids=[attachment.pk])
        assert queued == [((reply.pk,), {"attachment_ids": [attachment.pk]}, ["notes.txt"])]


# Web: uploading -----------------------------------------------------------------------------


class TestUploadViews:
    def test_reply_with_several_files(self, signed_in, agent, ticket):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {
                "text": "Both attached",
                "kind": "reply",
                "attachments": [upload("a.txt", b"alpha"), upload("b.png", PNG, "image/png")],
            },
        )
        assert response.status_code == 302
        reply = ticket.replies.get()
        assert [(a.name, a.uploaded_by) for a in reply.attachments.order_by("id")] == [
            ("a.txt", agent),
            ("b.png", agent),
        ]
        page = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        a, b = reply.attachments.order_by("id")
        assert f'href="/attachments/{a.pk}/"' in page and "a.txt" in page
        assert "5\xa0bytes · text/plain" in page
        assert f'src="/attachments/{b.pk}/preview/"' in page
        assert f"/attachments/{a.pk}/preview/" not in page

    def test_note_with_a_file_in_place(self, signed_in, ticket):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {"text": "See log", "kind": "note", "attachments": [upload("log.txt")]},
            headers=HTMX,
        )
        assert response.status_code == 200
        html = response.content.decode()
        attachment = Attachment.objects.get()
        assert attachment.reply.kind == Reply.Kind.NOTE
        assert f'href="/attachments/{attachment.pk}/"' in html  # the swapped conversation
        assert 'hx-encoding="multipart/form-data"' in html  # a fresh reply box

    def test_reply_box_has_a_file_input(self, signed_in, ticket):
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'type="file" name="attachments" multiple' in html
        assert 'enctype="multipart/form-data"' in html
        assert "data-dropzone" in html
        assert "Up to 10 files, 20.0\xa0MB each." in html

    @pytest.mark.parametrize(
        ("file", "message"),
        [
            (upload("big.zip", b"x" * 2000, "application/zip"), "“big.zip” is too large"),
            (upload("page.html", b"<p>", "text/plain"), "“page.html” was not attached"),
            (upload("page.txt", b"<p>", "text/html"), "“page.txt” was not attached"),
        ],
        ids=["oversized", "blocked-extension", "blocked-content-type"],
    )
    def test_a_refused_file_keeps_the_reply_text(self, signed_in, ticket, limit, file, message):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {"text": "My long careful answer", "kind": "note", "attachments": [file]},
            headers=HTMX,
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert message in html
        assert "My long careful answer</textarea>" in html
        assert re.search(r'value="note"[^>]*checked', html)  # the kind is kept too
        assert not Reply.objects.exists() and not Attachment.objects.exists()

    def test_a_refused_file_without_htmx(self, signed_in, ticket, limit):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {"text": "Answer", "kind": "reply", "attachments": [upload("x.exe")]},
        )
        assert response.status_code == 422
        assert "“x.exe” was not attached" in response.content.decode()
        assert "Answer</textarea>" in response.content.decode()

    def test_a_file_streamed_to_disk(self, signed_in, ticket, settings):
        """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE arrive as temporary files."""
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
        content = b"0123456789" * 500
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {
                "text": "Big one",
                "kind": "reply",
                "attachments": [upload("big.png", PNG + content, "image/png")],
            },
        )
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert (attachment.size, attachment.content_type) == (len(PNG) + 5000, "image/png")
        assert stored(attachment) == PNG + content

    def test_a_path_in_the_file_name(self, signed_in, ticket):
        """A crafted request's file name is reduced to its last part."""
        boundary = "BoUnDaRy"
        body = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="text"\r\n\r\nWith path\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="kind"\r\n\r\nreply\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="attachments"; filename="../../etc/passwd"\r\n'
            "Content-Type: text/plain\r\n\r\nroot:x:0:0\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="attachments"; filename="C:\\dir\\x.txt"\r\n'
            "Content-Type: text/plain\r\n\r\nwindows\r\n"
            f"--{boundary}--\r\n"
        )
        response = signed_in.generic(
            "POST",
            reverse("ticket_reply", args=[ticket.pk]),
            body.encode(),
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == 302
        files = list(Attachment.objects.order_by("id"))
        assert [f.name for f in files] == ["passwd", "x.txt"]
        assert stored(files[0]) == b"root:x:0:0"
        assert all(f.file.name.startswith("attachments/") for f in files)

    def test_new_ticket_with_files(self, signed_in, agent, department, client_company):
        response = signed_in.post(
            reverse("new_ticket"),
            {
                "client": client_company.pk,
                "department": department.pk,
                "subject": "Cannot print",
                "message": "The printer says no.",
                "priority": Priority.NORMAL,
                "attachments": [upload("a.txt"), upload("b.txt")],
            },
        )
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert sorted(ticket.attachments.values_list("name", flat=True)) == ["a.txt", "b.txt"]
        assert not ticket.attachments.filter(reply__isnull=False).exists()
        page = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert page.count('data-testid="attachment"') == 2

    def test_new_ticket_with_a_blocked_file_keeps_the_form(
        self, signed_in, department, client_company
    ):
        response = signed_in.post(
            reverse("new_ticket"),
            {
                "client": client_company.pk,
                "department": department.pk,
                "subject": "Cannot print",
                "message": "The printer says no.",
                "priority": Priority.NORMAL,
                "attachments": [upload("logo.svg", b"<svg/>", "image/svg+xml")],
            },
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert "“logo.svg” was not attached" in html
        assert 'value="Cannot print"' in html and "The printer says no.</textarea>" in html
        assert 'enctype="multipart/form-data"' in html
        assert not Ticket.objects.exists()

    def test_outsiders_cannot_upload(self, client, outsider, ticket):
        data = {"text": "x", "kind": "reply", "attachments": [upload()]}
        response = client.post(reverse("ticket_reply", args=[ticket.pk]), data)
        assert response.status_code == 302 and "/login/" in response.url
        client.force_login(outsider)
        data["attachments"] = [upload()]
        assert client.post(reverse("ticket_reply", args=[ticket.pk]), data).status_code == 403
        assert not Attachment.objects.exists()


# Web: downloading --------------------------------------------------------------------------


def download_url(attachment):
    return reverse("attachment_download", args=[attachment.pk])


def preview_url(attachment):
    return reverse("attachment_preview", args=[attachment.pk])


def body(response):
    return b"".join(response.streaming_content)


class TestDownloads:
    def test_download_headers(self, signed_in):
        attachment = factories.AttachmentFactory(name="notes.txt")
        response = signed_in.get(download_url(attachment))
        assert response.status_code == 200
        assert body(response) == b"Some notes.\n"
        assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
        assert response["Content-Type"] == "text/plain"
        assert response["Content-Length"] == str(len(b"Some notes.\n"))
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"

    def test_a_non_ascii_name(self, signed_in):
        attachment = factories.AttachmentFactory(
            name="Résumé 2026.pdf", content_type="application/pdf"
        )
        response = signed_in.get(download_url(attachment))
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%202026.pdf"
        )
        assert response["Content-Type"] == "application/pdf"

    def test_quotes_in_a_name_cannot_break_the_header(self, signed_in):
        attachment = factories.AttachmentFactory(name='a"; filename="evil.html')
        response = signed_in.get(download_url(attachment))
        assert response["Content-Disposition"] == (
            'attachment; filename="a\\"; filename=\\"evil.html"'
        )

    def test_an_html_file_is_never_served_as_a_page(self, signed_in):
        # Refused on upload; a row made some other way is still only a download.
        attachment = factories.AttachmentFactory(name="page.html", content_type="text/html")
        response = signed_in.get(download_url(attachment))
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert signed_in.get(preview_url(attachment)).status_code == 404

    def test_preview_of_an_image(self, signed_in):
        attachment = factories.AttachmentFactory(
            name="shot.png",
            content_type="image/png",
            file=factory.django.FileField(filename="x", data=PNG),
        )
        response = signed_in.get(preview_url(attachment))
        assert response.status_code == 200
        assert body(response) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == 'inline; filename="shot.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        # The download of an image is still a download.
        assert signed_in.get(download_url(attachment))["Content-Disposition"].startswith(
            "attachment;"
        )

    @pytest.mark.parametrize("content_type", ["text/plain", "image/svg+xml", "application/pdf"])
    def test_no_preview_for_other_types(self, signed_in, content_type):
        attachment = factories.AttachmentFactory(content_type=content_type)
        assert signed_in.get(preview_url(attachment)).status_code == 404

    def test_another_agent_may_download(self, client, other_agent):
        attachment = factories.AttachmentFactory()
        client.force_login(other_agent)
        assert client.get(download_url(attachment)).status_code == 200

    def test_anonymous_is_sent_to_sign_in(self, client):
        attachment = factories.AttachmentFactory()
        for url in (download_url(attachment), preview_url(attachment)):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))

    def test_a_non_agent_is_refused(self, client, outsider):
        attachment = factories.AttachmentFactory(content_type="image/png")
        client.force_login(outsider)
        assert client.get(download_url(attachment)).status_code == 403
        assert client.get(preview_url(attachment)).status_code == 403

    def test_an_inactive_agent_is_refused(self, client):
        attachment = factories.AttachmentFactory()
        client.force_login(factories.AgentFactory(is_active=False))
        assert client.get(download_url(attachment)).status_code in {302, 403}

    def test_unknown_id(self, signed_in):
        assert signed_in.get("/attachments/999999/").status_code == 404
        assert signed_in.get(f"/attachments/{2**63}/").status_code == 404
        assert signed_in.get("/attachments/999999/preview/").status_code == 404

    def test_a_file_missing_from_storage(self, signed_in):
        attachment = factories.AttachmentFactory()
        default_storage.delete(attachment.file.name)
        assert signed_in.get(download_url(attachment)).status_code == 404

    def test_post_is_not_allowed(self, signed_in):
        attachment = factories.AttachmentFactory()
        assert signed_in.post(download_url(attachment)).status_code == 405


# The ticket page -------------------------------------------------------------------------


class TestTicketPage:
    def test_files_of_the_opening_message_and_of_replies(self, signed_in, ticket):
        opening = factories.AttachmentFactory(ticket=ticket, reply=None, name="opening.txt")
        on_reply = factories.AttachmentFactory(ticket=ticket, name="answer <b>.txt")
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        opening_entry = html.split('class="entry entry-opening"')[1].split('id="reply-')[0]
        assert "opening.txt" in opening_entry and "answer" not in opening_entry
        reply_entry = html.split(f'id="reply-{on_reply.reply_id}"')[1]
        assert "answer &lt;b&gt;.txt" in reply_entry and "<b>.txt" not in html
        assert f'href="/attachments/{opening.pk}/"' in html

    def test_query_count_does_not_grow_with_files(self, signed_in, ticket):
        def add(count):
            for _ in range(count):
                reply = factories.ReplyFactory(ticket=ticket)
                factories.AttachmentFactory(ticket=ticket, reply=reply)
                factories.AttachmentFactory(ticket=ticket, reply=reply, content_type="image/png")
                factories.AttachmentFactory(ticket=ticket, reply=None)

        add(1)
        with CaptureQueriesContext(connection) as small:
            signed_in.get(reverse("ticket", args=[ticket.pk]))
        add(15)
        with CaptureQueriesContext(connection) as large:
            response = signed_in.get(reverse("ticket", args=[ticket.pk]))
        assert response.content.decode().count('data-testid="attachment"') == 48
        assert len(large.captured_queries) == len(small.captured_queries)
        # Exactly one query reads the files, whatever their number.
        reads = [q for q in large.captured_queries if 'FROM "tickets_attachment"' in q["sql"]]
        assert len(reads) == 1


# Admin ---------------------------------------------------------------------------------------


class TestAdmin:
    def test_read_only_list(self, client, admin_user):
        attachment = factories.AttachmentFactory(name="report.pdf", size=2048)
        client.force_login(admin_user)
        changelist = client.get(reverse("admin:tickets_attachment_changelist"))
        assert changelist.status_code == 200
        html = changelist.content.decode()
        assert "report.pdf" in html and "2.0\xa0KB" in html
        assert f"#{attachment.ticket_id}" in html
        assert client.get(reverse("admin:tickets_attachment_add")).status_code == 403
        detail = client.get(reverse("admin:tickets_attachment_change", args=[attachment.pk]))
        assert detail.status_code == 200
        assert 'type="file"' not in detail.content.decode()
        delete = reverse("admin:tickets_attachment_delete", args=[attachment.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert Attachment.objects.filter(pk=attachment.pk).exists()
