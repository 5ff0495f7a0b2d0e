"""Serving a ticket's files to agents: as downloads, and previews of images.

A file comes from an agent or a client, so it is never trusted as a page: downloads
always carry `Content-Disposition: attachment`; only the image types of
PREVIEWABLE_IMAGE_TYPES (whose content was checked on upload) are ever sent inline.
Every file response forbids type sniffing and is sandboxed by its own
Content-Security-Policy, so even a file a browser opened could run nothing.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from tickets.agents import AgentRequest
from tickets.attachments import BLOCKED_CONTENT_TYPES, FALLBACK_TYPE
from tickets.models import PREVIEWABLE_IMAGE_TYPES, Attachment
from tickets.queries import get_attachment_for_agent

from .access import agent_required

FILE_CSP = "default-src 'none'; sandbox"


def file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    content_type = attachment.content_type
    if content_type in BLOCKED_CONTENT_TYPES or not content_type:
        # Refused on upload; a row from elsewhere (the admin, an import) still never
        # reaches a browser as a page.
        content_type = FALLBACK_TYPE
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from storage.") from None
    response = FileResponse(
        stored, as_attachment=not inline, filename=attachment.name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_GET
@agent_required
def download(request: AgentRequest, pk: int) -> FileResponse:
    return file_response(get_attachment_for_agent(request.user, pk), inline=False)


@require_GET
@agent_required
def preview(request: AgentRequest, pk: int) -> FileResponse:
    """An image shown in the conversation; anything else has no preview."""
    attachment = get_attachment_for_agent(request.user, pk)
    if attachment.content_type not in PREVIEWABLE_IMAGE_TYPES:
        raise Http404("This file has no preview.")
    return file_response(attachment, inline=True)
