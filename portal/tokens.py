"""The portal's signed values: links in our emails that open a ticket or rate it, and the
time a contact form was opened.

Each is signed with the site's secret key under its own salt (a token of one kind is never
accepted as another) and carries the time it was made, so that it expires. Sign-in links
are not signed values but random tokens kept hashed (see portal.models.SignInLink): they
must be usable once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

TICKET_SALT = "portal.ticket-link"
RATING_SALT = "portal.rating-link"
FORM_SALT = "portal.contact-form"


class InvalidToken(Exception):
    """A token that was tampered with, or that names nothing."""


class ExpiredToken(InvalidToken):
    """A token whose signature is right but whose time is up."""


def _load(token: str, *, salt: str, max_age: datetime.timedelta) -> object:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredToken from None
    except (signing.BadSignature, ValueError):
        raise InvalidToken from None


@dataclass(frozen=True)
class TicketGrant:
    """What a ticket link says: this contact may open this ticket."""

    ticket_id: int
    contact_id: int


def ticket_token(ticket_id: int, contact_id: int) -> str:
    return signing.dumps([ticket_id, contact_id], salt=TICKET_SALT)


def read_ticket_token(token: str) -> TicketGrant:
    value = _load(
        token, salt=TICKET_SALT, max_age=datetime.timedelta(days=settings.PORTAL_TICKET_LINK_DAYS)
    )
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(item, int) for item in value)
    ):
        raise InvalidToken
    return TicketGrant(ticket_id=value[0], contact_id=value[1])


def rating_token(request_id: int) -> str:
    return signing.dumps(request_id, salt=RATING_SALT)


def read_rating_token(token: str) -> int:
    """The id of the rating request a rating link names."""
    value = _load(
        token, salt=RATING_SALT, max_age=datetime.timedelta(days=settings.PORTAL_RATING_LINK_DAYS)
    )
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidToken
    return value


def form_started_token() -> str:
    """The moment a contact form was shown, to tell a person from a bot that posts at once."""
    return signing.dumps(timezone.now().timestamp(), salt=FORM_SALT)


def seconds_since_form_started(token: str) -> float:
    value = _load(token, salt=FORM_SALT, max_age=datetime.timedelta(days=1))
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidToken
    return timezone.now().timestamp() - value
