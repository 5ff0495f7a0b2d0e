"""The form of a sticky note on the ticket page."""

from __future__ import annotations

from django import forms


class StickyNoteForm(forms.Form):
    """The text of a sticky note; its rules (required, at most 500 characters) are the
    service's, whose messages the view puts back on this field."""

    text = forms.CharField(
        label="Sticky note",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )
