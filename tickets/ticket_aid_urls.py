"""What agents use beside a ticket's own fields: the canned response picker and the
sticky notes. Included at /tickets/<pk>/ by tickets/urls.py; every view takes `pk`."""

from django.urls import path

from .views import canned, sticky_notes

urlpatterns = [
    path("canned-responses/", canned.canned_picker, name="canned_picker"),
    path("canned-responses/<int:response_pk>/", canned.canned_text, name="canned_text"),
    path("sticky-notes/", sticky_notes.add_sticky_note, name="sticky_note_add"),
    path(
        "sticky-notes/<int:note_pk>/",
        sticky_notes.change_sticky_note,
        name="sticky_note_change",
    ),
    path(
        "sticky-notes/<int:note_pk>/remove/",
        sticky_notes.remove_sticky_note,
        name="sticky_note_remove",
    ),
]
