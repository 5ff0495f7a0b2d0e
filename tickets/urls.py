from django.urls import include, path

# The agent workspace (queue, ticket page, new ticket, sign-in) is defined below;
# client pages live in their own module.
urlpatterns: list = [
    path("clients/", include("tickets.client_urls")),
]
