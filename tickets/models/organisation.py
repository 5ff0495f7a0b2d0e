"""Who tickets belong to: departments and other categories, clients with their contacts and projects, and teams of agents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone


class Category(models.Model):
    """A grouping used across the helpdesk; a department is a category of type ticket."""

    class Type(models.TextChoices):
        TICKET = "ticket", "Ticket"
        PROJECT = "project", "Project"
        CLIENT = "client", "Client"

    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.TICKET)
    position = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(
        "public",
        default=False,
        help_text="A department that requesters may choose for a new ticket in the portal.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["type", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["type", "name"], name="category_unique_name_per_type"),
            models.CheckConstraint(
                condition=Q(type__in=["ticket", "project", "client"]), name="category_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientQuerySet(models.QuerySet["Client"]):
    def active(self) -> ClientQuerySet:
        return self.filter(is_active=True)

    def search(self, text: str) -> ClientQuerySet:
        return self.filter(Q(name__icontains=text) | Q(email__icontains=text))


class Client(models.Model):
    """A customer company."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="client_name_idx")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a client: a ticket's requester or a copied (CC) recipient."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    bounced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When mail to this address last bounced; cleared when it writes to us again.",
    )
    sees_all_client_tickets = models.BooleanField(
        "sees all of the client's tickets",
        default=False,
        help_text="In the portal, this contact sees every ticket of their client, not only "
        "their own.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"],
                condition=~Q(email=""),
                name="contact_unique_email_per_client",
                violation_error_message="This client already has a contact with this email.",
            )
        ]
        indexes = [
            models.Index(fields=["email"], name="contact_email_idx"),
            # Incoming mail finds its sender whatever the case of the address.
            models.Index(Upper("email"), name="contact_email_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class ClientDomain(models.Model):
    """An email domain of a client: mail from an unknown address at it makes a new contact
    of that client (see mail.requesters)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="email_domains")
    domain = models.CharField(
        max_length=253, unique=True, help_text="Such as example.com, in lower case."
    )

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")) & ~Q(domain=""),
                name="client_domain_lower_case",
                violation_error_message="The domain must be in lower case.",
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = (self.domain or "").strip().lower().removeprefix("@")


class Project(models.Model):
    """A piece of work for one client; a ticket may be filed under it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"], name="project_unique_name_per_client"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A named group of agents that a ticket can be assigned to."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="helpdesk_teams",
        blank=True,
        limit_choices_to={"is_staff": True},
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
