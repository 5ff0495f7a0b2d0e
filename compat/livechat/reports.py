"""GET /compat/livechat/reports/tickets/<report>: the seven reports of document 002."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
