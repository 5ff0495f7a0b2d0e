"""My tickets, a ticket's public conversation, replying, marking it solved, rating it, and
its files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tickets import services
from tickets.forms.base import add_service_errors
from tickets.models import (
    PREVIEWABLE_IMAGE_TYPES,
    Attachment,
    Channel,
    Rating,
    Reply,
    Source,
    Ticket,
    TicketQuerySet,
    TicketStatus,
)
from tickets.queries import as_id
from tickets.statuses import FixedStatus
from tickets.views.access import page_number, search_text
from tickets.views.attachments import file_response

from .. import access
from ..access import TicketAccess, ticket_required
from ..forms import RatingForm, ReplyForm, SignInForm
from .common import render_page, status_words

PAGE_SIZE = 25
STATES = {"open": "Open", "solved": "Solved"}


def _matching(tickets: TicketQuerySet, text: str) -> TicketQuerySet:
    """Tickets whose number, subject, message or public replies hold `text` (internal notes
    are never searched: a match there would tell what they say)."""
    condition = Q(subject__icontains=text) | Q(message__icontains=text)
    number = as_id(text.removeprefix("#"))
    if number is not None:
        condition |= Q(pk=number)
    public_reply = Reply.objects.filter(
        ticket=OuterRef("pk"), kind=Reply.Kind.REPLY, text__icontains=text
    )
    return tickets.filter(condition | Exists(public_reply))


@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The contact's tickets (or their client's), newest first, with a search; the sign-in
    form for anyone else."""
    contact = access.viewer(request).contact
    if contact is None:
        return render_page(request, "portal/sign_in.html", {"form": SignInForm(), "next": ""})
    text = search_text(request)
    state = request.GET.get("state", "")
    tickets = access.visible_tickets(contact).select_related("status", "requester")
    if text:
        tickets = _matching(tickets, text)
    if state == "open":
        tickets = tickets.open()
    elif state == "solved":
        tickets = tickets.closed()
    tickets = tickets.order_by("-created_at", "-id")
    page = Paginator(tickets, PAGE_SIZE).get_page(page_number(request.GET))
    rows = [(ticket, status_words(ticket.status)) for ticket in page.object_list]
    return render_page(
        request,
        "portal/tickets.html",
        {"page": page, "rows": rows, "q": text, "state": state, "states": STATES},
    )


def ticket_context(access_: TicketAccess, **forms: Any) -> dict[str, Any]:
    """What a ticket's page shows, in a fixed number of queries: its public conversation
    and files, never notes, history, tags, assignee or internal fields."""
    ticket = access_.ticket
    replies = list(
        ticket.replies.filter(kind=Reply.Kind.REPLY).select_related(
            "author_agent", "author_contact"
        )
    )
    files: dict[int | None, list[Attachment]] = {}
    public = Attachment.objects.filter(ticket=ticket).filter(
        Q(reply__isnull=True) | Q(reply__kind=Reply.Kind.REPLY)
    )
    for attachment in public.order_by("created_at", "id"):
        files.setdefault(attachment.reply_id, []).append(attachment)
    for reply in replies:
        reply.files = files.get(reply.pk, [])  # type: ignore[attr-defined]  # for the template
    solved = ticket.status.is_closed
    rating = Rating.objects.filter(ticket=ticket).first() if solved else None
    can_rate = solved and ticket.requester_id == access_.contact.pk
    context = {
        "ticket": ticket,
        "contact": access_.contact,
        "status_words": status_words(ticket.status),
        "solved": solved,
        "replies": replies,
        "opening_files": files.get(None, []),
        "reply_form": ReplyForm(auto_id="reply_%s"),
        "rating": rating,
        "can_rate": can_rate,
        "rating_form": RatingForm(
            initial={"value": rating.value, "comment": rating.comment} if rating else None,
            auto_id="rating_%s",
        )
        if can_rate
        else None,
    }
    context.update(forms)
    return context


@require_GET
@ticket_required
def ticket_page(request: HttpRequest, access_: TicketAccess) -> HttpResponse:
    return render_page(request, "portal/ticket.html", ticket_context(access_))


def _back(ticket: Ticket, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.pk]) + anchor)


@require_POST
@ticket_required
def reply(request: HttpRequest, access_: TicketAccess) -> HttpResponse:
    """A client reply (a solved ticket reopens: the client-replied status is open)."""
    form = ReplyForm(request.POST, request.FILES, auto_id="reply_%s")
    if form.is_valid():
        try:
            posted = services.post_reply(
                ticket=access_.ticket,
                text=form.cleaned_data["text"],
                author=access_.contact,
                channel=Channel.PORTAL,
                source=Source.PORTAL,
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, "Your reply was sent.")
            return _back(access_.ticket, f"#reply-{posted.pk}")
    return render_page(
        request, "portal/ticket.html", ticket_context(access_, reply_form=form), status=422
    )


@require_POST
@ticket_required
def solve(request: HttpRequest, access_: TicketAccess) -> HttpResponse:
    """ "This is solved": the requester closes their ticket."""
    ticket = access_.ticket
    if ticket.status.is_closed:
        messages.info(request, "This request is solved already.")
        return _back(ticket)
    closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
    services.change_status(
        ticket=ticket,
        status=closed,
        actor=None,
        actor_contact=access_.contact,
        channel=Channel.PORTAL,
    )
    messages.success(request, "Thank you: the request is marked solved.")
    return _back(ticket, "#rating")


@require_POST
@ticket_required
def rate(request: HttpRequest, access_: TicketAccess) -> HttpResponse:
    """The requester rates a solved ticket (again, if they change their mind)."""
    ticket = access_.ticket
    if not ticket.status.is_closed or ticket.requester_id != access_.contact.pk:
        messages.error(request, "Only the requester can rate a request, once it is solved.")
        return _back(ticket)
    form = RatingForm(request.POST, auto_id="rating_%s")
    if not form.is_valid():
        context = ticket_context(access_)
        context["rating_form"] = form
        return render_page(request, "portal/ticket.html", context, status=422)
    services.rate_ticket(
        ticket=ticket,
        value=Rating.Value(form.cleaned_data["value"]),
        comment=form.cleaned_data["comment"],
        contact=access_.contact,
        channel=Channel.PORTAL,
    )
    messages.success(request, "Thank you for your rating.")
    return _back(ticket, "#rating")


def _public_file(request: HttpRequest, pk: int) -> Attachment | HttpResponse:
    attachment = Attachment.objects.select_related("reply").filter(pk=as_id(pk) or 0).first()
    if attachment is None or (attachment.reply is not None and attachment.reply.is_note):
        raise Http404("No file of yours has this number.")
    found = access.ticket_access(request, attachment.ticket_id)
    if found is None:
        return HttpResponseRedirect(access.sign_in_url(request.get_full_path()))
    return attachment


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = _public_file(request, pk)
    if isinstance(found, HttpResponse):
        return found
    return file_response(found, inline=False)


@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = _public_file(request, pk)
    if isinstance(found, HttpResponse):
        return found
    if found.content_type not in PREVIEWABLE_IMAGE_TYPES:
        raise Http404("This file has no preview.")
    return file_response(found, inline=True)
