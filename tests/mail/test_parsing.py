"""Reading raw messages: the fixture corpus, malformed and random input, reply stripping,
and the subject and header helpers. No database."""

import random
import time
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.headerregistry import HeaderRegistry

import pytest

from mail.decoding import HEADER_CACHE_VALUE_LENGTH, POLICY, decode_bytes
from mail.parsing import (
    Bounce,
    EmailAttachment,
    ParsedEmail,
    addresses,
    normalize_message_id,
    parse_email,
    strip_reply_prefixes,
    ticket_reference,
)
from mail.replies import latest_reply
from tests.mail.fixtures import (
    FIXTURES,
    LARGE_ATTACHMENT_SIZE,
    fixture_names,
    large_attachment_content,
    large_attachment_message,
    load,
)

MAILBOX = "support@helpdesk.example.test"
THREAD = "<ticket-1.abcdef12@helpdesk.example.test>"
OUR_REPLY = "<reply-abc123.ticket-1@helpdesk.example.test>"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CET = timezone(timedelta(hours=1))


def parse(name: str) -> ParsedEmail:
    return parse_email(load(name))


def assert_sane(parsed: ParsedEmail) -> None:
    """What every result holds, whatever the input: storable text, aware dates, right types."""
    assert isinstance(parsed, ParsedEmail)
    texts = [
        parsed.message_id,
        parsed.sender,
        parsed.sender_name,
        parsed.reply_to,
        parsed.subject,
        parsed.text,
        parsed.reply_text,
        *parsed.in_reply_to,
        *parsed.references,
        *parsed.to,
        *parsed.cc,
        *parsed.delivered_to,
        *parsed.problems,
        *(attachment.filename for attachment in parsed.attachments),
        *(attachment.content_type for attachment in parsed.attachments),
        *(attachment.content_id for attachment in parsed.attachments),
    ]
    for text in texts:
        assert isinstance(text, str)
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: a database refuses them
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert all(isinstance(attachment.content, bytes) for attachment in parsed.attachments)
    assert all(attachment.filename for attachment in parsed.attachments)
    assert parsed.reply_text or not parsed.text
    if parsed.bounce is not None:
        assert parsed.is_auto_reply


# --- the fixture corpus -------------------------------------------------------------


def test_the_readme_describes_every_fixture():
    readme = (FIXTURES / "README.md").read_text()
    listed = {line.split("`")[1] for line in readme.splitlines() if line.startswith("- `")}
    assert listed == set(fixture_names())


def test_plain_text():
    parsed = parse("plain_text.eml")

    assert parsed == ParsedEmail(
        message_id="<CAF1a2b3c4d5e6@mail.acme.example>",
        sender="ana@acme.example",
        sender_name="Ana Lima",
        to=(MAILBOX,),
        cc=("bob@acme.example",),
        delivered_to=(MAILBOX,),
        subject="Printer on floor 3 is broken",
        date=datetime(2026, 1, 5, 9, 15, tzinfo=CET),
        text='Hello,\n\nthe printer on floor 3 shows "Error 49" and prints nothing since this '
        "morning.\n\nAna",
        reply_text='Hello,\n\nthe printer on floor 3 shows "Error 49" and prints nothing since '
        "this morning.\n\nAna",
    )


def test_html_only_becomes_plain_text():
    parsed = parse("html_only.eml")

    assert parsed.sender_name == "Lima, Ana"
    assert parsed.text == (
        "Grüße,\n\nplease check these invoices:\n\n  * INV-1001\n  * INV-1002\n\n"
        "Details are in the [portal](https://portal.acme.example/invoices).\n\nAmount  120 EUR"
    )
    assert "<" not in parsed.text
    assert "alert" not in parsed.text
    assert "color" not in parsed.text
    assert parsed.attachments == ()
    assert parsed.problems == ()


