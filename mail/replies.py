"""The newest part of a reply: its text without the quoted earlier conversation.

mail-parser-reply finds where the quote starts: the line a mail program writes above it
("On ... wrote:", "Am ... schrieb ...:", Outlook's From:/Sent: block, "-----Original
Message-----"), in the languages below. The signature above the quote stays.

Its regular expressions slow down sharply on some input that anyone can send (long lines
starting with "On ", long runs of blank lines), so they never see the text itself: they
see a probe of it, made of its lines trimmed and shortened, without runs of blank lines,
and cut to a bounded size. The probe's lines map back to the text's, and the reply is
cut from the text as written. A quote that starts beyond the probe is not stripped.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "nl", "it"]
PROBE_LINE_LENGTH = 300
PROBE_SIZE = 30_000
# The library deletes a line of 32 or more underscores or dashes that follows a blank
# line (Outlook's separator), which would shift the probe's lines against the text's.
_SEPARATOR = re.compile(r"^(?:[_-]{32,}\s*)+")


def latest_reply(text: str) -> str:
    """`text` up to the quoted conversation, and without a trailing block of "> " lines.

    `text` itself when that would leave nothing.
    """
    lines = text.split("\n")
    lines = lines[: _reply_line_count(lines)]
    lines = _without_trailing_quote(lines)
    return "\n".join(lines).strip() or text


def _reply_line_count(lines: list[str]) -> int:
    """How many of `lines` come before the quote's header line (all when none is found)."""
    probe, origin = _probe(lines)
    probe_text = "\n".join(probe)
    try:
        parsed = EmailReplyParser(languages=LANGUAGES).read(probe_text)
    except Exception:  # a bug of the library must not cost the message
        return len(lines)
    # The library normalises the text it is given; the probe is already normal, so the
    # positions it reports are the probe's. If it changed anything, nothing is cut.
    if len(parsed.replies) < 2 or parsed.text != probe_text:
        return len(lines)
    reply = parsed.replies[0].content
    if not reply:
        return len(lines)
    end = probe_text.find(reply) + len(reply)
    return origin[probe_text.count("\n", 0, end)] + 1


def _probe(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines the library reads, and for each, the index of the line it comes from."""
    probe: list[str] = []
    origin: list[int] = []
    size = 0
    for index, line in enumerate(lines):
        short = _SEPARATOR.sub("", line.strip())[:PROBE_LINE_LENGTH].strip()
        if not short and probe and not probe[-1]:
            continue
        size += len(short) + 1
        if size > PROBE_SIZE:
            break
        probe.append(short)
        origin.append(index)
    return probe, origin


def _without_trailing_quote(lines: list[str]) -> list[str]:
    """`lines` without the "> " lines (and blank lines) they end with."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if any(line.lstrip().startswith(">") for line in lines[end:]):
        return lines[:end]
    return lines
