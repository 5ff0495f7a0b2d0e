"""Files on a ticket: what may be uploaded, under which name, and how they are stored.

Uploads are checked here before anything is written: the size limit per file
(`settings.ATTACHMENT_MAX_SIZE`), the number of files per message
(`settings.ATTACHMENT_MAX_FILES`) and a block list of types that a browser or an
operating system would run (checked by extension AND by the declared content type,
so neither a renamed file nor a wrong type slips through). The name a file was
uploaded under is reduced to its base name; it is only ever shown and sent back in a
Content-Disposition header, never used as a storage path (see `attachment_path`).

Files go through Django's storage API (`default_storage`), so a deployment can keep
them on S3-compatible storage (see docs/deploy.md). Deleting is done after the commit:
a rolled-back deletion must not lose a file.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from .models import PREVIEWABLE_IMAGE_TYPES, Attachment, Reply, Ticket, max_length

logger = logging.getLogger("tickets.attachments")

FIELD = "attachments"
NAME_MAX_LENGTH = max_length(Attachment, "name")
CONTENT_TYPE_MAX_LENGTH = max_length(Attachment, "content_type")
FALLBACK_TYPE = "application/octet-stream"

# Pages, scripts and programs: a browser could run them from our origin, a client's
# computer could run them from an email. Refused whatever else the file claims to be.
BLOCKED_EXTENSIONS = frozenset(
    {
        # pages and images that can carry script
        "htm", "html", "shtml", "xht", "xhtml", "mht", "mhtml", "svg", "svgz", "xsl", "xslt",
        "hta",
        # scripts
        "js", "mjs", "cjs", "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "psd1",
        "sh", "bash", "zsh", "csh", "ksh", "php", "php3", "php4", "php5", "phtml", "phar",
        "pl", "py", "pyc", "rb", "asp", "aspx", "jsp", "cgi",
        # programs and installers
        "exe", "dll", "bat", "cmd", "com", "scr", "msi", "msp", "mst", "pif", "cpl", "sys",
        "jar", "class", "apk", "app", "appx", "msix", "deb", "rpm", "dmg", "pkg",
        "reg", "lnk", "inf", "gadget", "application", "ocx", "vb",
    }
)  # fmt: skip
BLOCKED_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/hta",
        "text/xsl",
        "application/xslt+xml",
        "multipart/related",
        "message/rfc822-html",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "text/jscript",
        "text/vbscript",
        "application/x-vbscript",
        "application/x-powershell",
        "application/x-sh",
        "application/x-shellscript",
        "text/x-shellscript",
        "text/x-sh",
        "application/x-csh",
        "application/x-php",
        "application/x-httpd-php",
        "text/x-php",
        "text/php",
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-executable",
        "application/vnd.microsoft.portable-executable",
        "application/x-ms-installer",
        "application/x-msi",
        "application/x-ms-shortcut",
        "application/x-bat",
        "application/x-msdos-batch",
        "application/java-archive",
        "application/x-java-archive",
        "application/java-vm",
        "application/vnd.android.package-archive",
    }
)

# How each previewable image type starts: a file that claims to be an image but is
# not one is stored as plain binary data, so it can never be shown inline.
IMAGE_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}

_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks, with the name and type it will be stored under."""

    file: UploadedFile
    name: str
    content_type: str
    size: int


