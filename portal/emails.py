"""The portal's own email: the one-time sign-in link. It is sent while the requester
waits (as Django's password reset is), so that the link is in their inbox at once; the
token exists in this email alone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string

from tickets.models import Contact
from tickets.notifications import AUTOMATIC_HEADERS
from tickets.tasks import DELIVERY_ERRORS

from . import links

logger = logging.getLogger("portal")


def build_sign_in_email(
    address: str, issued: Sequence[tuple[Contact, str]]
) -> EmailMultiAlternatives:
    """One email to `address` with a link per contact it belongs to (an address may be a
    contact of more than one client)."""
    name = issued[0][0].name if issued and issued[0][0].name != address else ""
    context = {
        "site_name": settings.PORTAL_SITE_NAME,
        "minutes": settings.PORTAL_SIGN_IN_LINK_MINUTES,
        "links": [(contact, links.sign_in_link(raw)) for contact, raw in issued],
        "name": name,
    }
    message = EmailMultiAlternatives(
        subject=f"Your sign-in link for {settings.PORTAL_SITE_NAME}",
        body=render_to_string("emails/portal_sign_in.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((name, address)) if name else address],
        headers=dict(AUTOMATIC_HEADERS),
    )
    message.attach_alternative(render_to_string("emails/portal_sign_in.html", context), "text/html")
    return message


def send_sign_in_email(address: str, issued: Sequence[tuple[Contact, str]]) -> bool:
    """Send it now; a mail server that fails is logged (the page answers the same)."""
    try:
        mailers.default.send_messages([build_sign_in_email(address, issued)])
    except DELIVERY_ERRORS:
        logger.exception("Could not send a portal sign-in link.")
        return False
    return True
