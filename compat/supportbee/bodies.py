"""The bodies SupportBee's clients send: a ticket, a reply or a comment, each with
`content_attributes` (`body` or `body_html`, and `attachment_ids`). A bad body is a 400
naming the fields as the document does (`subject`, `body`, `attachment_ids`).

HTML (`body_html`) is converted to readable text as a mailed HTML body is (mail.parsing):
the conversation stores text and never renders a client's HTML. `body` wins when both
are given. `attachment_ids` are the calling agent's uploads (POST /attachments.json); they
become the message's files through the services, with the web's limits and block list.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from compat.models import PendingUpload
from tickets.agents import Agent
from tickets.attachments import delete_files_on_commit

from .api import invalid

LARGEST_ID = 2**63 - 1


class ContentInput(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body_html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    attachment_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        default=list,
        max_length=100,
    )


class TicketInput(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    requester_name = serializers.CharField(max_length=200)
    requester_email = serializers.EmailField(max_length=254)
    content_attributes = ContentInput()


class MessageInput(serializers.Serializer):
    content_attributes = ContentInput()


def _flat(errors: Any, name: str = "") -> dict[str, list[str]]:
    """A serializer's errors by the document's field names: `content_attributes`' own fields
    by their name alone, a list's items under the list's name."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if key == "non_field_errors":
            field = name or key
        elif name in ("", "content_attributes"):
            field = str(key)
        else:
            field = name
        if isinstance(value, dict):
            for inner, messages in _flat(value, field).items():
                flat.setdefault(inner, []).extend(messages)
        else:
            flat.setdefault(field, []).extend(str(message) for message in value)
    return flat


def checked(data: Any, wrapper: str, serializer_class: type[serializers.Serializer]) -> Any:
    """The object under `wrapper` (`ticket`, `reply`, `comment`), validated."""
    inner = data.get(wrapper) if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        raise invalid({wrapper: [f"expected an object: {{{wrapper!r}: {{…}}}}."]})
    serializer = serializer_class(data=inner)
    if not serializer.is_valid():
        raise invalid(_flat(serializer.errors))
    return serializer.validated_data


def message_text(content: dict[str, Any]) -> str:
    """The text of `content_attributes`: `body`, else `body_html` as readable text."""
    from mail.parsing import html_to_text

    text = content.get("body", "")
    if not text.strip() and content.get("body_html", "").strip():
        text = html_to_text(content["body_html"])
    if not text.strip():
        raise invalid({"body": ["body or body_html is required (and must hold some text)."]})
    return text


@dataclass
class Uploads:
    """The calling agent's uploads named by `attachment_ids`, opened as uploaded files."""

    rows: list[PendingUpload]

    @contextmanager
    def opened(self) -> Iterator[list[UploadedFile[bytes]]]:
        """The uploads as uploaded files for the services, closed afterwards."""
        files = [
            UploadedFile(
                file=row.file.open("rb"),
                name=row.name,
                content_type=row.content_type,
                size=row.size,
            )
            for row in self.rows
        ]
        try:
            yield files
        finally:
            for row in self.rows:
                row.file.close()

    def used(self) -> None:
        """Forget the uploads once their message has them (call inside its transaction)."""
        names = [row.file.name or "" for row in self.rows]
        PendingUpload.objects.filter(pk__in=[row.pk for row in self.rows]).delete()
        delete_files_on_commit(names)


def uploads(content: dict[str, Any], agent: Agent) -> Uploads:
    ids = list(dict.fromkeys(content.get("attachment_ids") or []))
    found = PendingUpload.objects.filter(pk__in=ids, uploaded_by=agent).in_bulk()
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise invalid({"attachment_ids": [f"no upload of yours has the id {', '.join(missing)}."]})
    return Uploads([found[pk] for pk in ids])