# Names and types ----------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The file's base name, without control characters; '' when nothing usable is left.

    Both separators count: a browser on Windows may send `C:\\dir\\x.txt`, and a crafted
    request `../../etc/passwd`. Trailing dots and spaces go too (Windows drops them,
    which would turn `x.exe.` into `x.exe`).
    """
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in {"Cc", "Cf"})
    base = unicodedata.normalize("NFC", base).strip().rstrip(". ").strip()
    if base in {"", ".", ".."}:
        return ""
    if len(base) > NAME_MAX_LENGTH:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and len(ext) <= 20:
            base = stem[: NAME_MAX_LENGTH - len(ext) - 1] + "." + ext
        else:
            base = base[:NAME_MAX_LENGTH]
    return base


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def clean_content_type(declared: str | None, name: str) -> str:
    """The declared type, lower case and without parameters; guessed from the name when
    missing, malformed or only the generic binary type."""
    value = (declared or "").split(";")[0].strip().lower()
    if (
        not _CONTENT_TYPE.match(value)
        or len(value) > CONTENT_TYPE_MAX_LENGTH
        or value == FALLBACK_TYPE
    ):
        value = (mimetypes.guess_type(name, strict=False)[0] or FALLBACK_TYPE).lower()
    return value


def is_blocked(name: str, content_type: str) -> bool:
    guessed = (mimetypes.guess_type(name, strict=False)[0] or "").lower()
    return (
        extension(name) in BLOCKED_EXTENSIONS
        or content_type in BLOCKED_CONTENT_TYPES
        or guessed in BLOCKED_CONTENT_TYPES
    )


def _looks_like(upload: UploadedFile, content_type: str) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if content_type == "image/webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head.startswith(IMAGE_SIGNATURES[content_type])


def max_size() -> int:
    return int(settings.ATTACHMENT_MAX_SIZE)


def max_files() -> int:
    return int(settings.ATTACHMENT_MAX_FILES)


# Checking -------------------------------------------------------------------------------


def check_uploads(files: Iterable[UploadedFile]) -> list[CheckedUpload]:
    """Check every file; raise one ValidationError under `attachments` naming each problem."""
    files = list(files)
    errors: list[str] = []
    checked: list[CheckedUpload] = []
    if len(files) > max_files():
        errors.append(f"Attach at most {max_files()} files to one message.")
    limit = max_size()
    for upload in files:
        raw_name = upload.name or ""
        name = clean_name(raw_name)
        if not name:
            errors.append("A file has no usable name; rename it and attach it again.")
            continue
        content_type = clean_content_type(getattr(upload, "content_type", None), name)
        if is_blocked(name, content_type):
            kind = f".{extension(name)}" if extension(name) in BLOCKED_EXTENSIONS else content_type
            errors.append(
                f"“{name}” was not attached: files of this type ({kind}) can run code"
                " and are not accepted. Send it in a zip archive instead."
            )
            continue
        size = upload.size or 0
        if size > limit:
            shown, allowed = filesizeformat(size), filesizeformat(limit)
            # "Too large (20.0 MB); the limit is 20.0 MB" reads like a mistake.
            errors.append(
                f"“{name}” is just over the limit of {allowed} per file."
                if shown == allowed
                else f"“{name}” is too large ({shown}); the limit is {allowed} per file."
            )
            continue
        if content_type in PREVIEWABLE_IMAGE_TYPES and not _looks_like(upload, content_type):
            content_type = FALLBACK_TYPE
        checked.append(CheckedUpload(file=upload, name=name, content_type=content_type, size=size))
    if errors:
        raise ValidationError({FIELD: errors})
    return checked


# Storing and deleting --------------------------------------------------------------------


def store(
    checked: Sequence[CheckedUpload], *, ticket: Ticket, reply: Reply | None, uploaded_by
) -> list[Attachment]:
    """Write the files to storage and create their rows; call inside the change's transaction.

    When a row cannot be created, the files written so far are removed again. (A
    rollback of an enclosing transaction after this returns leaves the files behind:
    Django has no rollback hook; they are unreferenced and harmless.)
    """
    created: list[Attachment] = []
    try:
        for upload in checked:
            upload.file.seek(0)
            attachment = Attachment(
                ticket=ticket,
                reply=reply,
                name=upload.name,
                size=upload.size,
                content_type=upload.content_type,
                uploaded_by=uploaded_by
                if getattr(uploaded_by, "is_authenticated", False)
                else None,
            )
            attachment.file.save(upload.name, File(upload.file), save=False)
            created.append(attachment)
            attachment.save()
    except BaseException:
        _delete_files([attachment.file.name for attachment in created if attachment.file.name])
        raise
    return created


def delete_files_on_commit(names: Iterable[str]) -> None:
    """Remove stored files once the deletion of their rows is committed."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(partial(_delete_files, names), robust=True)


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # The row is gone already; a file left behind only takes space.
            logger.exception("Could not delete the stored file %s", name)


# Reading -------------------------------------------------------------------------------


def attach_files(ticket: Ticket, replies: Iterable[Reply]) -> list[Attachment]:
    """Read a ticket's files in one query: each reply gets its own as `reply.files`;
    returns the opening message's."""
    files: dict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in Attachment.objects.filter(ticket=ticket).order_by("created_at", "id"):
        files[attachment.reply_id].append(attachment)
    for reply in replies:
        reply.files = files.get(reply.pk, [])  # type: ignore[attr-defined]  # for the templates, not a field
    return files.get(None, [])


# Forms --------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Any number of files (none included), checked with `check_uploads`."""

    @property
    def max_size(self) -> int:
        return max_size()

    @property
    def limits_text(self) -> str:
        return f"Up to {max_files()} files, {filesizeformat(max_size())} each."

    @property
    def too_large_text(self) -> str:
        """Shown when the server or the proxy refuses a body over the limits with a 413
        (helpdesk/uploads.py), which the form never sees."""
        from helpdesk.uploads import files_too_large_message

        return files_too_large_message()

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Attachments")
        super().__init__(**kwargs)

    def clean(self, value):
        if isinstance(value, list | tuple):
            files = [item for item in value if item]
        else:
            files = [value] if value else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        try:
            check_uploads(files)
        except ValidationError as error:
            raise ValidationError(error.message_dict[FIELD]) from None
        return files
