"""Reading an email: raw RFC 5322 bytes in, a `ParsedEmail` out, whatever the bytes.

`parse_email` never raises. It parses with the standard library's modern parser
(`policy.default`, each header value parsed once: `decoding.POLICY`); when that raises
(it does on some malformed headers, even while parsing: cpython#151857), it parses again
with the lenient `policy.compat32`, which never interprets header values; when even that
fails (parts nested too deep), it reads the headers alone. What was malformed is
described in `problems` for the administrator; the caller keeps the raw bytes, so nothing
is lost.

The body is always plain text: an HTML-only message is converted to readable text
(inscriptis), and HTML from mail is never kept or shown as HTML.
"""

from __future__ import annotations

import email
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import unquote

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

from mail.bounces import (
    ORIGINAL_HEADERS_TYPES,
    STATUS_TYPES,
    Bounce,
    find_bounce,
    is_mail_system,
)
from mail.decoding import (
    POLICY,
    HeaderReader,
    Part,
    addresses,
    clean,
    decode_bytes,
    decode_words,
    describe_defect,
    is_forwarded,
    message_ids,
    normalize_message_id,
    payload_bytes,
    readable,
    strip_reply_prefixes,
    subparts,
    ticket_reference,
)
from mail.replies import latest_reply

__all__ = [
    "Bounce",
    "EmailAttachment",
    "ParsedEmail",
    "addresses",
    "normalize_message_id",
    "parse_email",
    "strip_reply_prefixes",
    "ticket_reference",
]

# The strict profile: the default one indents the content of every <div>.
HTML_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=True)
BODY_TYPES = frozenset({"text/plain", "text/html"})
# The machine-readable parts of a report: read into `bounce`, not kept as attachments.
REPORT_PART_TYPES = (
    STATUS_TYPES
    | ORIGINAL_HEADERS_TYPES
    | {"message/disposition-notification", "message/global-disposition-notification"}
)
AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
SUPPRESSING_HEADERS = ("X-Auto-Response-Suppress", "List-Id", "List-Unsubscribe")