def test_alternative_with_attachments():
    parsed = parse("alternative_with_attachments.eml")

    assert parsed.sender_name == "Jürgen Müller"
    assert parsed.text == "Hello,\nthe invoice for March is attached, and the printer log.\nJürgen"
    assert parsed.attachments == (
        EmailAttachment("Rechnung März.pdf", "application/pdf", PDF, "", False),
        # The name was a Windows path: only the file's own name is kept.
        EmailAttachment(
            "printer-log.txt", "text/plain", b"09:00 Error 49\n09:05 Error 49", "", False
        ),
    )
    assert parsed.problems == ()


def test_inline_image():
    parsed = parse("inline_image.eml")

    assert parsed.text == "This is what the screen shows:\n[image: error.png]"
    [image] = parsed.attachments
    assert image.filename == "error.png"
    assert image.content_type == "image/png"
    assert image.content.startswith(PNG_SIGNATURE)
    assert image.content_id == "error-screenshot@acme.example"
    assert image.inline


def test_an_image_referenced_by_its_content_id_is_inline_without_a_disposition():
    raw = load("inline_image.eml").replace(
        b'Content-Disposition: inline; filename="error.png"\n', b""
    )

    [image] = parse_email(raw).attachments

    assert image.inline
    assert image.content_id == "error-screenshot@acme.example"


def test_iso_8859_1_body_and_a_raw_latin_1_subject():
    parsed = parse("latin1_body.eml")

    assert parsed.sender_name == "François Bérard"
    assert parsed.subject == "Café machine"
    assert parsed.text == (
        "Bonjour,\n\nla machine à café crème du 2ème étage est en panne.\n\nFrançois"
    )
    assert parsed.problems == ("Subject header: no charset, not UTF-8: read as cp1252",)


def test_shift_jis_body():
    parsed = parse("shift_jis_body.eml")

    assert parsed.sender_name == "田中 太郎"
    assert parsed.text == "こんにちは。\nプリンターが動きません。"
    assert parsed.date == datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("subject_utf8_base64.eml", "Drucker kaputt 🖨️ \u2013 bitte schnell"),
        ("subject_utf8_quoted_printable.eml", "Réunion: écran noir on floor 3"),
        ("subject_shift_jis.eml", "プリンター故障"),
    ],
)
def test_encoded_word_subjects(name, subject):
    parsed = parse(name)

    assert parsed.subject == subject
    assert parsed.problems == ()


def test_a_15_mb_attachment_is_read_whole():
    parsed = parse_email(large_attachment_message())

    assert parsed.text == "The disk image is attached."
    [attachment] = parsed.attachments
    assert attachment.filename == "laptop.img"
    assert attachment.content_type == "application/octet-stream"
    assert len(attachment.content) == LARGE_ATTACHMENT_SIZE
    assert attachment.content == large_attachment_content()
    assert parsed.problems == ()


def test_an_exe_attachment_is_kept_for_the_caller_to_refuse():
    parsed = parse("blocked_exe_attachment.eml")

    assert parsed.attachments == (
        EmailAttachment(
            "driver-setup.exe", "application/x-msdownload", b"MZ" + bytes(62), "", False
        ),
    )


def test_no_from():
    parsed = parse("no_from.eml")

    assert parsed.sender == ""
    assert parsed.sender_name == ""
    assert parsed.text == "Nobody signed this."
    assert parsed.message_id == "<no-from.1@mail.acme.example>"
    assert parsed.problems == ("no From header",)


def test_no_message_id():
    parsed = parse("no_message_id.eml")

    assert parsed.message_id == ""
    assert parsed.sender == "dave@acme.example"
    assert parsed.problems == ("no Message-ID header",)


def test_multipart_without_a_boundary_is_read_as_one_text():
    parsed = parse("broken_multipart_no_boundary.eml")

    assert parsed.text == "The VPN drops every ten minutes."
    assert parsed.attachments == ()
    assert any("no boundary" in problem for problem in parsed.problems)


def test_damaged_base64_is_decoded_as_far_as_it_goes():
    parsed = parse("broken_bad_base64.eml")

    assert parsed.text == "The scanner is offline."
    [attachment] = parsed.attachments
    assert attachment.filename == "scan.bin"
    assert attachment.content == bytes(range(6))
    assert any("base64" in problem for problem in parsed.problems)


def test_a_bogus_charset_is_read_as_utf_8():
    parsed = parse("broken_bogus_charset.eml")

    assert parsed.text == "Café crème for the meeting room, please."
    assert parsed.subject == "Café order"
    assert parsed.problems == (
        "body: unknown charset 'x-bogus-42': read as UTF-8",
        "Subject header: encoded words in an unknown charset: read as UTF-8 or cp1252",
    )


def test_a_content_type_that_crashes_the_modern_parser_falls_back_to_the_lenient_one():
    parsed = parse("broken_content_type_name_star.eml")

    assert parsed.text == "The scanner on floor 2 jams."
    assert parsed.sender == "dave@acme.example"
    assert parsed.subject == "Content-Type that crashes the modern parser"
    assert parsed.message_id == "<name-star.1@mail.acme.example>"
    assert parsed.problems == (
        "parsed with the lenient parser: the standard one failed "
        "(IndexError: string index out of range)",
    )


def test_a_header_that_crashes_the_modern_parser_is_read_leniently_alone():
    parsed = parse("broken_address_header.eml")

    assert parsed.to == ()
    assert parsed.cc == ("bob@acme.example",)
    assert parsed.sender == "dave@acme.example"
    assert parsed.date is None
    assert parsed.text == "The To header of this message is a lone quote."
    assert "To header: unreadable by the standard parser (IndexError); read leniently" in (
        parsed.problems
    )
    assert "Date header: not a date ('32 Foo 2026 99:99:99 +9999')" in parsed.problems


def test_out_of_office_auto_reply():
    parsed = parse("auto_reply_out_of_office.eml")

    assert parsed.is_auto_reply
    assert parsed.suppress_auto_reply
    assert parsed.bounce is None
    assert parsed.in_reply_to == (OUR_REPLY,)
    assert parsed.references == (THREAD, OUR_REPLY)


def test_exchange_out_of_office_only_asks_for_no_auto_reply():
    parsed = parse("exchange_out_of_office.eml")

    assert not parsed.is_auto_reply
    assert parsed.suppress_auto_reply
    assert parsed.in_reply_to == (OUR_REPLY,)


def test_postfix_bounce_with_the_original_attached():
    parsed = parse("bounce_dsn_postfix.eml")

    assert parsed.bounce == Bounce(OUR_REPLY, ("nobody@acme.example",), True)
    assert parsed.is_auto_reply
    assert parsed.suppress_auto_reply
    assert parsed.sender == "mailer-daemon@mail.helpdesk.example.test"
    assert parsed.text.startswith("This is the mail system at host mail.helpdesk.example.test.")
    [original] = parsed.attachments
    assert original.filename == "attachment.eml"
    assert original.content_type == "message/rfc822"
    assert message_from_bytes(original.content, policy=policy.default)["Message-ID"] == OUR_REPLY


def test_postfix_bounce_with_the_original_headers_only():
    parsed = parse("bounce_dsn_headers_only.eml")

    assert parsed.bounce == Bounce(OUR_REPLY, ("nobody@acme.example",), True)
    assert parsed.attachments == ()


def test_a_delayed_delivery_report_is_a_temporary_bounce():
    raw = load("bounce_dsn_headers_only.eml").replace(b"Action: failed", b"Action: delayed")
    raw = raw.replace(b"Status: 5.1.1", b"Status: 4.4.7")

    assert parse_email(raw).bounce == Bounce(OUR_REPLY, (), False)


def test_plain_text_bounce_from_a_mailer_daemon():
    parsed = parse("bounce_qmail.eml")

    assert parsed.bounce == Bounce(
        "<reply-def456.ticket-1@helpdesk.example.test>", ("left.company@acme.example",), True
    )
    assert parsed.is_auto_reply


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("reply_gmail.eml", "Thanks, that fixed it. The printer works again.\n\nAna"),
        (
            "reply_outlook_web.eml",
            "Hi,\n\nIt still shows the same error after the restart.\n\n"
            "Kind regards,\nBob Miller\nIT Coordinator | ACME GmbH",
        ),
        ("reply_outlook_desktop.eml", "Works now, thanks!\n\nBob"),
        ("reply_apple_mail.eml", "Yes, the red light is blinking.\n\nSent from my iPhone"),
        ("reply_gmail_german.eml", "Danke, jetzt geht es wieder.\n\nGrüße\nEva"),
    ],
)
def test_replies_lose_the_quoted_conversation(name, reply):
    parsed = parse(name)

    assert parsed.reply_text == reply
    assert parsed.text.startswith(reply)
    assert len(parsed.text) > len(reply)
    assert THREAD in parsed.references
    assert parsed.in_reply_to
    assert not parsed.is_auto_reply
    assert parsed.problems == ()


def test_outlook_desktop_crlf_lines_become_plain_newlines():
    parsed = parse("reply_outlook_desktop.eml")

    assert "\r" not in parsed.text
    assert parsed.references == (THREAD, OUR_REPLY)
    assert parsed.sender_name == "Miller, Bob"


def test_an_html_only_gmail_reply_loses_its_quote_too():
    html = message_from_bytes(load("reply_gmail.eml"), policy=policy.default).get_body(
        preferencelist=("html",)
    )
    raw = (
        b"From: Ana Lima <ana@acme.example>\nSubject: Re: [#1] Printer on floor 3 is broken\n"
        b"Content-Type: text/html; charset=utf-8\n\n" + html.get_content().encode()
    )

    parsed = parse_email(raw)

    assert parsed.reply_text == "Thanks, that fixed it. The printer works again.\n\nAna"
    assert "Please power-cycle the printer" in parsed.text


def test_inline_answers_are_kept_whole():
    parsed = parse("reply_inline_answers.eml")

    assert parsed.reply_text == parsed.text
    assert "> Which model is it?\nHP 4000." in parsed.reply_text
    assert parsed.reply_text.endswith("-- \nDave Smith\nSales, ACME GmbH")


def test_a_forged_ticket_tag_is_only_a_subject():
    parsed = parse("forged_ticket_tag.eml")

    assert ticket_reference(parsed.subject) == 1
    assert parsed.sender == "stranger@evil.example"
    assert parsed.in_reply_to == ()
    assert parsed.references == ()
    assert not parsed.is_auto_reply
    assert not parsed.is_spam


def test_spam_flag():
    parsed = parse("spam_flagged.eml")

    assert parsed.is_spam
    assert not parsed.is_auto_reply


def test_mailing_list_message_gets_no_auto_reply():
    parsed = parse("mailing_list.eml")

    assert parsed.suppress_auto_reply
    assert not parsed.is_auto_reply
    assert not parsed.is_spam


def test_a_forwarded_message_stays_one_eml_attachment_and_its_quotes_stay():
    parsed = parse("forwarded_message.eml")

    assert parsed.reply_text == parsed.text
    assert parsed.text.endswith("> Quoted line that stays, because this is a forward.")
    [forwarded] = parsed.attachments
    assert forwarded.filename == "attachment.eml"
    assert forwarded.content_type == "message/rfc822"
    inner = message_from_bytes(forwarded.content, policy=policy.default)
    assert inner["Subject"] == "Toner order confirmation"
    assert [part.get_filename() for part in inner.iter_attachments()] == ["order-778.pdf"]


@pytest.mark.parametrize(
    ("headers", "auto_reply", "suppress"),
    [
        (b"Auto-Submitted: no\n", False, False),
        (b"Auto-Submitted: auto-generated; owner-email=x@y\n", True, True),
        (b"X-Autoreply: yes\n", True, True),
        (b"X-Autorespond: vacation\n", True, True),
        (b"X-Autoresponder: 1\n", True, True),
        (b"Precedence: bulk\n", True, True),
        (b"X-Precedence: junk\n", True, True),
        (b"Precedence: auto_reply\n", True, True),
        (b"Precedence: first-class\n", False, False),
        (b"X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply\n", False, True),
        (b"List-Unsubscribe: <mailto:leave@lists.acme.example>\n", False, True),
        (b"Return-Path: <>\n", False, True),
        (b"Return-Path: < >\n", False, True),
    ],
)
def test_automatic_mail_signals(headers, auto_reply, suppress):
    parsed = parse_email(headers + load("plain_text.eml"))

    assert (parsed.is_auto_reply, parsed.suppress_auto_reply) == (auto_reply, suppress)


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.acme.example", "Postmaster@acme.example"])
def test_mail_from_a_mail_system_is_automatic(sender):
    raw = load("no_from.eml").replace(b"To:", f"From: {sender}\nTo:".encode(), 1)

    parsed = parse_email(raw)

    assert parsed.is_auto_reply
    assert parsed.bounce is None  # not a bounce without its empty Return-Path


