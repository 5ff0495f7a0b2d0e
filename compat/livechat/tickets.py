"""GET/POST /compat/livechat/tickets, GET /tickets/<id>, PUT /tickets/<id>/tags."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
