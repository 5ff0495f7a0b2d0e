"""The report parameters, validated once for the API and the dashboard alike."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from sla.models import SlaPolicy, SlaTargetKind
from tickets.agents import agents_and_former_agents
from tickets.models import Category, Client, Team, Ticket
from tickets.queries import MAX_ID

from .periods import MAX_HOUR_RANGE_DAYS, GroupBy, ReportFilters

DATE_FORMAT = "%Y-%m-%d"
MAX_RANGE_DAYS = 3660  # ten years of days
EARLIEST_DATE = datetime.date(1970, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
TAG_PARAMETER = "tag[]"


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class TagsField(forms.Field):
    """Repeated `tag[]` parameters: tag names, any of which matches."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> tuple[str, ...]:
        names = []
        for name in value or ():
            name = str(name).strip()
            if not name:
                continue
            if len(name) > 100:
                raise forms.ValidationError("A tag has at most 100 characters.")
            names.append(name)
        return tuple(dict.fromkeys(names))


class ReportParametersForm(forms.Form):
    date_from = forms.DateField(
        required=False,
        input_formats=[DATE_FORMAT],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        required=False,
        input_formats=[DATE_FORMAT],
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    group_by = forms.ChoiceField(
        required=False,
        choices=[("", "Automatic")] + [(choice, choice.title()) for choice in GroupBy.CHOICES],
        error_messages={"invalid_choice": "Select hour, day, week or month."},
    )
    timezone = forms.CharField(required=False, max_length=64)
    agent = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Enter an agent id."},
    )
    department = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Enter a department id."},
    )
    client = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Enter a client id."},
    )
    team = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Enter a team id."},
    )
    # The longest range grouped by hour (one period per hour); None: no limit.
    max_hour_range_days: int | None = MAX_HOUR_RANGE_DAYS

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields[TAG_PARAMETER] = TagsField(required=False)

    def clean_timezone(self) -> zoneinfo.ZoneInfo:
        name = self.cleaned_data.get("timezone") or settings.TIME_ZONE
        if name not in time_zone_names():
            raise forms.ValidationError("Enter a time zone name such as Europe/London.")
        return zoneinfo.ZoneInfo(name)

    def clean_agent(self) -> int | None:
        return self._existing("agent", agents_and_former_agents(), "There is no such agent.")

    def clean_department(self) -> int | None:
        return self._existing(
            "department",
            Category.objects.filter(type=Category.Type.TICKET),
            "There is no such department.",
        )

    def clean_client(self) -> int | None:
        return self._existing("client", Client.objects.all(), "There is no such client.")

    def clean_team(self) -> int | None:
        return self._existing("team", Team.objects.all(), "There is no such team.")

    def _existing(self, name: str, queryset, message: str) -> int | None:
        pk = self.cleaned_data.get(name)
        if pk is not None and not queryset.filter(pk=pk).exists():
            raise forms.ValidationError(message)
        return pk

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        tz = data.get("timezone")
        if tz is None or self.has_error("date_from") or self.has_error("date_to"):
            return data
        date_to = data.get("date_to") or timezone.now().astimezone(tz).date()
        date_from = data.get("date_from") or first_ticket_day(tz) or date_to
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if not EARLIEST_DATE <= value <= LATEST_DATE:
                self.add_error(name, "Enter a date between 1970 and 2199.")
        if self.errors:
            return data
        if date_from > date_to:
            self.add_error("date_from", "The start date must not be after the end date.")
            return data
        days = (date_to - date_from).days + 1
        if days > MAX_RANGE_DAYS:
            self.add_error("date_to", "A report covers at most ten years.")
        group_by = data.get("group_by") or (GroupBy.HOUR if days == 1 else GroupBy.DAY)
        limit = self.max_hour_range_days
        if group_by == GroupBy.HOUR and limit is not None and days > limit:
            self.add_error("group_by", f"Group by hour covers at most {limit} days.")
        data.update(date_from=date_from, date_to=date_to, group_by=group_by)
        return data

    def filters(self) -> ReportFilters:
        """The validated parameters; call after is_valid()."""
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            group_by=data["group_by"],
            timezone=data["timezone"],
            agent=data.get("agent"),
            department=data.get("department"),
            client=data.get("client"),
            team=data.get("team"),
            tags=data.get(TAG_PARAMETER) or (),
        )

    def error_dict(self) -> dict[str, list[str]]:
        return {
            field: [str(message) for message in messages] for field, messages in self.errors.items()
        }


class DashboardParametersForm(ReportParametersForm):
    """The dashboard's parameters. Its date pickers send YYYY-MM-DD whatever they show (a
    browser shows its own locale's format), so a refused date names no format."""

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = "Enter a valid date."


def first_ticket_day(tz: zoneinfo.ZoneInfo) -> datetime.date | None:
    """The local day of the first ticket (an index lookup), the default start."""
    first = Ticket.objects.order_by().aggregate(first=Min("created_at"))["first"]
    return first.astimezone(tz).date() if first else None


class SlaBreachesParametersForm(ReportParametersForm):
    """The breaches list's parameters: a report's range and filters, and a policy and a kind
    of target. It has no periods, so any range may be grouped by hour."""

    policy = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Enter an SLA policy id."},
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), *SlaTargetKind.choices],
        error_messages={"invalid_choice": "Select first_response, next_response or resolution."},
    )
    max_hour_range_days = None

    def clean_policy(self) -> int | None:
        return self._existing("policy", SlaPolicy.objects.all(), "There is no such SLA policy.")

    def breach_filters(self) -> dict[str, Any]:
        """The policy and kind to keep; call after is_valid()."""
        return {"policy": self.cleaned_data.get("policy"), "kind": self.cleaned_data.get("kind")}
