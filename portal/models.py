"""The portal's own data: one-time sign-in links."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tickets.models import Contact, Ticket


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class SignInLinkQuerySet(models.QuerySet["SignInLink"]):
    def usable(self) -> SignInLinkQuerySet:
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class SignInLink(models.Model):
    """A one-time link that signs a contact in to the portal. Only the hash of its token is
    kept: the token itself exists in the email alone."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The ticket to open after signing in, if the link was asked for one.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInLinkQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="portal_link_expires_idx")]

    def __str__(self) -> str:
        return f"Sign-in link of contact {self.contact_id}"

    @classmethod
    def issue(cls, contact: Contact, ticket: Ticket | None = None) -> tuple[SignInLink, str]:
        """A new link for `contact`, and its raw token (to put in the email)."""
        raw = secrets.token_urlsafe(32)
        now = timezone.now()
        # Links a day past their expiry are of no use, not even to say "expired".
        cls.objects.filter(expires_at__lt=now - datetime.timedelta(days=1)).delete()
        link = cls.objects.create(
            contact=contact,
            token_hash=hash_token(raw),
            ticket=ticket,
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.PORTAL_SIGN_IN_LINK_MINUTES),
        )
        return link, raw

    @classmethod
    def find(cls, raw: str) -> SignInLink | None:
        """The link of a raw token, used or not, expired or not."""
        if not raw or len(raw) > 100:
            return None
        return cls.objects.select_related("contact").filter(token_hash=hash_token(raw)).first()

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
