"""The canned response library, included at /canned-responses/ by tickets/urls.py."""

from django.urls import path

from .views import canned

urlpatterns = [
    path("", canned.canned_list, name="canned_list"),
    path("new/", canned.canned_create, name="canned_create"),
    path("<int:pk>/edit/", canned.canned_edit, name="canned_edit"),
    path("<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
]
