"""Admin for the email channel: mailboxes, and every message that came in.

A mailbox's IMAP password is write-only here: the form never shows it (not even hidden in
the page), an empty field keeps the saved one, and a checkbox removes it. "Fetch now"
reads a mailbox's folder at once. Messages are read, never written: each shows its
outcome or error, its raw .eml is a download for those who may view messages, and
"Process again" retries the failed and pending ones.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from tickets.admin.big_tables import BigTableAdminMixin

from . import imap, ingest
from .models import InboundMessage, Mailbox

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
Outcome = InboundMessage.Outcome


# Mailboxes ----------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_imap_password = forms.BooleanField(label="Remove the saved IMAP password", required=False)

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "department",
            "from_name",
            "send_acknowledgment",
            "is_active",
            "notify_agents",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_user",
            "imap_password",
            "imap_folder",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The saved password is not the field's starting value: it never reaches the page,
        # and an empty field is no change.
        self.initial.pop("imap_password", None)
        saved = bool(self.instance.pk and self.instance.imap_password)
        self.fields["imap_password"].help_text = (
            "A password is saved. It is never shown: leave this empty to keep it."
            if saved
            else "Never shown again once saved."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("clear_imap_password"):
            cleaned["imap_password"] = ""
        elif not cleaned.get("imap_password"):
            cleaned["imap_password"] = self.instance.imap_password
        if bool(cleaned.get("imap_host")) != bool(cleaned.get("imap_user")):
            raise forms.ValidationError(
                "An IMAP connection needs both a host and a user; leave both empty for a "
                "mailbox that receives its mail from the mail server's pipe (ingest_email)."
            )
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "address",
        "department",
        "is_active",
        "reads_imap",
        "imap_checked_at",
        "imap_problem",
    )
    list_filter = ("is_active", "department")
    list_select_related = ("department",)
    search_fields = ("name", "address")
    filter_horizontal = ("notify_agents",)
    actions = ("fetch_now",)
    readonly_fields = (
        "imap_uidvalidity",
        "imap_last_uid",
        "imap_checked_at",
        "imap_error",
        "created_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "address",
                    "department",
                    "from_name",
                    "send_acknowledgment",
                    "is_active",
                    "notify_agents",
                )
            },
        ),
        (
            "IMAP connection",
            {
                "description": "Where the mailbox's mail is read from. Leave the host empty "
                "when the mail server delivers to `manage.py ingest_email` instead.",
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "imap_password",
                    "clear_imap_password",
                    "imap_folder",
                ),
            },
        ),
        (
            "Reading",
            {
                "fields": (
                    "imap_checked_at",
                    "imap_error",
                    "imap_uidvalidity",
                    "imap_last_uid",
                    "created_at",
                )
            },
        ),
    )

    @admin.display(description="IMAP", boolean=True)
    def reads_imap(self, mailbox: Mailbox) -> bool:
        return mailbox.reads_imap

    @admin.display(description="IMAP error")
    def imap_problem(self, mailbox: Mailbox) -> str:
        return Truncator(mailbox.imap_error).chars(80) or "-"

    @admin.action(description="Fetch now", permissions=["change"], location=BOTH_PLACES)
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset.order_by("pk"):
            if not (mailbox.is_active and mailbox.reads_imap):
                self.message_user(
                    request,
                    f"{mailbox}: not read, it is inactive or has no IMAP connection.",
                    messages.WARNING,
                )
                continue
            summary = imap.fetch_mailbox(mailbox)
            level = messages.ERROR if summary.error else messages.SUCCESS
            self.message_user(request, str(summary), messages.WARNING if summary.busy else level)


# Messages that came in ----------------------------------------------------------------


@admin.register(InboundMessage)
class InboundMessageAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "mailbox",
        "sender",
        "subject_line",
        "outcome",
        "ticket_number",
    )
    list_filter = ("outcome", "mailbox")
    list_select_related = ("mailbox",)
    search_fields = ("sender", "subject", "=message_id")
    search_help_text = "A sender's address, words of the subject, or a whole Message-ID."
    date_hierarchy = "received_at"
    ordering = ("-received_at", "-id")
    actions = ("process_again",)
    fields = (
        "mailbox",
        "received_at",
        "sender",
        "subject",
        "message_id",
        "imap_uid",
        "human_size",
        "raw_message",
        "outcome",
        "reason",
        "ticket",
        "reply",
        "acknowledged",
        "processed_at",
    )
    readonly_fields = fields

    @admin.display(description="subject")
    def subject_line(self, message: InboundMessage) -> str:
        return Truncator(message.subject).chars(80) or "(no subject)"

    @admin.display(description="ticket")
    def ticket_number(self, message: InboundMessage) -> str:
        if message.ticket_id is None:
            return "-"
        url = reverse("admin:tickets_ticket_change", args=[message.ticket_id])
        return format_html('<a href="{}">#{}</a>', url, message.ticket_id)

    @admin.display(description="size", ordering="size")
    def human_size(self, message: InboundMessage) -> str:
        return filesizeformat(message.size)

    @admin.display(description="raw message")
    def raw_message(self, message: InboundMessage) -> str:
        url = reverse("admin:mail_inboundmessage_raw", args=[message.pk])
        return format_html('<a href="{}">Download the .eml</a>', url)

    @admin.action(description="Process again", permissions=["process"], location=BOTH_PLACES)
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        outcomes: Counter[str] = Counter()
        skipped = 0
        for message in queryset.order_by("pk"):
            if message.outcome not in (Outcome.FAILED, Outcome.PENDING):
                skipped += 1
                continue
            outcomes[ingest.process(message).get_outcome_display()] += 1
        if outcomes:
            done = ", ".join(f"{label}: {count}" for label, count in sorted(outcomes.items()))
            failed = outcomes[Outcome.FAILED.label]
            level = messages.WARNING if failed else messages.SUCCESS
            self.message_user(request, f"Processed again ({done}).", level)
        if skipped:
            self.message_user(
                request,
                f"{skipped} left alone: only failed and pending messages are processed again.",
                messages.WARNING,
            )

    def has_process_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("mail.change_inboundmessage")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Messages come from the mail server, never from a form.

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # What came in is kept as it came.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        raw = path(
            "<path:object_id>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="mail_inboundmessage_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """The message as it came in, as a download: it is never shown as a page."""
        message = self.get_object(request, object_id)
        if message is None:
            raise Http404("No such message.")
        if not self.has_view_permission(request, message):
            raise PermissionDenied
        try:
            stored = message.raw.open("rb")
        except FileNotFoundError:
            raise Http404("The raw message is missing from storage.") from None
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=f"message-{message.pk}.eml",
            content_type="message/rfc822",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
        return response
