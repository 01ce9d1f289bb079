"""The forms of what happens with a supplier: its change notifications (recorded, evaluated,
approved) and SCARs (drafted, sent, answered, rejected)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from qms.forms import ChildForm, DateRuleMixin, RecordForm, SignatureForm
from qms.rules import REASON_MAX

from ..models import Scar, Supplier, SupplierChange, SupplierContact
from ..models.changes import Risk

# --- change notifications ----------------------------------------------------------------------


class ChangeForm(DateRuleMixin, RecordForm):
    due_what = "The evaluate-by date"

    class Meta:
        model = SupplierChange
        fields = [
            "supplier",
            "kind",
            "source",
            "title",
            "description",
            "received_on",
            "effective_from",
            "affected_parts",
            "owner",
            "department",
            "due_date",
        ]
        widgets = {
            "affected_parts": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"due_date": "Evaluate by"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.exclude(status="disqualified").order_by("name")
        self.fields["title"].required = False
        self.fields["title"].help_text = "Empty: the supplier and the kind, “Hüttenstahl: material change”."
        self.fields["received_on"].initial = timezone.localdate
        if "owner" in self.fields:
            self.fields["owner"].help_text = "Who evaluates and decides it: the quality manager."

    def clean_owner(self):
        """The quality manager evaluates and decides a change; owned by anyone else, its date
        waited on the My work of someone who could not act on it."""
        from qms.models import Role

        owner = self.cleaned_data.get("owner")
        if owner is not None and owner.role != Role.QUALITY_MANAGER:
            raise forms.ValidationError(
                f"{owner} cannot evaluate or decide a supplier change: choose the quality manager."
            )
        return owner

    def clean_received_on(self):
        day = self.cleaned_data.get("received_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("A change is recorded when we learned of it: not a day ahead.")
        return day


class ChangeEvaluateForm(ChildForm):
    risk = forms.ChoiceField(choices=Risk.choices)
    affected_parts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text="Part numbers, one per line (as evaluated). Empty: every part from this supplier. "
        "Link the drawings on the Links tab.",
    )
    evaluation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        help_text="What the change does to the parts, and why the risk is what it is (with engineering).",
    )
    first_article = forms.BooleanField(label="First-article inspection needed", required=False)
    material_test = forms.BooleanField(label="Material test needed", required=False)
    capability_study = forms.BooleanField(label="Capability study needed", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        change = self.parent
        if change is not None and not self.is_bound:
            self.initial.update(
                risk=change.risk or "medium",
                affected_parts=change.affected_parts,
                evaluation=change.evaluation,
                first_article=change.first_article,
                material_test=change.material_test,
                capability_study=change.capability_study,
            )


class ChangeApproveForm(SignatureForm):
    note = forms.CharField(
        label="Note", max_length=REASON_MAX, required=False, help_text="Conditions; test results."
    )
    field_order = ["note", "password"]


# --- SCARs -------------------------------------------------------------------------------------


class ScarForm(RecordForm):
    class Meta:
        model = Scar
        fields = ["supplier", "contact", "send_to", "title", "problem", "requirement", "owner", "department"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "requirement": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.exclude(status="prospective").order_by("name")
        # Raised from a supplier or an NCR, sent back, chosen, or the SCAR's own: its contacts only.
        supplier = self._supplier_id() or self.instance.supplier_id
        contact = self.fields["contact"]
        if supplier is not None:
            contact.queryset = SupplierContact.objects.filter(supplier_id=supplier).order_by("name")
            contact.help_text = "The chosen supplier's contacts."
            contact.error_messages["invalid_choice"] = "Choose one of the supplier’s contacts."
        else:  # a contact belongs to a supplier: nothing to choose from until one is chosen
            contact.queryset = SupplierContact.objects.none()
            contact.help_text = "Choose the supplier first: its contacts are listed here."
            contact.error_messages["invalid_choice"] = "Choose the supplier first."
        # Choosing the supplier reloads the contact list with its contacts (the page asked again
        # with ``?supplier=``, only the list taken from it), on a new SCAR as on one being edited.
        self.fields["supplier"].widget.attrs.update(
            {
                "hx-get": "",
                "hx-trigger": "change",
                "hx-target": "#id_contact",
                "hx-select": "#id_contact",
                "hx-swap": "outerHTML",
                # and the help beside it, which says whose contacts are listed
                "hx-select-oob": "#id_contact_helptext",
            }
        )
        if self.instance.pk is None:  # the service names a new SCAR; one being edited keeps a title
            self.fields["title"].required = False
            self.fields["title"].help_text = "Empty: “SCAR to” and the supplier's name."

    def _supplier_id(self) -> int | None:
        """The supplier chosen: in what was sent, else in the initial values (the SCAR's own, the
        one it is raised from, or ``?supplier=`` when the choice asks for its contacts again)."""
        if self.is_bound:
            chosen = self.data.get(self.add_prefix("supplier"), "")
        else:
            chosen = self.initial.get("supplier") or ""
        chosen = getattr(chosen, "pk", chosen)
        return int(chosen) if str(chosen).isdigit() and len(str(chosen)) < 12 else None

    def clean(self):
        data = super().clean()
        supplier, contact = data.get("supplier"), data.get("contact")
        if supplier and contact and contact.supplier_id != supplier.pk:
            self.add_error("contact", f"{contact.name} is not a contact of {supplier}.")
        unanswered = "send_to" not in self.errors and "contact" not in self.errors
        if supplier and not contact and not data.get("send_to") and unanswered:
            self.add_error("send_to", "Choose a contact or give the email address the SCAR goes to.")
        return data


class ScarSendForm(DateRuleMixin, ChildForm):
    not_past_fields = ("due_date",)
    due_date = forms.DateField(label="Answer due by", help_text="The date the supplier's 8D answer is due.")
    note = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ..services.scars import RESPONSE_DAYS

        self.fields["due_date"].initial = timezone.localdate() + timezone.timedelta(days=RESPONSE_DAYS)


class ScarAnswerForm(DateRuleMixin, ChildForm):
    not_future_fields = ("answered_on",)
    answered_on = forms.DateField(label="Answer received on", initial=timezone.localdate)
    containment = forms.CharField(
        label="Containment (D3)", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    root_cause = forms.CharField(
        label="Root cause (D4)", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    corrective_action = forms.CharField(
        label="Corrective action (D5–D6)", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    preventive_action = forms.CharField(
        label="Preventive action (D7)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )


class ScarRejectForm(ChildForm):
    reason = forms.CharField(label="Why the answer is not accepted", max_length=REASON_MAX)
    due_date = forms.DateField(label="New answer due by")
