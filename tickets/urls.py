from django.urls import include, path

from tickets.views import auth, new_ticket, queue, ticket, ticket_changes

# The agent workspace. Client pages live in their own module.
urlpatterns = [
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
    path("", queue.queue, name="queue"),
    path("queue/counts/", queue.queue_counts, name="queue_counts"),
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("tickets/new/client-fields/", new_ticket.client_fields, name="new_ticket_client_fields"),
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
    path("tickets/<int:pk>/", include("tickets.ticket_aid_urls")),
    path("canned-responses/", include("tickets.canned_urls")),
    path("clients/", include("tickets.client_urls")),
]