def test_a_read_receipt_is_automatic_but_no_bounce():
    raw = load("bounce_dsn_headers_only.eml")
    raw = raw.replace(b"report-type=delivery-status", b"report-type=disposition-notification")
    raw = raw.replace(b"message/delivery-status", b"message/disposition-notification")
    raw = raw.replace(b"Return-Path: <>\n", b"").replace(b"Auto-Submitted: auto-replied\n", b"")
    raw = raw.replace(b"MAILER-DAEMON@", b"bob@")

    parsed = parse_email(raw)

    assert parsed.bounce is None
    assert parsed.is_auto_reply


def test_message_ids_and_addresses_are_read_from_messy_headers():
    raw = (
        b"From: =?utf-8?q?M=C3=BCller=2C_Bob?= <Bob@ACME.example>\n"
        b"To: a@acme.example, A@acme.example, undisclosed-recipients:;\n"
        b"Reply-To: Help Desk <Helpdesk@Acme.Example>\n"
        b"X-Original-To: Support@helpdesk.example.test\n"
        b"Message-ID:\n <folded@mail.acme.example>\n"
        b"In-Reply-To: Your message of Monday <" + THREAD.strip("<>").encode() + b">\n"
        b"References: "
        + THREAD.encode()
        + b"\n\t"
        + OUR_REPLY.encode()
        + b" "
        + THREAD.encode()
        + b"\n"
        b"Subject:   Re:  many\n   spaces  \n"
        b"\n"
        b"Hi\n"
    )

    parsed = parse_email(raw)

    assert parsed.sender == "bob@acme.example"
    assert parsed.sender_name == "Müller, Bob"
    assert parsed.to == ("a@acme.example",)
    assert parsed.reply_to == "helpdesk@acme.example"
    assert parsed.delivered_to == (MAILBOX,)
    assert parsed.message_id == "<folded@mail.acme.example>"
    assert parsed.in_reply_to == (THREAD,)
    assert parsed.references == (THREAD, OUR_REPLY)
    assert parsed.subject == "Re: many spaces"


def test_a_date_without_a_time_zone_is_read_as_utc():
    raw = load("plain_text.eml").replace(b"09:15:00 +0100", b"09:15:00 -0000")

    assert parse_email(raw).date == datetime(2026, 1, 5, 9, 15, tzinfo=UTC)


def test_raw_utf_8_headers_are_read():
    raw = "From: Jürgen Müller <j@acme.example>\nSubject: Grüße aus Köln\n\nHallo\n".encode()

    parsed = parse_email(raw)

    assert parsed.sender_name == "Jürgen Müller"
    assert parsed.subject == "Grüße aus Köln"
    assert parsed.problems == ("no Message-ID header",)


def test_nul_characters_never_reach_the_text():
    raw = b"From: a@acme.example\nSubject: a\x00b\nContent-Type: text/html\n\n<p>x\x00y</p>\n"

    parsed = parse_email(raw)

    assert parsed.subject == "ab"
    assert parsed.text == "xy"


# --- never raises ---------------------------------------------------------------------


