"""Decoding what a message says: charsets, header values, addresses, Message-IDs, subjects.

Headers are read from their raw values, one at a time: the standard library's modern
header parser (`policy.default`) decodes them best, but raises on some malformed values
(IndexError on `To: "`, cpython#148518), so a header it cannot read is decoded leniently
instead, and the message's other headers are unaffected. Nothing here raises: every
value comes from whoever sent the mail.

`POLICY` is `policy.default` with a memory: the standard registry makes a new class and
parses the value again each time a header is read, and taking a message apart reads each
part's Content-Type a dozen times (its type, charset, parameters, disposition), which
made up most of the time parsing took. Header objects never change once made, so each
(name, value) is parsed once, and the few values every message shares (the mailbox's
address, "text/plain; charset=utf-8") stay parsed from one message to the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from email import policy, utils
from email.errors import MessageDefect, ObsoleteHeaderDefect
from email.header import decode_header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from functools import lru_cache
from typing import Any

# A message or one of its parts, whichever policy parsed it.
type Part = Message[Any, Any]

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_MESSAGE_ID = re.compile(r"<([^<>]+)>")
# An address, or a Message-ID written without its angle brackets.
_LEFT_AT_RIGHT = re.compile(r"[^\s<>@]+@[^\s<>@]+")
# RFC 5322 caps a header line at 998 characters: a longer "Message-ID" is nobody's id.
MESSAGE_ID_MAX_LENGTH = 998

# Reply and forward prefixes as mail programs write them, in English, German (AW, WG),
# the Scandinavian languages (SV, VS, VB), Dutch (Antw, Doorst), French (Réf, TR),
# Spanish (RV), Italian (R, I, Rif), Polish (Odp) and Portuguese (Enc, Res).
_PREFIX = r"(?:re|fwd?|aw|wg|sv|vs|vb|antw|doorst|réf|ref|tr|rv|rif|odp|enc|res|r|i)"
_REPLY_PREFIXES = re.compile(
    rf"^(?:\s*{_PREFIX}\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a])+\s*", re.IGNORECASE
)
_FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|wg|tr|rv|doorst|enc)\s*[:\uff1a]", re.IGNORECASE)
_TICKET_TAG = re.compile(r"\[#([0-9]+)\]")
TICKET_NUMBER_MAX = 2**63 - 1
# Labels under which 8-bit text that is not UTF-8 is a mislabelled legacy text.
UNICODE_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
# Longer header values are parsed every time rather than kept (a bounded memory).
HEADER_CACHE_VALUE_LENGTH = 1000


class _ParsedOnce(HeaderRegistry):
    """The standard header registry, each (name, value) parsed once (see the module's doc)."""

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > HEADER_CACHE_VALUE_LENGTH:
            return super().__call__(name, value)
        return _header(self, name, value)


@lru_cache(maxsize=2048)
def _header(registry: HeaderRegistry, name: str, value: str) -> BaseHeader:
    # An error (a value the parser chokes on) is raised again, not kept.
    return HeaderRegistry.__call__(registry, name, value)


POLICY = policy.default.clone(header_factory=_ParsedOnce())


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str]:
    """The text of `data`, and a note when it could not be read as `charset` said.

    The declared charset first, then UTF-8. Bytes that are neither are read with
    replacement characters: as the declared charset when it is a legacy one (a damaged
    Shift_JIS text stays mostly readable), else as cp1252 (8-bit text labelled UTF-8 or
    ASCII, or not labelled at all, is nearly always Western European).
    """
    declared = (charset or "").strip().lower()
    known = False
    if declared:
        try:
            return data.decode(declared), ""
        except LookupError:
            pass
        except ValueError:  # UnicodeDecodeError, or a name the codec machinery refuses
            known = True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not declared:
            return text, ""
        return text, f"{'not valid' if known else 'unknown charset'} {declared!r}: read as UTF-8"
    if known and declared not in UNICODE_CHARSETS:
        with suppress(Exception):  # a codec without the "replace" error handler
            return data.decode(declared, errors="replace"), f"not valid {declared!r}: replaced"
    if known:
        reason = f"not valid {declared!r}"
    else:
        reason = f"unknown charset {declared!r}" if declared else "no charset, not UTF-8"
    return data.decode("cp1252", errors="replace"), f"{reason}: read as cp1252"


def clean(text: str) -> str:
    """`text` as a database stores it: raw 8-bit bytes decoded, no NUL characters."""
    if _SURROGATES.search(text):
        try:
            text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)[0]
        except UnicodeEncodeError:  # a surrogate that was never a byte
            text = _SURROGATES.sub("\ufffd", text)
    return text.replace("\x00", "")


