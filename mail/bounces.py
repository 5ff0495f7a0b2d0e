"""Bounces: which message could not be delivered, to whom, and whether for good.

A standard bounce is a delivery status notification (RFC 3464): a `message/delivery-status`
part with one block per recipient (Final-Recipient, Action, Status), usually in a
`multipart/report`, with the message that bounced attached whole (`message/rfc822`) or
as its headers (`text/rfc822-headers`). Some mail systems (qmail, older Exim, Exchange)
send plain text instead, from MAILER-DAEMON@ or postmaster@ with an empty Return-Path;
for those the failed addresses are guessed from Exim's X-Failed-Recipients header or from
the text above the copy of the message, and the original's Message-ID from that copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

from mail.decoding import (
    HeaderReader,
    Part,
    clean_address,
    decode_bytes,
    normalize_message_id,
    payload_bytes,
    subparts,
)

STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
ORIGINAL_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
ORIGINAL_HEADERS_TYPES = frozenset({"text/rfc822-headers", "message/global-headers"})
MAIL_SYSTEM_NAMES = frozenset({"mailer-daemon", "postmaster"})

# Where a plain-text bounce starts quoting the message that bounced.
_COPY_OF_ORIGINAL = re.compile(
    r"^.*(?:below this line is a copy of the message|this is a copy of the message"
    r"|original message follows|original message headers|undelivered message headers)"
    r"|^(?:received|return-path|message-id|from|to|subject|date):",
    re.IGNORECASE | re.MULTILINE,
)
_ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_MESSAGE_ID_LINE = re.compile(r"^message-id:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
# An SMTP 5xx reply, an enhanced status code 5.x.x, or the words themselves.
_PERMANENT = re.compile(r"\b5\d\d[ -]|\b5\.\d{1,3}\.\d{1,3}\b|permanent", re.IGNORECASE)


@dataclass(frozen=True)
class Bounce:
    original_message_id: str = ""  # "<...>" of the message that bounced, "" when not found
    failed_recipients: tuple[str, ...] = ()  # lower-case addresses with Action: failed
    permanent: bool = False  # some recipient failed for good (5.x.x, Action: failed)


def find_bounce(
    message: Part,
    parts: Sequence[Part],
    headers: HeaderReader,
    *,
    from_mail_system: bool,
    text: str,
) -> Bounce | None:
    """The bounce that `message` reports, or None when it is not a bounce.

    `parts` are the message's parts outside any attached message; `from_mail_system`
    says that it comes from MAILER-DAEMON@ or postmaster@ with an empty Return-Path.
    """
    status_parts = [part for part in parts if part.get_content_type() in STATUS_TYPES]
    is_report = (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type") or "").lower() == "delivery-status"
    )
    if not (status_parts or is_report or from_mail_system):
        return None
    original = _original_message_id(parts, text)
    recipients = [block for part in status_parts for block in _recipient_blocks(part)]
    if recipients:
        failed = [address for address, action, _status in recipients if action == "failed"]
        permanent = any(
            action == "failed" or status.startswith("5") for _address, action, status in recipients
        )
        return Bounce(original, tuple(dict.fromkeys(failed)), permanent)
    return Bounce(original, *_guess_failures(headers, text))


def _recipient_blocks(part: Part) -> list[tuple[str, str, str]]:
    """(address, action, status) of each recipient block of a delivery-status part."""
    if part.is_multipart():
        blocks = [dict(_fields(block)) for block in subparts(part)]
    else:  # encoded, so the parser left it alone: read its blocks from the text
        text = decode_bytes(payload_bytes(part), "utf-8")[0]
        blocks = [dict(_fields(_parse_headers(chunk))) for chunk in re.split(r"\n[ \t]*\n", text)]
    result = []
    for fields in blocks:
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        address = clean_address(recipient.partition(";")[2] or recipient)
        if address:
            action = fields.get("action", "").strip().lower()
            result.append((address, action, fields.get("status", "").strip()))
    return result


def _fields(block: Part) -> list[tuple[str, str]]:
    return [
        (str(name).strip().lower(), " ".join(str(value).split()))
        for name, value in block.raw_items()
    ]


def _parse_headers(text: str) -> Part:
    data = text.replace("\r\n", "\n").encode("utf-8", "replace")
    return BytesParser(policy=policy.compat32).parsebytes(data, headersonly=True)


def _original_message_id(parts: Sequence[Part], text: str) -> str:
    """The Message-ID of the message that bounced, from its attached copy or its headers."""
    for part in parts:
        content_type = part.get_content_type()
        if content_type in ORIGINAL_MESSAGE_TYPES and subparts(part):
            original = subparts(part)[0]
        elif content_type in ORIGINAL_HEADERS_TYPES:
            data = payload_bytes(part)
            original = _parse_headers(decode_bytes(data, part.get_content_charset())[0])
        else:
            continue
        message_id = normalize_message_id(dict(_fields(original)).get("message-id", ""))
        if message_id:
            return message_id
    match = _MESSAGE_ID_LINE.search(text)
    return match.group(1) if match else ""


def is_mail_system(address: str) -> bool:
    """Whether the address is a mail system's own (MAILER-DAEMON@, postmaster@)."""
    return address.partition("@")[0].lower() in MAIL_SYSTEM_NAMES


def _guess_failures(headers: HeaderReader, text: str) -> tuple[tuple[str, ...], bool]:
    """The failed addresses of a plain-text bounce, and whether they failed for good."""
    notice = _COPY_OF_ORIGINAL.split(text, maxsplit=1)[0]
    failed = [address for address, _name in headers.addresses("X-Failed-Recipients")]
    if not (failed or _PERMANENT.search(notice)):
        return (), False
    if not failed:
        ours = {
            address
            for name in ("From", "To", "Cc", "Delivered-To", "X-Original-To")
            for address, _name in headers.addresses(name)
        }
        found = (clean_address(address) for address in _ADDRESS_IN_TEXT.findall(notice))
        failed = [
            address
            for address in found
            if address and address not in ours and not is_mail_system(address)
        ]
    return tuple(dict.fromkeys(failed)), True
