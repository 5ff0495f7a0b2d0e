"""Web and email addresses in a message, made links that are safe to click.

Messages are plain text written by clients and agents. `linkify` escapes every part of
the text and turns only the addresses that are plainly http, https or mailto into links,
each with rel="noopener noreferrer nofollow": the page the link opens cannot reach back
into the workspace, learns nothing of where it came from, and lends the link no rank. No
other scheme (javascript:, data:, vbscript:, file:) ever becomes a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# An address as written in text: the scheme, then everything up to a space, a quote or an
# angle bracket (which no address holds unescaped).
ADDRESS = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address it follows.
TRAILING = ".,;:!?"
# Closing brackets end the address unless it opened them (`https://en.wikipedia.org/x_(y)`).
BRACKETS = {")": "(", "]": "[", "}": "{"}
MAILBOX = re.compile(r"[^@\s]+@[^@\s]+")


def _trimmed(address: str) -> str:
    """The address without the punctuation and unmatched brackets that end its sentence."""
    while address:
        last = address[-1]
        unmatched = last in BRACKETS and address.count(last) > address.count(BRACKETS[last])
        if last not in TRAILING and not unmatched:
            break
        address = address[:-1]
    return address


def _usable(address: str) -> bool:
    """An http(s) address with a host, or a mailto: with a mailbox."""
    if address.lower().startswith("mailto:"):
        return bool(MAILBOX.fullmatch(address[len("mailto:") :].split("?", 1)[0]))
    try:
        parts = urlsplit(address)
    except ValueError:  # an impossible host such as "http://[x"
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def linkify(text: str) -> SafeString:
    """`text`, escaped, with its http, https and mailto addresses as links."""
    pieces: list[str] = []
    position = 0
    for found in ADDRESS.finditer(text):
        address = _trimmed(found.group(0))
        if not _usable(address):
            continue
        pieces.append(escape(text[position : found.start()]))
        shown = address[len("mailto:") :] if address.lower().startswith("mailto:") else address
        pieces.append(
            format_html(
                '<a href="{}" rel="noopener noreferrer nofollow" target="_blank" '
                'class="message-link">{}</a>',
                address,
                shown,
            )
        )
        position = found.start() + len(address)
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece is escaped above)