@pytest.mark.parametrize("name", fixture_names())
def test_every_prefix_of_a_fixture_parses(name):
    raw = load(name)
    for length in range(0, len(raw) + 1, max(1, len(raw) // 40)):
        assert_sane(parse_email(raw[:length]))


@pytest.mark.parametrize("name", fixture_names())
def test_every_fixture_parses_sanely(name):
    assert_sane(parse(name))


def test_random_bytes_parse():
    rng = random.Random(1)
    for _ in range(300):
        assert_sane(parse_email(rng.randbytes(rng.randrange(0, 2000))))


def test_damaged_fixtures_parse():
    rng = random.Random(1)
    for name in fixture_names():
        raw = bytearray(load(name))
        for _ in range(10):
            damaged = raw.copy()
            for _ in range(rng.randrange(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.choice(b'\x00\n\r:;"<>=?\\\x80\xff -')
            assert_sane(parse_email(bytes(damaged)))


def deeply_nested(depth: int) -> bytes:
    body = b"hello"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\n\n--"
            + boundary
            + b"\n"
            + body
            + b"\n--"
            + boundary
            + b"--\n"
        )
    return b"From: a@acme.example\nSubject: deep\n" + body


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 1000,
        b"\r\n" * 1000,
        b":",
        b"From:\n\n",
        b"Subject: " + b"x" * 100_000 + b"\n\nbody",
        b"References: " + b"<a@b> " * 10_000 + b"\n\n",
        b"Content-Type: multipart/mixed; boundary=\n\n--\n\n----\n",
        b"Content-Type: multipart/alternative; boundary=x\n\n--x\n--x--\n",
        b"Content-Type: message/rfc822\n\nnot a message",
        b"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n!!!\n",
        b"Content-Type: text/html\n\n" + b"<div>" * 10_000,
        b'Content-Type: text/plain; charset=""\n\n\xff\xfe',
        b"Content-Type: text/plain; charset*=bogus''x\n\nhi",
        b"Content-Disposition: attachment; filename*0*=utf-8''a; filename*1*=%ff%fe\n\nhi",
        b"Date: Mon, 5 Jan 99999 10:00:00 +0000\nMessage-ID: <" + b"x" * 5000 + b"@y>\n\nhi",
        "Subject: =?x-bogus?b?\udcff?=\n\nhi".encode("utf-8", "surrogateescape"),
    ],
)
def test_nasty_inputs_parse(raw):
    assert_sane(parse_email(raw))


def test_parts_nested_too_deep_leave_the_headers():
    parsed = parse_email(deeply_nested(2000))

    assert_sane(parsed)
    assert parsed.subject == "deep"
    assert parsed.sender == "a@acme.example"
    assert any("headers only" in problem for problem in parsed.problems)


def test_parse_email_does_not_raise_on_something_that_is_not_bytes():
    parsed = parse_email(None)  # what a caller with a bug could pass

    assert parsed.text == ""
    assert parsed.problems


# --- reply stripping --------------------------------------------------------------------

GMAIL = """Thanks, that fixed it. The printer works again.

Ana

On Mon, 5 Jan 2026 at 10:02, Helpdesk Support <support@helpdesk.example.test>
wrote:

> Hi Ana,
>
> Please power-cycle the printer and try again.
"""

OUTLOOK = """Hi,

It still shows the same error.

Kind regards,
Bob Miller

________________________________
From: Helpdesk Support <support@helpdesk.example.test>
Sent: Monday, January 5, 2026 10:02 AM
To: Bob Miller <bob@acme.example>
Subject: RE: [#1] Printer

Please power-cycle the printer.
"""

OUTLOOK_DESKTOP = """Works now, thanks!

Bob

From: Helpdesk Support <support@helpdesk.example.test>
Sent: Monday, 5 January 2026 10:02
To: Bob Miller <bob@acme.example>
Subject: RE: [#1] Printer

Please power-cycle the printer.
"""

APPLE = """Yes, the red light is blinking.

Sent from my iPhone

> On 5 Jan 2026, at 10:02, Helpdesk Support <support@helpdesk.example.test> wrote:
>
> Is the red light blinking?
"""

GERMAN = """Danke, jetzt geht es wieder.

Am Mo., 5. Jan. 2026 um 10:02 Uhr schrieb Helpdesk Support <
support@helpdesk.example.test>:

> Hallo Eva,
> bitte starten Sie den Drucker neu.
"""

ORIGINAL_MESSAGE = """Please close it.

-----Original Message-----
From: Helpdesk Support
Sent: Monday
"""


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (GMAIL, "Thanks, that fixed it. The printer works again.\n\nAna"),
        (OUTLOOK, "Hi,\n\nIt still shows the same error.\n\nKind regards,\nBob Miller"),
        (OUTLOOK_DESKTOP, "Works now, thanks!\n\nBob"),
        (APPLE, "Yes, the red light is blinking.\n\nSent from my iPhone"),
        (GERMAN, "Danke, jetzt geht es wieder."),
        (ORIGINAL_MESSAGE, "Please close it."),
        ("Fine now.\n\n> Did it work?\n> Please tell us.\n", "Fine now."),
        ("Fine now.\n\n-- \nDave Smith\nSales\n", "Fine now.\n\n-- \nDave Smith\nSales"),
        ("> Which model?\nHP 4000.\n", "> Which model?\nHP 4000."),
        ("> only a quote\n> nothing else\n", "> only a quote\n> nothing else\n"),
        ("", ""),
    ],
)
def test_latest_reply(text, reply):
    assert latest_reply(text) == reply


