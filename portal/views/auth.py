"""Signing in without a password: an address, a one-time link by email, a session of the
portal's own (portal.access). And the links in our emails that open one ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk import ratelimit
from tickets.models import Contact

from .. import access, emails, tokens
from ..forms import SignInForm
from ..models import SignInLink
from .common import render_page, too_many_requests

# A sign-in email holds at most this many links (an address shared by many clients' contacts).
MAX_LINKS = 10


def _next_path(request: HttpRequest) -> str:
    """Where to go after signing in: a page of the portal only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    portal = reverse("portal:tickets")
    if target.startswith(portal) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _ticket_of(path: str) -> int | None:
    """The ticket a portal path opens, if it opens one."""
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return None
    if match.view_name != "portal:ticket":
        return None
    return int(match.kwargs["pk"])


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for an address; a contact's gets a link. The answer is the same for any address."""
    next_path = _next_path(request)
    if request.method != "POST":
        if access.viewer(request).is_signed_in:
            return HttpResponseRedirect(next_path or reverse("portal:tickets"))
        return render_page(
            request, "portal/sign_in.html", {"form": SignInForm(), "next": next_path}
        )
    form = SignInForm(request.POST)
    if not form.is_valid():
        return render_page(
            request, "portal/sign_in.html", {"form": form, "next": next_path}, status=422
        )
    address = form.cleaned_data["email"]
    if not ratelimit.allowed(
        "sign-in",
        address=address,
        request=request,
        per_address=settings.PORTAL_SIGN_IN_RATE_PER_ADDRESS,
        per_ip=settings.PORTAL_SIGN_IN_RATE_PER_IP,
    ):
        return too_many_requests(request, "sign-in links")
    _send_links(address, _ticket_of(next_path) if next_path else None)
    return render_page(
        request,
        "portal/sign_in_sent.html",
        {"address": address, "minutes": settings.PORTAL_SIGN_IN_LINK_MINUTES},
    )


def _send_links(address: str, ticket_id: int | None) -> None:
    contacts = list(
        Contact.objects.select_related("client")
        .filter(email__iexact=address)
        .order_by("pk")[:MAX_LINKS]
    )
    if not contacts:
        return
    issued = []
    for contact in contacts:
        ticket = None
        if ticket_id is not None:
            ticket = access.visible_tickets(contact).filter(pk=ticket_id).first()
        _, raw = SignInLink.issue(contact, ticket)
        issued.append((contact, raw))
    emails.send_sign_in_email(address, issued)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the email. Opening it asks to confirm (mail scanners open links too);
    confirming uses it up and signs in."""
    link = SignInLink.find(token)
    if link is None or not link.is_usable:
        reason = "unknown" if link is None else "used" if link.used_at else "expired"
        return render_page(
            request,
            "portal/link_invalid.html",
            {"reason": reason, "form": SignInForm()},
            status=404 if link is None else 410,
        )
    if request.method != "POST":
        return render_page(request, "portal/sign_in_confirm.html", {"link": link})
    with transaction.atomic():
        used = SignInLink.objects.usable().filter(pk=link.pk).update(used_at=timezone.now())
    if not used:  # used by another request in the meantime
        return render_page(
            request,
            "portal/link_invalid.html",
            {"reason": "used", "form": SignInForm()},
            status=410,
        )
    access.sign_in(request, link.contact)
    if link.ticket_id is not None:
        return HttpResponseRedirect(reverse("portal:ticket", args=[link.ticket_id]))
    return HttpResponseRedirect(reverse("portal:tickets"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    access.sign_out(request)
    return render_page(request, "portal/signed_out.html", {"form": SignInForm()})


@require_GET
def ticket_link(request: HttpRequest, token: str) -> HttpResponse:
    """A link in one of our emails: it opens that ticket for the requester it was signed
    for (not their other tickets), as long as they may still see it."""
    try:
        grant = tokens.read_ticket_token(token)
    except tokens.ExpiredToken:
        return render_page(
            request, "portal/link_invalid.html", {"reason": "expired", "form": SignInForm()}, 410
        )
    except tokens.InvalidToken:
        return render_page(
            request, "portal/link_invalid.html", {"reason": "unknown", "form": SignInForm()}, 404
        )
    contact = Contact.objects.filter(pk=grant.contact_id).first()
    visible = (
        contact is not None and access.visible_tickets(contact).filter(pk=grant.ticket_id).exists()
    )
    if not visible:
        return render_page(
            request, "portal/link_invalid.html", {"reason": "gone", "form": SignInForm()}, 404
        )
    signed_in = access.viewer(request).contact
    if (
        signed_in is None
        or not access.visible_tickets(signed_in).filter(pk=grant.ticket_id).exists()
    ):
        access.grant_ticket(request, grant.ticket_id, grant.contact_id)
    return HttpResponseRedirect(reverse("portal:ticket", args=[grant.ticket_id]))
