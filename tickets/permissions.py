"""Who may do what: the roles, and the one question every view, admin action and API
endpoint asks, `may(user, Action.X)`.

A role is a Django auth group of that name holding Django model permissions (migration
tickets 0012 creates the three; an administrator can adjust what each holds in the admin):

- Agent: works tickets; creates and edits clients, contacts and projects.
- Supervisor: also deletes tickets, replies, clients, contacts and projects, and manages
  the shared canned responses and the shared saved views.
- Administrator: also manages departments (categories), statuses, custom fields, teams,
  mailboxes and API keys.

An agent (active staff user) in no role group is an Agent: RoleBackend, the project's
authentication backend, gives them the Agent group's permissions, so that `user.has_perm`
(and with it the Django admin's own checks) and `may` agree. Superusers may do everything.
Requesters (portal contacts) are not users and may do none of this.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, Q, QuerySet

from tickets.agents import is_agent


class Role(models.TextChoices):
    """The role groups, by name (the value is the group's name)."""

    AGENT = "Agent"
    SUPERVISOR = "Supervisor"
    ADMINISTRATOR = "Administrator"


class Action(models.TextChoices):
    """What a user may be asked to be allowed to do. Each but WORK_TICKETS is the Django
    permission it needs ("app_label.codename")."""

    # Every agent works tickets: read, create, change, reply, archive, tag, assign.
    WORK_TICKETS = "work_tickets", "Work tickets"
    DELETE_TICKET = "tickets.delete_ticket", "Delete tickets"
    DELETE_REPLY = "tickets.delete_reply", "Delete replies and notes"
    ADD_CLIENT = "tickets.add_client", "Create clients"
    CHANGE_CLIENT = "tickets.change_client", "Edit clients"
    DELETE_CLIENT = "tickets.delete_client", "Delete clients"
    ADD_CONTACT = "tickets.add_contact", "Create contacts"
    CHANGE_CONTACT = "tickets.change_contact", "Edit contacts"
    DELETE_CONTACT = "tickets.delete_contact", "Delete contacts"
    ADD_PROJECT = "tickets.add_project", "Create projects"
    CHANGE_PROJECT = "tickets.change_project", "Edit projects"
    DELETE_PROJECT = "tickets.delete_project", "Delete projects"
    ADD_SHARED_CANNED = "tickets.add_cannedresponse", "Write shared canned responses"
    CHANGE_SHARED_CANNED = "tickets.change_cannedresponse", "Edit shared canned responses"
    DELETE_SHARED_CANNED = "tickets.delete_cannedresponse", "Delete shared canned responses"
    CHANGE_SHARED_VIEW = "tickets.change_savedview", "Edit colleagues' shared views"
    DELETE_SHARED_VIEW = "tickets.delete_savedview", "Delete colleagues' shared views"
    ADD_CATEGORY = "tickets.add_category", "Create departments and categories"
    CHANGE_CATEGORY = "tickets.change_category", "Edit departments and categories"
    DELETE_CATEGORY = "tickets.delete_category", "Delete departments and categories"


# What each role's group holds, as (app label, model, operations). Migration 0012 creates
# the groups from this with create_roles; a test checks the migrated groups hold exactly this.
VIEW = ("view",)
WORK = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")
AGENT_MODELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tickets", "ticket", WORK),
    ("tickets", "reply", WORK),
    ("tickets", "attachment", ("view", "add")),
    ("tickets", "ticketevent", VIEW),
    ("tickets", "rating", VIEW),
    ("tickets", "client", WORK),
    ("tickets", "clientdomain", WORK),
    ("tickets", "contact", WORK),
    ("tickets", "project", WORK),
    ("tickets", "category", VIEW),
    ("tickets", "ticketstatus", VIEW),
    ("tickets", "customfield", VIEW),
    ("tickets", "team", VIEW),
    ("tickets", "stickynote", ALL),
    ("tickets", "cannedresponse", VIEW),
    ("tickets", "savedview", VIEW),
)
SUPERVISOR_MODELS = (
    ("tickets", "ticket", ALL),
    ("tickets", "reply", ALL),
    ("tickets", "attachment", ("view", "add", "delete")),
    ("tickets", "client", ALL),
    ("tickets", "clientdomain", ALL),
    ("tickets", "contact", ALL),
    ("tickets", "project", ALL),
    ("tickets", "cannedresponse", ALL),
    ("tickets", "savedview", ALL),
)
ADMINISTRATOR_MODELS = (
    ("tickets", "category", ALL),
    ("tickets", "ticketstatus", ALL),
    ("tickets", "customfield", ALL),
    ("tickets", "team", ALL),
    ("tickets", "apikey", ALL),
    ("mail", "mailbox", ALL),
    ("mail", "inboundmessage", ("view", "change")),
    # Service levels (the sla app; its migration 0002 gives the group these).
    ("sla", "businesscalendar", ALL),
    ("sla", "openinghours", ALL),
    ("sla", "holiday", ALL),
    ("sla", "slapolicy", ALL),
    ("sla", "slapolicytarget", ALL),
)


