"""Bulk actions on the queue's tickets, under /tickets/bulk/."""

from django.urls import path

from tickets.views import bulk

urlpatterns = [
    path("", bulk.bulk_action, name="tickets_bulk"),
    path("delete/", bulk.bulk_delete, name="tickets_bulk_delete"),
    path("count/", bulk.bulk_count, name="tickets_bulk_count"),
]