def test_the_reply_keeps_its_indentation():
    text = "Log:\n    line one\n        line two\n\n" + GMAIL.split("\n\n", 2)[2]

    assert latest_reply(text) == "Log:\n    line one\n        line two"


def test_blank_line_runs_and_separators_in_the_reply_do_not_shift_the_cut():
    text = "First.\n\n\n\n\n" + "_" * 40 + "\nSecond.\n\n\n" + GMAIL.split("\n\n", 2)[2]

    assert latest_reply(text) == "First.\n\n\n\n\n" + "_" * 40 + "\nSecond."


@pytest.mark.parametrize(
    "text",
    [
        "x\n" + "\n" * 100_000 + "On Mon, Bob wrote:\n> quoted",
        ("On " + "a b " * 10_000 + "\n") * 20,
        "On " + "a" * 200_000,
        ("From: a\n" * 50_000),
    ],
)
def test_reply_stripping_is_fast_on_hostile_text(text):
    started = time.perf_counter()

    latest_reply(text)

    assert time.perf_counter() - started < 5


def test_a_quote_beyond_the_probed_text_is_not_stripped():
    long_reply = ("word " * 50 + "\n") * 200
    text = long_reply + "\nOn Mon, Bob wrote:\n> quoted"

    assert latest_reply(text) == long_reply + "\nOn Mon, Bob wrote:"


def test_long_lines_are_shortened_for_the_probe_but_kept_in_the_reply():
    long_line = "word " * 10_000
    text = long_line + "\n\nOn Mon, Bob wrote:\n> quoted"

    assert latest_reply(text) == long_line.rstrip()


# --- subjects and header values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[#1] Printer", 1),
        ("Re: [#123] Printer", 123),
        ("AW: Printer [#42]", 42),
        ("[#007] Leading zeros", 7),
        ("first [#5] then [#6]", 5),
        ("[#9223372036854775807] biggest", 2**63 - 1),
        ("[#9223372036854775808] too big", None),
        ("[#99999999999999999999999999] far too big", None),
        ("[#0] zero", None),
        ("[#12a] not a number", None),
        ("[# 12] a space", None),
        ("[#-3] negative", None),
        ("[#١٢] other digits", None),
        ("#12 no brackets", None),
        ("", None),
    ],
)
def test_ticket_reference(subject, number):
    assert ticket_reference(subject) == number


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Printer", "Printer"),
        ("RE: Fwd: AW: WG: Printer", "Printer"),
        ("re:re: Printer", "Printer"),
        ("Re[2]: Printer", "Printer"),
        ("Re(3): Printer", "Printer"),
        ("Fw: Printer", "Printer"),
        ("SV: VS: Printer", "Printer"),
        ("Réf : Printer", "Printer"),
        ("TR: RV: Antw: Printer", "Printer"),
        ("Fwd: [#1] Printer", "[#1] Printer"),
        ("AW\uff1a Printer", "Printer"),  # a full-width colon
        ("Regarding: the printer", "Regarding: the printer"),
        ("Reply needed", "Reply needed"),
        ("Printer: Re: toner", "Printer: Re: toner"),
        ("Re:", ""),
        ("", ""),
    ],
)
def test_strip_reply_prefixes(subject, stripped):
    assert strip_reply_prefixes(subject) == stripped


