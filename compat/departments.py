"""Where tickets created through a compatibility API go."""

from __future__ import annotations

from tickets.models import Category


def compat_department() -> Category:
    """The department of tickets created through a compatibility API: COMPAT_DEPARTMENT (a
    name or an id), else the first department."""
    from django.conf import settings

    from tickets.forms.base import departments

    chosen = str(settings.COMPAT_DEPARTMENT).strip()
    if chosen:
        found = departments().filter(pk=int(chosen)) if chosen.isdigit() else None
        found = found if found is not None and found.exists() else departments().filter(name=chosen)
        department = found.order_by("pk").first()
        if department is not None:
            return department
    department = departments().order_by("position", "pk").first()
    if department is None:
        raise Category.DoesNotExist("There is no department for tickets from this API.")
    return department
