"""Absolute addresses of portal pages, for the emails we send requesters."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from . import tokens


def absolute(path: str) -> str:
    return settings.HELPDESK_SITE_URL.rstrip("/") + path


def ticket_link(ticket_id: int, contact_id: int) -> str:
    """Opens the ticket in the portal for its requester (signed for both; see
    portal.views.auth.ticket_link)."""
    token = tokens.ticket_token(ticket_id, contact_id)
    return absolute(reverse("portal:ticket_link", args=[token]))


def rating_links(request_id: int) -> dict[str, str]:
    """The Good and Bad links of a "How did we do?" email, by value."""
    token = tokens.rating_token(request_id)
    return {
        value: absolute(reverse("portal:rate_by_link", args=[token, value]))
        for value in ("good", "bad")
    }


def sign_in_link(raw_token: str) -> str:
    return absolute(reverse("portal:sign_in_link", args=[raw_token]))


def portal_home() -> str:
    return absolute(reverse("portal:tickets"))
