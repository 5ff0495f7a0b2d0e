"""Keys for the REST API."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.agents import agent_condition, is_agent


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self) -> ApiKeyQuerySet:
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            agent_condition(prefix="agent__"),
            revoked_at__isnull=True,
        )


class ApiKey(models.Model):
    """A bearer key for the REST API. Only a SHA-256 hash of the key is stored."""

    PREFIX = "hd_"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    hint = models.CharField(max_length=12, editable=False, help_text="The key's first characters.")
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.hint}… ({self.agent})"

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls, *, agent, name: str = "", expires_at=None) -> tuple[ApiKey, str]:
        """Create a key; returns it with the raw key, which is never stored."""
        raw_key = cls.PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            agent=agent,
            name=name,
            hint=raw_key[:10],
            hashed_key=cls.hash(raw_key),
            expires_at=expires_at,
        )
        return key, raw_key

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and is_agent(self.agent)
        )
