"""The native REST API under /api. Paths have no trailing slash; one is accepted
too, without a redirect. Any other path answers a 404 in the error envelope."""

from django.urls import re_path

from helpdesk.api import not_found

from . import clients, export, lookups, replies, schema, tickets  # noqa: F401 (schema registers auth docs)
from .docs import DocsView, SchemaView

app_name = "api"

ID = r"(?P<pk>[0-9]{1,18})"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


urlpatterns = [
    route("tickets", tickets.TicketListView, "tickets"),
    route(f"tickets/{ID}", tickets.TicketDetailView, "ticket"),
    route(f"tickets/{ID}/status", tickets.TicketStatusView, "ticket-status"),
    route(f"tickets/{ID}/archive", tickets.TicketArchiveView, "ticket-archive"),
    route(f"tickets/{ID}/restore", tickets.TicketRestoreView, "ticket-restore"),
    route(f"tickets/{ID}/tags", tickets.TicketTagsView, "ticket-tags"),
    route(f"tickets/{ID}/replies", replies.ReplyListView, "replies"),
    route(f"tickets/{ID}/replies/(?P<reply_id>[0-9]{{1,18}})", replies.ReplyDetailView, "reply"),
    route("incremental/tickets", export.TicketExportView, "incremental-tickets"),
    route("statuses", lookups.StatusListView, "statuses"),
    route("categories", lookups.CategoryListView, "categories"),
    route(f"categories/{ID}", lookups.CategoryDetailView, "category"),
    route("clients", clients.ClientListView, "clients"),
    route(f"clients/{ID}", clients.ClientDetailView, "client"),
    route(f"clients/{ID}/contacts", clients.ContactListView, "contacts"),
    route(
        f"clients/{ID}/contacts/(?P<contact_id>[0-9]{{1,18}})",
        clients.ContactDetailView,
        "contact",
    ),
    route("projects", clients.ProjectListView, "projects"),
    route(f"projects/{ID}", clients.ProjectDetailView, "project"),
    route("agents", lookups.AgentListView, "agents"),
    route("tags", lookups.TagListView, "tags"),
    route("schema", SchemaView, "schema"),
    route("docs", DocsView, "docs"),
    re_path(r"^", not_found),
]