def readable(text: str, limit: int = 300) -> str:
    """`text` for a note in a log or on a page: one line, printable, at most `limit` long."""
    text = " ".join(_CONTROL_CHARACTERS.sub(" ", clean(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded, whatever their charsets."""
    try:
        chunks = decode_header(value)
    except Exception:  # a malformed encoded word: keep the value as written
        return clean(value)
    return clean(
        "".join(
            decode_bytes(chunk, charset)[0] if isinstance(chunk, bytes) else chunk
            for chunk, charset in chunks
        )
    )


def clean_address(value: str) -> str:
    """`value` as a lower-case address, or "" when it is not one (no domain, spaces...)."""
    address = clean(value).strip().strip("<>").strip().lower()
    return address if _LEFT_AT_RIGHT.fullmatch(address) else ""


def addresses(value: str) -> tuple[str, ...]:
    """The lower-case addresses in a header value such as a To or Cc header's."""
    return tuple(address for address, _name in _parse_addresses(value)[0])


def normalize_message_id(value: str) -> str:
    """The first Message-ID in a header value, "<left@right>", or "" when there is none."""
    ids = message_ids(value)
    return ids[0] if ids else ""


def message_ids(value: str) -> tuple[str, ...]:
    """Every Message-ID in a header value (such as References), in order, each once.

    Whitespace inside an id is folding and is dropped. A value without angle brackets
    that holds one bare `left@right` is read as that id (some mailers write them so).
    """
    value = clean(value)
    found = ["".join(match.split()) for match in _MESSAGE_ID.findall(value)]
    if not found:
        found = _LEFT_AT_RIGHT.findall(value)[:1]
    ids = [f"<{found_id}>" for found_id in found if 0 < len(found_id) <= MESSAGE_ID_MAX_LENGTH - 2]
    return tuple(dict.fromkeys(ids))


def strip_reply_prefixes(subject: str) -> str:
    """The subject without its leading "Re:", "Fwd:", "AW:", "Re[2]:"..., however many."""
    return _REPLY_PREFIXES.sub("", subject, count=1).strip()


def is_forwarded(subject: str) -> bool:
    """Whether the subject starts with a forward prefix ("Fwd:", "Fw:", "WG:", "TR:"...)."""
    return bool(_FORWARD_PREFIX.match(subject))


def ticket_reference(subject: str) -> int | None:
    """The ticket number of the first "[#123]" tag in a subject, or None.

    None too when that number is 0 or larger than a database's bigint.
    """
    match = _TICKET_TAG.search(subject)
    if match is None or len(match.group(1)) > len(str(TICKET_NUMBER_MAX)):
        return None
    number = int(match.group(1))
    return number if 0 < number <= TICKET_NUMBER_MAX else None


class HeaderReader:
    """A message's headers, read on demand; notes on the malformed ones collect in `problems`."""

    def __init__(self, message: Part) -> None:
        self.problems: list[str] = []
        self._raw: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._raw.setdefault(str(name).strip().lower(), []).append(str(value))

    def present(self, name: str) -> bool:
        return name.lower() in self._raw

    def raw(self, name: str) -> list[str]:
        """The header's values unfolded, raw 8-bit bytes decoded, encoded words not."""
        values = []
        for value in self._raw.get(name.lower(), []):
            unfolded = "".join(_LINE_BREAKS.split(value))
            if _SURROGATES.search(unfolded):  # 8-bit bytes in a header: UTF-8 by RFC 6532
                data = unfolded.encode("utf-8", "surrogateescape")
                unfolded, note = decode_bytes(data, None)
                self._note(name, note)
            values.append(unfolded.replace("\x00", ""))
        return values

    def text(self, name: str) -> str:
        """The header's first value, decoded, its whitespace runs made single spaces."""
        values = self.raw(name)
        if not values:
            return ""
        try:
            header = POLICY.header_factory(name, values[0])
            text = clean(str(header))
            self._note_defects(name, header.defects)
        except Exception as error:
            self._note(
                name, f"unreadable by the standard parser ({type(error).__name__}); read leniently"
            )
            text = decode_words(values[0])
        else:
            # The standard parser replaces encoded words in an unknown charset by U+FFFD;
            # read as UTF-8 or cp1252 instead, they are usually right.
            if "\ufffd" in text and "=?" in values[0]:
                lenient = decode_words(values[0])
                if lenient.count("\ufffd") < text.count("\ufffd"):
                    self._note(name, "encoded words in an unknown charset: read as UTF-8 or cp1252")
                    text = lenient
        return " ".join(text.split())

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """The header's (address, display name) pairs, addresses in lower case, each once."""
        found: dict[str, str] = {}
        for value in self.raw(name):
            pairs, notes = _parse_addresses(value)
            for note in notes:
                self._note(name, note)
            for address, display_name in pairs:
                found.setdefault(address, display_name)
        return list(found.items())

    def _note(self, name: str, note: str) -> None:
        if note:
            self.problems.append(f"{name} header: {note}")

    def _note_defects(self, name: str, defects: tuple[MessageDefect, ...]) -> None:
        for note in defect_notes(defects):
            self._note(name, note)


def payload_bytes(part: Part) -> bytes:
    """The part's content, transfer encoding undone; b"" for a multipart."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def subparts(part: Part) -> list[Part]:
    """The parts of a multipart, or the message(s) inside a message/* part."""
    payload = part.get_payload()
    return (
        [item for item in payload if isinstance(item, Message)] if isinstance(payload, list) else []
    )


def defect_notes(defects: Iterable[MessageDefect]) -> list[str]:
    """The defects in words, but for obsolete syntax, which is old but not wrong."""
    return [
        describe_defect(defect)
        for defect in defects
        if not isinstance(defect, ObsoleteHeaderDefect)
    ]


def describe_defect(defect: MessageDefect) -> str:
    """A defect in words: its own message, else its class's description."""
    return str(defect) or (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]


def _parse_addresses(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(address, display name) pairs of an address-list value, and notes on its defects."""
    notes: list[str] = []
    try:
        header = POLICY.header_factory("to", value)
        pairs = [(item.addr_spec, item.display_name) for item in header.addresses]
        notes.extend(defect_notes(header.defects))
    except Exception as error:
        notes.append(f"unreadable by the standard parser ({type(error).__name__}); read leniently")
        pairs = [(address, decode_words(name)) for name, address in utils.getaddresses([value])]
    result = []
    for address, name in pairs:
        cleaned = clean_address(address)
        if cleaned:
            result.append((cleaned, " ".join(clean(name).split())))
    return result, notes
