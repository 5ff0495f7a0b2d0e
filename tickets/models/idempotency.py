"""Idempotency keys: what a request sent with an `Idempotency-Key` header answered, so
that a client retrying it gets the same answer rather than a second ticket
(helpdesk/idempotency.py uses them)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

# How long a key is remembered; an older one is ignored, and pruned by
# `manage.py prune_idempotency_keys`.
IDEMPOTENCY_KEY_LIFETIME = datetime.timedelta(hours=24)


class IdempotencyKeyQuerySet(models.QuerySet["IdempotencyKey"]):
    def live(self) -> IdempotencyKeyQuerySet:
        return self.filter(created_at__gt=timezone.now() - IDEMPOTENCY_KEY_LIFETIME)

    def expired(self) -> IdempotencyKeyQuerySet:
        return self.filter(created_at__lte=timezone.now() - IDEMPOTENCY_KEY_LIFETIME)


class IdempotencyKey(models.Model):
    """One completed request made with an Idempotency-Key: the request it was (method,
    path and a hash of its body) and the answer it got (status and body). Stored in the
    same transaction as the request's own work, so that one exists only with the other."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request's body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "idempotency key"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"

    @property
    def is_live(self) -> bool:
        return self.created_at > timezone.now() - IDEMPOTENCY_KEY_LIFETIME
