"""The approved supplier list: suppliers with their approval status and risk tier, what each tier
requires (certificates, re-evaluation and audit intervals, the inspection level incoming lots
start from), and each supplier's contacts, sites, certificates and evaluations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from qms.models import ChildRecord, Record, StoredFile, search_index
from qms.models.files import stored_file_path
from qms.workflow import Transition, Workflow

# Procurement looks after suppliers (the STEWARDS setting); the quality manager approves.
KEEPERS = frozenset({"owner", "head", "quality", "steward"})
QUALITY = frozenset({"quality"})


class Tier(models.TextChoices):
    """Risk tier: the impact of what the supplier delivers on the product, and how it performed."""

    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"


class InspectionLevel(models.TextChoices):
    """ISO 2859-1 inspection levels; incoming inspection always starts at normal severity."""

    I = "I", "General level I"  # noqa: E741 - the standard's name
    II = "II", "General level II"
    III = "III", "General level III"
    S1 = "S-1", "Special level S-1"
    S2 = "S-2", "Special level S-2"
    S3 = "S-3", "Special level S-3"
    S4 = "S-4", "Special level S-4"


class CertificateKind(models.TextChoices):
    ISO9001 = "iso9001", "ISO 9001"
    IATF16949 = "iatf16949", "IATF 16949"
    ISO17025 = "iso17025", "ISO/IEC 17025 accreditation"
    ISO14001 = "iso14001", "ISO 14001"
    MATERIAL = "material", "Material certificate (EN 10204)"
    OTHER = "other", "Other"


CERTIFICATE_KINDS = dict(CertificateKind.choices)


class TierPolicy(models.Model):
    """What a risk tier requires of a supplier: the certificates it must hold, whether each
    delivery needs a material certificate, how often it is re-evaluated and audited, and the
    inspection level its incoming lots start from. Kept by the quality manager."""

    tier = models.CharField(max_length=10, choices=Tier.choices, unique=True)
    required_certificates = ArrayField(
        models.CharField(max_length=20, choices=CertificateKind.choices),
        default=list,
        blank=True,
        help_text="Certificates a supplier of this tier must hold, valid, to be approved.",
    )
    material_certificates = models.BooleanField("material certificate with each delivery", default=False)
    evaluation_months = models.PositiveSmallIntegerField(
        "re-evaluate every (months)", validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    audit_months = models.PositiveSmallIntegerField(
        "supplier audit every (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Empty: no supplier audit planned for this tier.",
    )
    inspection_level = models.CharField(
        "incoming inspection starts at", max_length=4, choices=InspectionLevel.choices
    )

    history = HistoricalRecords()

    visibility = "company"  # every signed-in user reads what the tiers require

    class Meta:
        verbose_name = "tier policy"
        verbose_name_plural = "tier policies"
        ordering = ["tier"]

    def __str__(self) -> str:
        return self.get_tier_display()

    @property
    def required_labels(self) -> list[str]:
        return [CERTIFICATE_KINDS.get(kind, kind) for kind in self.required_certificates]


def _certificates_held(supplier) -> str | None:
    from suppliers.selectors import missing_certificates  # reads only

    missing = missing_certificates(supplier)
    if missing:
        return "Required certificate missing or expired: " + ", ".join(missing) + "."
    return None


class Supplier(Record):
    """An external provider (ISO 9001 8.4): who they are, what they supply, their risk tier and
    approval status. Procurement proposes and keeps them; the quality manager approves,
    approves with conditions or disqualifies them, each with an electronic signature."""

    def ncr_prefill(self) -> dict:
        """An NCR raised from a supplier: the supplier source, the 6M's material."""
        return {"source": "supplier", "cause_category": "material"}

    reference_prefix = "SUP"
    visibility = "company"  # the approved supplier list is read by every department
    create_roles = frozenset({"quality", "steward"})
    change_relations = KEEPERS
    due_label = "next evaluation"
    workflow = Workflow(
        statuses=[
            ("prospective", "Prospective"),
            ("approved", "Approved"),
            ("conditional", "Conditionally approved"),
            ("disqualified", "Disqualified"),
        ],
        transitions=[
            Transition(
                "approve",
                "Approve",
                ("prospective", "conditional", "disqualified"),
                "approved",
                QUALITY,
                guards=(_certificates_held,),
                form=True,
                style="success",
            ),
            Transition(
                "approve_conditionally",
                "Approve with conditions",
                ("prospective", "approved", "disqualified"),
                "conditional",
                QUALITY,
                form=True,
                style="warning",
            ),
            Transition(
                "disqualify",
                "Disqualify",
                ("prospective", "approved", "conditional"),
                "disqualified",
                QUALITY,
                reason_required=True,
                form=True,
                style="outline-danger",
            ),
        ],
        initial="prospective",
        closed=frozenset({"disqualified"}),
    )

    name = models.CharField("supplier name", max_length=200)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    tier = models.CharField("risk tier", max_length=10, choices=Tier.choices, default=Tier.MAJOR)
    tier_reason = models.CharField(
        "why this tier",
        max_length=300,
        blank=True,
        help_text="Impact of what they supply, recent performance.",
    )
    calibration_lab = models.BooleanField(
        "calibration laboratory", default=False, help_text="Needs an ISO/IEC 17025 accreditation."
    )
    commodities = models.TextField("what they supply", blank=True, help_text="Materials, parts, services.")
    processes = models.TextField("processes", blank=True, help_text="Heat treatment, plating, calibration …")
    part_numbers = models.TextField("part numbers", blank=True, help_text="One per line.")
    address = models.TextField(blank=True)
    country = models.CharField(max_length=60, blank=True)
    email = models.EmailField("general email", blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    last_audit_on = models.DateField("last supplier audit", null=True, blank=True)
    conditions = models.TextField("conditions of approval", blank=True, editable=False)
    conditional_until = models.DateField(
        "conditional approval expires", null=True, blank=True, editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta(Record.Meta):
        verbose_name = "supplier"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="suppliers_supplier_unique_name",
                violation_error_message="A supplier with this name exists already.",
            ),
            models.UniqueConstraint(
                Lower("vat_number"),
                condition=~Q(vat_number=""),
                name="suppliers_supplier_unique_vat",
                violation_error_message="A supplier with this VAT number exists already.",
            ),
        ]
        indexes = [
            *Record.Meta.indexes,
            search_index("suppliers_supplier_search", "reference", "name"),
            # The approved supplier list's order: a page reads its 50 rows from here rather than
            # naming every supplier's owner and sorting them all (600 suppliers: 1.06 -> 0.10 ms).
            models.Index(fields=["name", "id"], name="suppliers_supplier_register"),
        ]

    name_field = "name"  # what str() shows: a register's CSV names suppliers in SQL (qms.csv_sql)

    def __str__(self) -> str:
        return self.name

    def signed_content(self) -> tuple:
        # An approval is void once what it approved changes: who, what they supply, the tier.
        return (self.name, self.tier, self.commodities, self.processes, self.part_numbers, self.conditions)

    @property
    def part_number_list(self) -> list[str]:
        return [line.strip() for line in self.part_numbers.splitlines() if line.strip()]

    @property
    def is_usable(self) -> bool:
        """May goods be ordered from it: approved, or conditionally approved."""
        return self.status in ("approved", "conditional")


