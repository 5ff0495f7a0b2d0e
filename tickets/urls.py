"""Every route of the agent workspace (the REST API's are in tickets/api/urls.py).

One URL per action; changes are POST only.
"""

from django.urls import path

from tickets.views import (
    activity,
    attachments,
    auth,
    bulk,
    canned,
    clients,
    inbox,
    marks,
    new_ticket,
    presence,
    profile,
    queue,
    saved_views,
    sticky_notes,
    ticket,
    ticket_changes,
)

urlpatterns = [
    # Signing in and out, and resetting a password.
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    # The queue, its sidebar's counts and the saved views.
    path("", queue.queue, name="queue"),
    path("queue/counts/", queue.queue_counts, name="queue_counts"),
    path("views/new/", saved_views.create_view, name="saved_view_create"),
    path("views/<int:pk>/edit/", saved_views.edit_view, name="saved_view_edit"),
    path("views/<int:pk>/delete/", saved_views.delete_view, name="saved_view_delete"),
    # Bulk actions on the queue's tickets.
    path("tickets/bulk/", bulk.bulk_action, name="tickets_bulk"),
    path("tickets/bulk/delete/", bulk.bulk_delete, name="tickets_bulk_delete"),
    path("tickets/bulk/count/", bulk.bulk_count, name="tickets_bulk_count"),
    # A new ticket.
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("tickets/new/client-fields/", new_ticket.client_fields, name="new_ticket_client_fields"),
    # A ticket's page, its reply box and each field of its side panel.
    path("tickets/<int:pk>/", ticket.ticket_page, name="ticket"),
    path("tickets/<int:pk>/history/", ticket.ticket_history, name="ticket_history"),
    path("tickets/<int:pk>/reply/", ticket_changes.post_reply, name="ticket_reply"),
    path("tickets/<int:pk>/subject/", ticket_changes.change_subject, name="ticket_subject"),
    path("tickets/<int:pk>/status/", ticket_changes.change_status, name="ticket_status"),
    path("tickets/<int:pk>/priority/", ticket_changes.change_priority, name="ticket_priority"),
    path(
        "tickets/<int:pk>/department/",
        ticket_changes.change_department,
        name="ticket_department",
    ),
    path("tickets/<int:pk>/assignee/", ticket_changes.change_assignee, name="ticket_assignee"),
    path("tickets/<int:pk>/team/", ticket_changes.change_team, name="ticket_team"),
    path("tickets/<int:pk>/tags/", ticket_changes.change_tags, name="ticket_tags"),
    path("tickets/<int:pk>/requester/", ticket_changes.change_requester, name="ticket_requester"),
    path("tickets/<int:pk>/cc/", ticket_changes.add_cc, name="ticket_cc"),
    path(
        "tickets/<int:pk>/cc/<int:contact_pk>/remove/",
        ticket_changes.remove_cc,
        name="ticket_cc_remove",
    ),
    path("tickets/<int:pk>/contacts/", ticket.contact_options, name="ticket_contact_options"),
    path(
        "tickets/<int:pk>/requester-tickets/",
        ticket.requester_tickets,
        name="ticket_requester_tickets",
    ),
    path("tickets/<int:pk>/project/", ticket_changes.change_project, name="ticket_project"),
    path("tickets/<int:pk>/due-date/", ticket_changes.change_due_date, name="ticket_due_date"),
    path(
        "tickets/<int:pk>/custom-fields/",
        ticket_changes.change_custom_fields,
        name="ticket_custom_fields",
    ),
    path("tickets/<int:pk>/archive/", ticket.archive_ticket, name="ticket_archive"),
    path("tickets/<int:pk>/restore/", ticket.restore_ticket, name="ticket_restore"),
    path("tickets/<int:pk>/delete/", ticket.delete_ticket, name="ticket_delete"),
    # An agent's marks on a ticket, and spam.
    path("tickets/<int:pk>/star/", marks.star, name="ticket_star"),
    path("tickets/<int:pk>/unstar/", marks.unstar, name="ticket_unstar"),
    path("tickets/<int:pk>/pin/", marks.pin, name="ticket_pin"),
    path("tickets/<int:pk>/unpin/", marks.unpin, name="ticket_unpin"),
    path("tickets/<int:pk>/spam/", marks.mark_spam, name="ticket_spam"),
    path("tickets/<int:pk>/not-spam/", marks.unmark_spam, name="ticket_not_spam"),
    # Beside a ticket: the canned response picker, sticky notes, and who else is on it.
    path("tickets/<int:pk>/canned-responses/", canned.canned_picker, name="canned_picker"),
    path(
        "tickets/<int:pk>/canned-responses/<int:response_pk>/",
        canned.canned_text,
        name="canned_text",
    ),
    path(
        "tickets/<int:pk>/canned-responses/<int:response_pk>/changes/",
        canned.canned_changes,
        name="canned_changes",
    ),
    path("tickets/<int:pk>/sticky-notes/", sticky_notes.add_sticky_note, name="sticky_note_add"),
    path(
        "tickets/<int:pk>/sticky-notes/<int:note_pk>/",
        sticky_notes.change_sticky_note,
        name="sticky_note_change",
    ),
    path(
        "tickets/<int:pk>/sticky-notes/<int:note_pk>/remove/",
        sticky_notes.remove_sticky_note,
        name="sticky_note_remove",
    ),
    path("tickets/<int:pk>/presence/", presence.presence_status, name="ticket_presence"),
    path("tickets/<int:pk>/refresh/", presence.refresh, name="ticket_refresh"),
    # Files.
    path("attachments/<int:pk>/", attachments.download, name="attachment_download"),
    path("attachments/<int:pk>/preview/", attachments.preview, name="attachment_preview"),
    # The canned response library.
    path("canned-responses/", canned.canned_list, name="canned_list"),
    path("canned-responses/new/", canned.canned_create, name="canned_create"),
    path("canned-responses/<int:pk>/edit/", canned.canned_edit, name="canned_edit"),
    path("canned-responses/<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
    # Clients, their contacts and projects.
    path("clients/", clients.client_list, name="client_list"),
    path("clients/options/", clients.clients_options, name="clients_options"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path("clients/<int:pk>/contacts/new/", clients.contact_create, name="contact_create"),
    path(
        "clients/<int:pk>/contacts/<int:contact_pk>/edit/",
        clients.contact_edit,
        name="contact_edit",
    ),
    path("clients/<int:pk>/projects/new/", clients.project_create, name="project_create"),
    path(
        "clients/<int:pk>/projects/<int:project_pk>/edit/",
        clients.project_edit,
        name="project_edit",
    ),
    # The agent's own settings.
    path("profile/", profile.profile, name="profile"),
    # The bell: notifications of mentions and clients' replies; the @ suggester of notes.
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/read/", inbox.mark_all_read, name="notifications_read"),
    path("agents/mentions/", inbox.mention_suggestions, name="mention_suggestions"),
    # The activity log across tickets.
    path("activity/", activity.activity, name="activity"),
]
