"""The administrator's webhook form: where to POST, which events, as whom."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from qms.forms import BootstrapMixin
from qms.models import User

from .models import WebhookEndpoint
from .webhooks import address_refused, subscribable


class WebhookForm(BootstrapMixin, forms.ModelForm):
    # A plain field: the scheme is checked first, so "ftp://…" or "file:///…" is told why.
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="https:// (or http:// inside the company network). Redirects are not followed.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        help_text="Every event a module declares can be chosen; the webhook is told of each as it happens.",
        error_messages={"required": "Choose at least one event."},
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "run_as", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(e.name, f"{e.name} — {e.description}") for e in subscribable()]
        self.fields["events"].widget.attrs["class"] = "form-check-input"
        current = self.instance.run_as_id if self.instance.pk else None
        run_as = self.fields["run_as"]
        usable = User.objects.filter(is_active=True, is_system=False)
        run_as.queryset = usable | User.objects.filter(pk=current)
        run_as.widget.choices = run_as.choices

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = address_refused(url)
        if problem:
            raise forms.ValidationError(problem)
        URLValidator(
            schemes=["http", "https"], message="Enter a whole address, e.g. https://erp.example.com/qms."
        )(url)
        return url