class SupplierContact(ChildRecord):
    """A person at the supplier: who receives SCARs and change questions."""

    parent_field, anchor = "supplier", "#contacts"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField("role", max_length=120, blank=True, help_text="Quality manager, sales …")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    quality_contact = models.BooleanField(
        "quality contact", default=False, help_text="Receives SCARs and questions about changes."
    )

    class Meta:
        ordering = ["-quality_contact", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def removal_refused(self) -> str | None:
        return None  # a person who left the supplier is removed; the history keeps them


class SupplierSite(ChildRecord):
    """A site of the supplier (a plant, a warehouse): where what we buy is made."""

    parent_field, anchor = "supplier", "#sites"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    makes = models.CharField("what is made there", max_length=200, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def removal_refused(self) -> str | None:
        return None


class SupplierCertificate(StoredFile, ChildRecord):
    """A certificate the supplier holds (ISO 9001, IATF 16949, ISO/IEC 17025 …) with its issue and
    expiry dates and the scan in the one file store. A certificate imported from a list may have no
    scan yet. Replaced certificates are withdrawn, never removed."""

    parent_field, anchor, store_folder = "supplier", "#certificates", "suppliers/"
    workflow = Workflow(
        statuses=[("current", "Current"), ("withdrawn", "Withdrawn")],
        transitions=[
            Transition(
                "withdraw",
                "Withdraw",
                ("current",),
                "withdrawn",
                KEEPERS,
                reason_required=True,
                style="outline-secondary",
                reason_prompt="Say why the certificate is withdrawn (replaced, revoked …).",
            )
        ],
        initial="current",
        closed=frozenset({"withdrawn"}),
    )

    # The scan is optional: a certificate list is imported before the scans arrive.
    file = models.FileField(upload_to=stored_file_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField("MIME type", max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(max_length=20, choices=CertificateKind.choices)
    number = models.CharField("certificate number", max_length=80, blank=True)
    issuer = models.CharField("issued by", max_length=120, blank=True, help_text="Certification body.")
    scope = models.CharField(max_length=300, blank=True)
    issued_on = models.DateField("issued")
    expires_on = models.DateField("expires", null=True, blank=True)
    status = models.CharField(max_length=10, choices=workflow.choices, default="current", editable=False)

    class Meta:
        verbose_name = "certificate"
        ordering = ["kind", "-expires_on", "pk"]
        indexes = [
            models.Index(
                fields=["expires_on", "id"], condition=Q(status="current"), name="suppliers_cert_expiry"
            )
        ]

    def __str__(self) -> str:
        label = CERTIFICATE_KINDS.get(self.kind, self.kind)
        return f"{label} {self.number}".strip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            raise ValidationError({"expires_on": "The expiry date must come after the issue date."})

    def removal_refused(self) -> str | None:
        return "Certificates are withdrawn, never removed: the list shows what was held when."

    def download_name(self) -> str:
        from qms.uploads import safe_filename

        return safe_filename(self.original_name or f"{self}.pdf")


class Evaluation(ChildRecord):
    """A periodic evaluation of the supplier: criteria with weights and scores (1 to 5), the
    weighted score and the result, by whom and when. The next one falls due by the tier's
    interval."""

    parent_field, anchor = "supplier", "#evaluations"
    history_related = ("evaluator",)

    class Result(models.TextChoices):
        APPROVED = "approved", "A · keep approved"
        CONDITIONAL = "conditional", "B · approve with conditions"
        REJECTED = "rejected", "C · not acceptable"

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_on = models.DateField("evaluated on")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("weighted score", max_digits=4, decimal_places=2, editable=False)
    result = models.CharField(max_length=12, choices=Result.choices, editable=False)
    note = models.TextField("summary", blank=True)

    class Meta:
        ordering = ["-evaluated_on", "-pk"]
        indexes = [models.Index(fields=["supplier", "-evaluated_on"], name="suppliers_eval_latest")]

    def __str__(self) -> str:
        return f"Evaluation of {self.evaluated_on:%-d %b %Y}"

    def removal_refused(self) -> str | None:
        return "Evaluations are kept: record a new one instead."


class EvaluationScore(ChildRecord):
    """One criterion of an evaluation: its weight (per cent, all adding up to 100) and score."""

    parent_field = "evaluation"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(
        "weight (%)", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        ordering = ["-weight", "pk"]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score} × {self.weight}%"

    def removal_refused(self) -> str | None:
        return "Scores of an evaluation are kept."
