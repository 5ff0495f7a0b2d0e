"""Every route of the requester portal, under /portal/. Changes are POST only."""

from django.urls import path

from portal.views import auth, branding, new_ticket, rating, tickets

app_name = "portal"

urlpatterns = [
    path("", tickets.ticket_list, name="tickets"),
    path("brand.css", branding.brand_css, name="brand_css"),
    # Signing in and out; the links of our emails.
    path("sign-in/", auth.sign_in, name="sign_in"),
    path("sign-in/<str:token>/", auth.sign_in_link, name="sign_in_link"),
    path("sign-out/", auth.sign_out, name="sign_out"),
    path("open/<str:token>/", auth.ticket_link, name="ticket_link"),
    path("rate/<str:token>/<str:value>/", rating.rate_by_link, name="rate_by_link"),
    # Tickets.
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", tickets.ticket_page, name="ticket"),
    path("tickets/<int:pk>/reply/", tickets.reply, name="reply"),
    path("tickets/<int:pk>/solved/", tickets.solve, name="solve"),
    path("tickets/<int:pk>/rate/", tickets.rate, name="rate"),
    path("files/<int:pk>/", tickets.download, name="download"),
    path("files/<int:pk>/preview/", tickets.preview, name="preview"),
    # For people without a sign-in.
    path("contact/", new_ticket.contact, name="contact"),
]
