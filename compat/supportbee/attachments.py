"""POST /compat/supportbee/attachments.json: files uploaded before the ticket, reply or
comment they go on (its `attachment_ids`), with the web's limits and block list; and
GET /attachments/<id>: a ticket's file, downloaded through this API's authentication
(`auth_token` or a Bearer key), as the web app serves it.

An upload's id is its own until a message takes it: the ticket's object then lists the
file under the id of the ticket's attachment. One no message took within a day is
forgotten at the next upload.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.http import FileResponse
from django.urls import path
from django.utils import timezone
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from compat.models import PendingUpload
from helpdesk.api_access import AgentApiRequest
from tickets.attachments import check_uploads, delete_files_on_commit
from tickets.queries import get_attachment_for_agent
from tickets.views.attachments import file_response

from .api import SupportBeeView, invalid, iso

# The form fields a client may send files in: SupportBee's clients name it `files[]`.
FILE_FIELDS = ("files[]", "files", "file", "attachment")
# An upload no message took within this time is forgotten (at the next upload).
UPLOAD_KEPT = datetime.timedelta(days=1)


def forget_stale_uploads() -> None:
    """Delete the uploads older than UPLOAD_KEPT, and their files after the commit."""
    stale = PendingUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_KEPT)
    names = list(stale.values_list("file", flat=True))
    if names:
        stale.delete()
        delete_files_on_commit(names)


def upload_object(upload: PendingUpload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "created_at": iso(upload.created_at),
        "filename": upload.name,
        "content_type": upload.content_type,
    }


class UploadView(SupportBeeView):
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request: AgentApiRequest) -> Response:
        files = [upload for name in FILE_FIELDS for upload in request.FILES.getlist(name)]
        if not files:
            raise invalid({"files": ["send one or more files (multipart, as files[])."]})
        try:
            checked = check_uploads(files)
        except ValidationError as error:
            raise invalid({"files": error.message_dict["attachments"]}) from None
        created = []
        with transaction.atomic():
            forget_stale_uploads()
            for upload in checked:
                upload.file.seek(0)
                row = PendingUpload(
                    name=upload.name,
                    size=upload.size,
                    content_type=upload.content_type,
                    uploaded_by=request.user,
                )
                row.file.save(upload.name, File(upload.file), save=False)
                row.save()
                created.append(row)
        return Response({"attachments": [upload_object(row) for row in created]}, status=201)


class AttachmentDownloadView(SupportBeeView):
    def get(self, request: AgentApiRequest, pk: str) -> FileResponse:
        return file_response(get_attachment_for_agent(request.user, pk), inline=False)


urlpatterns = [
    path("attachments.json", UploadView.as_view(), name="supportbee-uploads"),
    path("attachments/<str:pk>", AttachmentDownloadView.as_view(), name="supportbee-attachment"),
]
