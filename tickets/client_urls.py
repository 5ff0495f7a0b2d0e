"""The client pages, included at /clients/ by tickets/urls.py."""

from django.urls import path

from .views import clients

urlpatterns = [
    path("", clients.client_list, name="client_list"),
    path("options/", clients.clients_options, name="clients_options"),
    path("new/", clients.client_create, name="client_create"),
    path("<int:pk>/", clients.client_detail, name="client_detail"),
    path("<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path("<int:pk>/contacts/new/", clients.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", clients.contact_edit, name="contact_edit"),
    path("<int:pk>/projects/new/", clients.project_create, name="project_create"),
    path("<int:pk>/projects/<int:project_pk>/edit/", clients.project_edit, name="project_edit"),
]
