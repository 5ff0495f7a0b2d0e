"""Attachments in real Chromium: attach with the picker and by dropping, see, preview, download."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tickets.models import Attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e5270de30000000049454e44ae426082"
)


def test_reply_with_a_file_then_download_it(
    signed_in_page: Page, live_server, ticket, csp_errors, tmp_path
):
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.evaluate("window.__noReload = true")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("The report you asked for.")
    box.get_by_label("Attachments").set_input_files(
        [
            {"name": "report ü.txt", "mimeType": "text/plain", "buffer": b"Quarterly figures\n"},
            {"name": "shot.png", "mimeType": "image/png", "buffer": PNG},
        ]
    )
    expect(box.locator("[data-dropzone-list] li")).to_have_count(2)
    expect(box.locator("[data-dropzone-list]")).to_contain_text("report ü.txt (18 bytes)")
    box.get_by_role("button", name="Send reply").click()

    entry = page.locator("#conversation .entry-agent").last
    expect(entry).to_contain_text("The report you asked for.")
    link = entry.get_by_role("link", name="report ü.txt")
    expect(link).to_be_visible()
    expect(entry).to_contain_text("18 bytes · text/plain")
    assert page.evaluate("window.__noReload === true")  # swapped in place by htmx
    # The reply box is fresh again: no file left in it.
    expect(page.locator("#reply-box [data-dropzone-list] li")).to_have_count(0)

    # The image shows as a thumbnail (its preview loaded and decoded).
    thumbnail = entry.locator(".attachment-thumb img")
    expect(thumbnail).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1", arg=thumbnail.element_handle()
    )

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "report ü.txt"
    saved = tmp_path / "downloaded.txt"
    download.save_as(saved)
    assert Path(saved).read_bytes() == b"Quarterly figures\n"
    assert Attachment.objects.count() == 2
    assert csp_errors == []


def test_drop_files_and_see_an_error_that_keeps_the_text(
    signed_in_page: Page, live_server, ticket, csp_errors
):
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("Careful words I do not want to type again.")
    zone = box.locator("[data-dropzone]")
    # Drop two files on the zone, as a file manager would.
    transfer = page.evaluate_handle(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["notes"], "notes.txt", {type: "text/plain"}));
            transfer.items.add(new File(["<p>hi</p>"], "page.html", {type: "text/html"}));
            return transfer;
        }"""
    )
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class("field attachments-field is-dragover")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone.locator("[data-dropzone-list] li")).to_have_count(2)
    expect(zone).not_to_have_class("field attachments-field is-dragover")

    box.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply_attachments_error")).to_contain_text("“page.html” was not attached")
    expect(page.locator("#reply-box").get_by_label("Message")).to_have_value(
        "Careful words I do not want to type again."
    )
    assert Attachment.objects.count() == 0

    # Files cannot survive the swap: choose the good one again and send.
    page.locator("#reply-box").get_by_label("Attachments").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"}]
    )
    page.locator("#reply-box").get_by_role("button", name="Send reply").click()
    expect(page.locator("#conversation").get_by_role("link", name="notes.txt")).to_be_visible()
    assert csp_errors == []


def test_remove_a_chosen_file(signed_in_page: Page, live_server, ticket):
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("Only one file")
    box.get_by_label("Attachments").set_input_files(
        [
            {"name": "keep.txt", "mimeType": "text/plain", "buffer": b"keep"},
            {"name": "drop.txt", "mimeType": "text/plain", "buffer": b"drop"},
        ]
    )
    box.get_by_role("button", name="Remove drop.txt").click()
    expect(box.locator("[data-dropzone-list] li")).to_have_count(1)
    box.get_by_role("button", name="Send reply").click()
    expect(page.locator("#conversation").get_by_role("link", name="keep.txt")).to_be_visible()
    assert list(Attachment.objects.values_list("name", flat=True)) == ["keep.txt"]


def test_new_ticket_with_a_file(signed_in_page: Page, live_server, department, client_company):
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Client").select_option(str(client_company.pk))
    page.get_by_label("Department").select_option(str(department.pk))
    page.get_by_label("Subject").fill("Printer on fire")
    page.get_by_label("Message").fill("Photo attached.")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "fire.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Create ticket").click()
    opening = page.locator("#conversation .entry-opening")
    expect(opening.get_by_role("link", name="fire.png")).to_be_visible()
    expect(opening.locator(".attachment-thumb img")).to_have_count(1)


def test_a_file_over_the_limit_is_flagged_before_sending(
    signed_in_page: Page, live_server, ticket, settings
):
    settings.ATTACHMENT_MAX_SIZE = 10
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("Too big")
    box.get_by_label("Attachments").set_input_files(
        [{"name": "big.txt", "mimeType": "text/plain", "buffer": b"x" * 20}]
    )
    expect(box.locator("[data-dropzone-list] .too-large")).to_have_text(
        "too large, the limit is 10 bytes "
    )
    box.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply_attachments_error")).to_contain_text("“big.txt” is too large")
    assert not Attachment.objects.exists()


def test_a_file_just_over_the_limit_says_so(signed_in_page: Page, live_server, ticket, settings):
    """21,000,000 bytes and a 20 MB limit both read "20.0 MB": the message must not contradict itself."""
    settings.ATTACHMENT_MAX_SIZE = 2048
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("A little too big")
    box.get_by_label("Attachments").set_input_files(
        [{"name": "big.txt", "mimeType": "text/plain", "buffer": b"x" * 2060}]
    )
    expect(box.locator("[data-dropzone-list] .too-large")).to_have_text(
        "just over the limit of 2.0 KB "
    )
    box.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply_attachments_error")).to_contain_text(
        "“big.txt” is just over the limit of 2.0\xa0KB per file."
    )
    assert not Attachment.objects.exists()


def test_a_reply_over_the_request_limit_keeps_its_text(
    signed_in_page: Page, live_server, ticket, settings, csp_errors
):
    # Files within their own limit, over the body's (1 file of 1 KB, 1 KB of fields): the
    # server refuses the request before the form, and the box keeps what was typed.
    settings.ATTACHMENT_MAX_FILES = 1
    settings.ATTACHMENT_MAX_SIZE = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    page = signed_in_page
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.evaluate("window.__noReload = true")
    box = page.locator("#reply-box")
    box.get_by_label("Message").fill("My long careful answer")
    box.get_by_label("Attachments").set_input_files(
        [{"name": "big.txt", "mimeType": "text/plain", "buffer": b"x" * 3000}]
    )
    box.get_by_role("button", name="Send reply").click()
    expect(box.get_by_role("alert")).to_have_text(
        "The attachments are too large: at most 0.000977 MB in all."
    )
    expect(box.get_by_label("Message")).to_have_value("My long careful answer")
    assert page.evaluate("window.__noReload === true")
    assert not Attachment.objects.exists()
    assert csp_errors == []
