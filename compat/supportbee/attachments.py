"""GET /compat/supportbee/attachments/<id>: a ticket's file, downloaded through this API's
authentication (`auth_token` or a Bearer key), as the web app serves it."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import path

from helpdesk.api_access import AgentApiRequest
from tickets.queries import get_attachment_for_agent
from tickets.views.attachments import file_response

from .api import SupportBeeView


class AttachmentDownloadView(SupportBeeView):
    def get(self, request: AgentApiRequest, pk: str) -> FileResponse:
        return file_response(get_attachment_for_agent(request.user, pk), inline=False)


urlpatterns = [
    path("attachments/<str:pk>", AttachmentDownloadView.as_view(), name="supportbee-attachment"),
]
