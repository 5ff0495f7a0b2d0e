"""A new ticket from a signed-in requester, and the public contact form."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from helpdesk import ratelimit
from mail.requesters import requester_for
from tickets import changes, custom_fields, services, tasks
from tickets.forms.base import add_service_errors
from tickets.models import Category, Channel, Contact, Source, Ticket

from .. import tokens
from ..access import contact_required
from ..forms import ContactForm, NewTicketForm, public_departments
from .common import render_page, too_many_requests

logger = logging.getLogger("portal")


@require_http_methods(["GET", "POST"])
@contact_required
def new_ticket(request: HttpRequest, contact: Contact) -> HttpResponse:
    definitions = custom_fields.client_fields()
    if request.method != "POST":
        form = NewTicketForm(definitions=definitions)
        return render_page(request, "portal/new_ticket.html", {"form": form})
    form = NewTicketForm(request.POST, request.FILES, definitions=definitions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.create_ticket(
                client=contact.client,
                requester=contact,
                department=data["department"],
                subject=data["subject"],
                message=data["message"],
                custom_field_values=form.custom_values(),
                attachments=data["attachments"],
                actor=None,
                channel=Channel.PORTAL,
                source=Source.PORTAL,
            )
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            messages.success(request, f"Thank you: your request #{ticket.pk} is open.")
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.pk]))
    return render_page(request, "portal/new_ticket.html", {"form": form}, status=422)


def contact_department() -> Category | None:
    """Where the contact form files tickets: PORTAL_CONTACT_DEPARTMENT (a name or an id),
    else the first public department, else the first department."""
    departments = Category.objects.filter(type=Category.Type.TICKET)
    chosen = settings.PORTAL_CONTACT_DEPARTMENT.strip()
    if chosen:
        found = departments.filter(name__iexact=chosen).first()
        if found is None and chosen.isdigit():
            found = departments.filter(pk=int(chosen)).first()
        if found is not None:
            return found
        logger.error("PORTAL_CONTACT_DEPARTMENT %r names no department.", chosen)
    return public_departments().first() or departments.first()


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """For people without a sign-in: files a ticket by the new-requester rule and emails
    the acknowledgment, which links to the ticket in the portal."""
    definitions = custom_fields.client_fields()
    department = contact_department()
    if department is None:
        return render_page(request, "portal/contact_closed.html", status=503)
    if request.method != "POST":
        form = ContactForm(definitions=definitions)
        context = {"form": form, "started": tokens.form_started_token()}
        return render_page(request, "portal/contact.html", context)
    form = ContactForm(request.POST, definitions=definitions)
    if form.is_robot:
        # Answered as if sent, so that a robot learns nothing; nothing is filed.
        return render_page(request, "portal/contact_sent.html")
    address = str(request.POST.get("email", "")).strip().lower()
    if not ratelimit.allowed(
        "contact",
        address=address[:254],
        request=request,
        per_address=settings.PORTAL_CONTACT_RATE_PER_ADDRESS,
        per_ip=settings.PORTAL_CONTACT_RATE_PER_IP,
    ):
        return too_many_requests(request, "messages")
    if form.is_valid():
        try:
            _file_contact_form(form, department)
        except ValidationError as error:
            add_service_errors(form, error, {})
        else:
            return render_page(request, "portal/contact_sent.html")
    # A new start, so that sending again after a correction is not "too fast" forever.
    context = {"form": form, "started": tokens.form_started_token()}
    return render_page(request, "portal/contact.html", context, status=422)


def _file_contact_form(form: ContactForm, department: Category) -> Ticket:
    data = form.cleaned_data
    with changes.atomic():
        requester = requester_for(data["email"], data["name"])
        ticket = services.create_ticket(
            client=requester.client,
            requester=requester,
            department=department,
            subject=data["subject"],
            message=data["message"],
            custom_field_values=form.custom_values(),
            actor=None,
            channel=Channel.PORTAL,
            source=Source.PORTAL,
        )
        ticket_id = ticket.pk
        transaction.on_commit(lambda: tasks.acknowledge(ticket_id), robust=True)
    return ticket
