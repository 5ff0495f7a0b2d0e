"""The form that saves the queue's filters as a named view, or changes a saved view."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils import timezone

from tickets.filters import canonical_query
from tickets.models import SavedView, max_length

QUERY_MAX_LENGTH = max_length(SavedView, "query")


class SavedViewForm(forms.ModelForm):
    """Name and sharing; `query` carries the queue's current filters (any query string,
    cleaned to the known filter parameters). Editing replaces the view's filters only
    when `replace_query` is ticked."""

    query = forms.CharField(required=False, widget=forms.HiddenInput)
    replace_query = forms.BooleanField(
        required=False, label="Replace its filters with the current filters of the queue"
    )

    class Meta:
        model = SavedView
        fields = ["name", "is_shared"]
        labels = {"name": "Name", "is_shared": "Share with all agents"}
        error_messages = {"name": {"required": "Give the view a name."}}

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Editing keeps the owner, also when a superuser edits someone else's view.
        self.owner = self.instance.owner if self.instance.pk else owner
        if not self.instance.pk:
            del self.fields["replace_query"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        # The unique constraint covers the owner, which is not a field of this form, so
        # Django would not check it: say it here rather than fail with an IntegrityError.
        others = SavedView.objects.filter(owner=self.owner, name=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("You already have a view with this name.")
        return name

    def clean_query(self) -> str:
        query = canonical_query(QueryDict(self.cleaned_data["query"]))
        if len(query) > QUERY_MAX_LENGTH:
            raise forms.ValidationError("These filters are too long to save as a view.")
        return query

    def save(self, commit: bool = True) -> SavedView:
        view = super().save(commit=False)
        view.owner = self.owner
        if not self.instance.pk or self.cleaned_data.get("replace_query"):
            view.query = self.cleaned_data["query"]
        view.updated_at = timezone.now()
        if commit:
            view.save()
        return view
