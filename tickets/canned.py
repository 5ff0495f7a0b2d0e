"""Canned responses: which placeholders they may hold, and filling them in for a ticket.

Placeholders are written like Python's str.format fields, `{client_name}`; `{{` and `}}`
stand for a literal brace. Filling in never uses str.format itself: a stored text is
walked field by field and only the names below are replaced, so a text can never reach
an attribute of the ticket or the agent.
"""

from __future__ import annotations

from string import Formatter

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from tickets.agents import agent_name
from tickets.models import Ticket

PLACEHOLDERS: dict[str, str] = {
    "client_name": "the ticket's client",
    "requester_name": "the requester's name (empty when the ticket has none)",
    "ticket_id": "the ticket's number",
    "ticket_subject": "the ticket's subject",
    "agent_name": "your name",
}


def valid_placeholders() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _unmatched_brace(text: str) -> str:
    """Where the first brace without its partner is, as a short quote of the text."""
    position = 0
    while position < len(text):
        pair = text[position : position + 2]
        if pair in ("{{", "}}"):
            position += 2
            continue
        if text[position] == "{":
            end = text.find("}", position)
            inner_open = text.find("{", position + 1)
            if end == -1 or -1 < inner_open < end:
                return text[position : position + 30]
            position = end + 1
            continue
        if text[position] == "}":
            return text[max(0, position - 29) : position + 1]
        position += 1
    return text[:30]


def check_placeholders(text: str) -> None:
    """Refuse a text with an unknown placeholder or an unmatched brace, naming it."""
    try:
        fields = list(Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            f"A brace is not matched in “{_unmatched_brace(text)}”. Write a placeholder as "
            "{client_name}, and a literal brace as {{ or }}. "
            f"Valid placeholders: {valid_placeholders()}.",
            code="unmatched_brace",
        ) from None
    unknown: list[str] = []
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "")
        written += (f":{spec}" if spec else "") + "}"
        if (name not in PLACEHOLDERS or spec or conversion) and written not in unknown:
            unknown.append(written)
    if unknown:
        raise ValidationError(
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
            f"Valid placeholders: {valid_placeholders()}.",
            code="unknown_placeholder",
        )


def placeholder_values(ticket: Ticket, agent: AbstractBaseUser) -> dict[str, str]:
    requester = ticket.requester
    return {
        "client_name": ticket.client.name,
        "requester_name": requester.name if requester is not None else "",
        "ticket_id": str(ticket.pk),
        "ticket_subject": ticket.subject,
        "agent_name": agent_name(agent),
    }


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """The text with each known placeholder replaced; an unknown one (a text saved before a
    placeholder was retired) and a broken brace are left as written."""
    try:
        fields = list(Formatter().parse(text))
    except ValueError:
        return text
    parts: list[str] = []
    for literal, name, spec, conversion in fields:
        parts.append(literal)
        if name is None:
            continue
        if name in PLACEHOLDERS and not spec and not conversion:
            parts.append(values.get(name) or "")
        else:
            parts.append("{" + name + "}")
    return "".join(parts)