def _codenames(*model_lists: tuple[tuple[str, str, tuple[str, ...]], ...]) -> frozenset[str]:
    return frozenset(
        f"{app}.{operation}_{model}"
        for models_ in model_lists
        for app, model, operations in models_
        for operation in operations
    )


# Each role holds the permissions of the roles below it.
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.AGENT: _codenames(AGENT_MODELS),
    Role.SUPERVISOR: _codenames(AGENT_MODELS, SUPERVISOR_MODELS),
    Role.ADMINISTRATOR: _codenames(AGENT_MODELS, SUPERVISOR_MODELS, ADMINISTRATOR_MODELS),
}


def create_roles(
    group_model: Any,
    permission_model: Any,
    using: str = "default",
    *,
    app_labels: frozenset[str] | None = None,
) -> None:
    """Create (or complete) the role groups; the models are Group and Permission, or their
    historical versions in a migration. A group keeps any permission an administrator added.
    With `app_labels`, only the permissions of those apps (a migration gives an app's
    permissions once its models exist)."""
    for role, all_codenames in ROLE_PERMISSIONS.items():
        codenames = frozenset(
            codename
            for codename in all_codenames
            if app_labels is None or codename.partition(".")[0] in app_labels
        )
        group, _ = group_model.objects.using(using).get_or_create(name=role.value)
        if not codenames:
            continue
        wanted = Q()
        for codename in codenames:
            app_label, _, name = codename.partition(".")
            wanted |= Q(content_type__app_label=app_label, codename=name)
        permissions = list(permission_model.objects.using(using).filter(wanted))
        if len(permissions) != len(codenames):
            found = {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
            raise LookupError(f"Missing permissions: {sorted(codenames - found)}")
        group.permissions.add(*permissions)


def delete_roles(group_model: Any, using: str = "default") -> None:
    group_model.objects.using(using).filter(name__in=Role.values).delete()


def may(user: Any, action: Action | str) -> bool:
    """Whether `user` (anyone: anonymous, a non-staff user, an agent) may do `action`."""
    if not is_agent(user):
        return False
    action = Action(action)
    if action == Action.WORK_TICKETS:
        return True
    return user.has_perm(action.value)


def require(user: Any, action: Action | str) -> None:
    """Raise PermissionDenied (a 403 on the web and, in its envelope, in every API) unless
    `user` may do `action`."""
    if not may(user, action):
        raise PermissionDenied(refusal(action))


def refusal(action: Action | str) -> str:
    """The message of a refusal: "You may not delete tickets." """
    label = str(Action(action).label)
    return f"You may not {label[0].lower()}{label[1:]}."


def role_of(user: Any) -> Role | None:
    """The highest role `user` holds (superusers and agents in no role group included);
    None for anyone who is not an agent."""
    if not is_agent(user):
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    names = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    for role in (Role.ADMINISTRATOR, Role.SUPERVISOR):
        if role in names:
            return role
    return Role.AGENT


class RoleBackend(ModelBackend):
    """Django's ModelBackend, plus: an agent in no role group holds the Agent group's
    permissions. In settings.AUTHENTICATION_BACKENDS in place of ModelBackend."""

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        own_groups = Q(group__user=user_obj)
        if not user_obj.is_staff:
            return Permission.objects.filter(own_groups)
        in_a_role = Group.objects.filter(user=user_obj, name__in=Role.values)
        # One query, as ModelBackend's: the user's groups, and the Agent group unless the
        # user is in a role group.
        return Permission.objects.filter(own_groups | Q(~Exists(in_a_role), group__name=Role.AGENT))