# lxml refuses control characters; they have no place in text anyway.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG = re.compile(r"<[^>]*>")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
FALLBACK_TYPE = "application/octet-stream"
_CID_REFERENCE = re.compile(r"""cid:([^"'\s<>()]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class EmailAttachment:
    filename: str  # decoded, without path parts; "attachment" (+ extension from type) when none
    content_type: str  # lower case, e.g. "image/png"
    content: bytes
    content_id: str = ""  # without <>
    inline: bool = False  # Content-Disposition inline, or referenced by its Content-ID


@dataclass(frozen=True)
class ParsedEmail:
    """What a message says. Every str is "" rather than None when missing."""

    message_id: str = ""  # "<...>" as written, whitespace removed
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # in header order (oldest first)
    sender: str = ""  # the From address, lower case
    sender_name: str = ""
    reply_to: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    delivered_to: tuple[str, ...] = ()  # Delivered-To and X-Original-To
    subject: str = ""  # decoded, whitespace runs made single spaces
    date: datetime | None = None  # aware (UTC when the header gives no offset)
    text: str = ""  # the body as plain text, never HTML
    reply_text: str = ""  # `text` without the quoted earlier conversation
    attachments: tuple[EmailAttachment, ...] = ()  # inline images too; not the body
    is_auto_reply: bool = False  # sent by a machine: never answer it automatically
    suppress_auto_reply: bool = False  # no automatic answer wanted (auto-replies, lists, ...)
    is_spam: bool = False  # X-Spam-Flag: YES
    bounce: Bounce | None = None
    problems: tuple[str, ...] = ()  # what was malformed, in words for the administrator


def parse_email(raw: bytes) -> ParsedEmail:
    """The message `raw` holds, as far as it can be read. Never raises."""
    try:
        return _read(email.message_from_bytes(raw, policy=POLICY), problems=[])
    except Exception as error:  # the modern parser's crashes on malformed headers
        problems = [f"parsed with the lenient parser: the standard one failed ({_describe(error)})"]
    try:
        lenient = email.message_from_bytes(raw, _class=EmailMessage, policy=policy.compat32)
        return _read(lenient, problems=problems)
    except Exception as error:  # RecursionError on parts nested too deep
        problems.append(f"the body could not be read ({_describe(error)}): headers only")
    try:
        parser = BytesParser(_class=EmailMessage, policy=policy.compat32)
        return _read(parser.parsebytes(raw, headersonly=True), problems=problems, body=False)
    except Exception as error:
        return ParsedEmail(problems=(*problems, f"unreadable ({_describe(error)})"))


def _read(message: Part, *, problems: list[str], body: bool = True) -> ParsedEmail:
    headers = HeaderReader(message)
    senders = headers.addresses("From")
    sender, sender_name = senders[0] if senders else ("", "")
    subject = headers.text("Subject")
    parts = _parts(message) if body else []
    body_part = _body_part(message) if body else None
    text = _body_text(message, body_part, problems) if body else ""
    attachments = _attachments(parts, body_part)
    null_return_path = any("".join(value.split()) == "<>" for value in headers.raw("Return-Path"))
    bounce = find_bounce(
        message,
        parts,
        headers,
        from_mail_system=is_mail_system(sender) and null_return_path,
        text=text,
    )
    is_auto_reply = _is_auto_reply(message, headers, sender) or bounce is not None
    message_id = normalize_message_id(" ".join(headers.raw("Message-ID")))
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=message_ids(" ".join(headers.raw("In-Reply-To"))),
        references=message_ids(" ".join(headers.raw("References"))),
        sender=sender,
        sender_name=sender_name,
        reply_to=next((address for address, _name in headers.addresses("Reply-To")), ""),
        to=tuple(address for address, _name in headers.addresses("To")),
        cc=tuple(address for address, _name in headers.addresses("Cc")),
        delivered_to=tuple(
            dict.fromkeys(
                address
                for name in ("Delivered-To", "X-Original-To")
                for address, _name in headers.addresses(name)
            )
        ),
        subject=subject,
        date=_date(headers),
        text=text,
        reply_text=text if is_forwarded(subject) else latest_reply(text),
        attachments=attachments,
        is_auto_reply=is_auto_reply,
        suppress_auto_reply=is_auto_reply
        or null_return_path
        or any(headers.present(name) for name in SUPPRESSING_HEADERS),
        is_spam=any(value.strip().upper() == "YES" for value in headers.raw("X-Spam-Flag")),
        bounce=bounce,
        problems=tuple(
            dict.fromkeys(
                readable(problem)
                for problem in [
                    *problems,
                    *_missing(headers, sender=sender, message_id=message_id),
                    *headers.problems,
                    *_defects(parts),
                ]
            )
        ),
    )


def _parts(message: Part) -> list[Part]:
    """The message and its parts, depth first, outside any attached message."""
    found = []
    stack = [message]
    while stack:
        part = stack.pop()
        found.append(part)
        if part.is_multipart() and part.get_content_maintype() != "message":
            stack.extend(reversed(subparts(part)))
    return found


def _body_part(message: Part) -> Part | None:
    """The text/plain part that is the body, else the text/html one (RFC 2046 rules)."""
    if isinstance(message, MIMEPart):  # always: both parses make EmailMessage objects
        return message.get_body(preferencelist=("plain", "html"))
    return None


def _body_text(message: Part, body: Part | None, problems: list[str]) -> str:
    if body is not None:
        data = payload_bytes(body)
        charset = body.get_content_charset()
    elif message.get_content_maintype() == "multipart" and not message.is_multipart():
        # A multipart without a boundary has no parts: its whole body is the text.
        data = str(message.get_payload()).encode("utf-8", "surrogateescape")
        charset = message.get_content_charset()
    else:
        return ""
    text, note = decode_bytes(data, charset)
    if note:
        problems.append(f"body: {note}")
    if body is not None and body.get_content_type() == "text/html":
        text = _html_to_text(text, problems)
    text = clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\A\s*\n", "", text).rstrip()


def html_to_text(html: str) -> str:
    """An HTML message as readable text, as a mailed HTML body is stored (the compatibility
    APIs take HTML bodies too): blocks on lines, links written out, no markup."""
    text = _html_to_text(html, [])
    text = clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\A\s*\n", "", text).rstrip()


def _html_to_text(html: str, problems: list[str]) -> str:
    html = _CONTROL_CHARACTERS.sub("", html)
    try:
        return str(get_text(html, HTML_CONFIG))
    except Exception as error:
        problems.append(f"body: the HTML could not be converted ({_describe(error)}): tags removed")
        return unescape(_TAG.sub(" ", html))


def _attachments(parts: list[Part], body: Part | None) -> tuple[EmailAttachment, ...]:
    referenced = _referenced_content_ids(parts)
    found = []
    for part in parts:
        content_type = part.get_content_type()
        if (
            part is body
            or content_type in REPORT_PART_TYPES
            or content_type.startswith("multipart/")
        ):
            continue  # (a multipart's parts are in `parts`; one without a boundary is the body)
        if content_type.startswith("message/"):  # a forwarded message stays one file
            content = _message_bytes(part)
        elif _is_attachment(part, content_type):
            content = payload_bytes(part)
        else:
            continue
        found.append(_attachment(part, content_type, content, referenced))
    return tuple(found)


def _is_attachment(part: Part, content_type: str) -> bool:
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    # Other text parts are the body's alternatives or mailing-list footers.
    return content_type not in BODY_TYPES


def _attachment(
    part: Part, content_type: str, content: bytes, referenced: set[str]
) -> EmailAttachment:
    content_id = "".join(_raw_header(part, "Content-ID").split()).strip("<>")
    return EmailAttachment(
        filename=_filename(part, content_type),
        content_type=content_type if _MIME_TYPE.fullmatch(content_type) else FALLBACK_TYPE,
        content=content,
        content_id=content_id,
        inline=part.get_content_disposition() == "inline" or content_id in referenced,
    )


def _filename(part: Part, content_type: str) -> str:
    name = clean(part.get_filename() or "")
    if "=?" in name:  # encoded words in a quoted parameter: not standard, but common
        name = decode_words(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    if name in {"", ".", ".."}:
        if content_type.startswith("message/"):
            return "attachment.eml"
        return "attachment" + (mimetypes.guess_extension(content_type) or "")
    return name


def _message_bytes(part: Part) -> bytes:
    """An attached message as bytes: compat32 writes its headers back as they came."""
    if part.is_multipart():
        return b"".join(item.as_bytes(policy=policy.compat32) for item in subparts(part))
    return payload_bytes(part)


def _referenced_content_ids(parts: list[Part]) -> set[str]:
    """The Content-IDs that the HTML parts show as images (src="cid:...")."""
    referenced: set[str] = set()
    for part in parts:
        if part.get_content_type() == "text/html" and not part.is_multipart():
            html = decode_bytes(payload_bytes(part), part.get_content_charset())[0]
            referenced.update(unquote(content_id) for content_id in _CID_REFERENCE.findall(html))
    return referenced


def _raw_header(part: Part, name: str) -> str:
    for header_name, value in part.raw_items():
        if str(header_name).strip().lower() == name.lower():
            return clean(str(value))
    return ""


def _is_auto_reply(message: Part, headers: HeaderReader, sender: str) -> bool:
    auto_submitted = {
        value.split(";")[0].strip().lower() for value in headers.raw("Auto-Submitted")
    }
    precedence = {
        value.strip().lower()
        for name in ("Precedence", "X-Precedence")
        for value in headers.raw(name)
    }
    return bool(
        auto_submitted - {"no"}
        or precedence & AUTO_PRECEDENCE
        or any(headers.present(name) for name in AUTORESPONDER_HEADERS)
        or is_mail_system(sender)
        # Reports other than bounces: read receipts (MDN), feedback reports.
        or message.get_content_type() == "multipart/report"
    )


def _date(headers: HeaderReader) -> datetime | None:
    values = headers.raw("Date")
    if not values:
        return None
    try:
        date = parsedate_to_datetime(values[0])
    except Exception:
        headers.problems.append(f"Date header: not a date ({values[0][:100]!r})")
        return None
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


def _missing(headers: HeaderReader, *, sender: str, message_id: str) -> list[str]:
    missing = []
    if not headers.present("From"):
        missing.append("no From header")
    elif not sender:
        missing.append("From header: no address in it")
    if not headers.present("Message-ID"):
        missing.append("no Message-ID header")
    elif not message_id:
        missing.append("Message-ID header: no <id> in it")
    return missing


def _defects(parts: list[Part]) -> list[str]:
    return [
        f"{part.get_content_type()} part: {describe_defect(defect)}"
        for part in parts
        for defect in part.defects
    ]


def _describe(error: Exception) -> str:
    detail = str(error)[:200]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
