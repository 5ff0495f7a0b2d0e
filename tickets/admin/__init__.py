"""Django admin for the helpdesk: every model, with ticket changes going through the services.

The admin is split by concept: tickets (the ticket page, its inlines and actions;
its form in ticket_form), conversation (replies, history, ratings, stars, pins, tags) and setup (clients,
teams, categories, statuses, custom fields, API keys).
"""

from django.contrib import admin

from tickets.forms.auth import LimitedAdminAuthenticationForm

from . import (  # noqa: F401  (registers the model admins)
    attachments,
    bookkeeping,
    canned,
    conversation,
    counts,
    notifications,
    presence,
    saved_views,
    search,
    setup,
    sticky_notes,
    tickets,
)

admin.site.site_header = "Helpdesk administration"
admin.site.site_title = "Helpdesk administration"
admin.site.index_title = "Administration"
# Wrong passwords are limited as at the workspace's sign-in (helpdesk.sign_in; the 429 comes
# from helpdesk/urls.py, which routes /admin/login/ through sign_in.with_lockout_status).
admin.site.login_form = LimitedAdminAuthenticationForm