@pytest.mark.parametrize(
    ("value", "message_id"),
    [
        ("<a@b>", "<a@b>"),
        ("  <a@b>\r\n ", "<a@b>"),
        ("<a\r\n @b>", "<a@b>"),
        ("<a@b> (Bob's message)", "<a@b>"),
        ("<first@b> <second@b>", "<first@b>"),
        ("bare@id.example", "<bare@id.example>"),
        ("<[x]abc@[y].OUTLOOK.COM>", "<[x]abc@[y].OUTLOOK.COM>"),
        ("no id here", ""),
        ("<>", ""),
        ("", ""),
        ("<" + "x" * 2000 + "@b>", ""),
    ],
)
def test_normalize_message_id(value, message_id):
    assert normalize_message_id(value) == message_id


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("Bob <BOB@Acme.Example>", ("bob@acme.example",)),
        (
            '"Miller, Ann" <ann@acme.example>, bob@acme.example',
            ("ann@acme.example", "bob@acme.example"),
        ),
        ("=?utf-8?q?M=C3=BCller=2C_Ann?= <ann@acme.example>", ("ann@acme.example",)),
        ("undisclosed-recipients:;", ()),
        ("not an address", ()),
        ('"', ()),
        ("", ()),
    ],
)
def test_addresses(value, found):
    assert addresses(value) == found


@pytest.mark.parametrize(
    ("data", "charset", "decoded"),
    [
        (b"caf\xc3\xa9", "utf-8", ("café", "")),
        (b"caf\xe9", "iso-8859-1", ("café", "")),
        (b"caf\xe9", "utf-8", ("café", "not valid 'utf-8': read as cp1252")),
        (b"caf\xe9", None, ("café", "no charset, not UTF-8: read as cp1252")),
        (b"caf\xc3\xa9", "x-bogus", ("café", "unknown charset 'x-bogus': read as UTF-8")),
        (b"caf\xe9", "x-bogus", ("café", "unknown charset 'x-bogus': read as cp1252")),
        (b"abc", "base64", ("abc", "unknown charset 'base64': read as UTF-8")),
        (
            "日本".encode("shift_jis") + b"\xff",
            "Shift_JIS",
            ("日本\ufffd", "not valid 'shift_jis': replaced"),
        ),
    ],
)
def test_decode_bytes(data, charset, decoded):
    assert decode_bytes(data, charset) == decoded


def test_a_header_value_is_parsed_once():
    # Taking a message apart reads each part's Content-Type a dozen times; the parsed
    # header is kept, and a second message with the same value reuses it.
    first = POLICY.header_factory("Content-Type", 'text/plain; charset="utf-8"')
    again = POLICY.header_factory("Content-Type", 'text/plain; charset="utf-8"')
    assert again is first
    assert (first.content_type, first.params["charset"]) == ("text/plain", "utf-8")
    assert POLICY.header_factory("Subject", "Hello") is not first
    long_subject = "x" * (HEADER_CACHE_VALUE_LENGTH + 1)
    assert POLICY.header_factory("Subject", long_subject) is not POLICY.header_factory(
        "Subject", long_subject
    )


def test_a_header_the_parser_refuses_is_refused_each_time(monkeypatch):
    # An error is not kept as if it were the header: each reading tries again.
    calls = []

    def refuse(registry, name, value):
        calls.append(value)
        raise IndexError("cpython#148518")

    monkeypatch.setattr(HeaderRegistry, "__call__", refuse)
    for _ in range(2):
        with pytest.raises(IndexError):
            POLICY.header_factory("To", '"never-seen-before')
    assert calls == ['"never-seen-before', '"never-seen-before']
