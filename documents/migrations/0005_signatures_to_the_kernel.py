"""Every signature of a revision moves to the kernel's one e-signature (``qms.Signature``): the same
signer, printed name, time and content hash, its meaning as the kernel keeps it ("Reviewed",
"Approved"), and the review step it decided pointing at it."""

from django.db import migrations

MEANINGS = {"reviewed": "Reviewed", "approved": "Approved"}


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    OldSignature = apps.get_model("documents", "Signature")
    Signature = apps.get_model("qms", "Signature")
    ReviewStep = apps.get_model("documents", "ReviewStep")
    if not OldSignature.objects.exists():
        return
    revision_type, _ = ContentType.objects.get_or_create(app_label="documents", model="revision")
    for old in OldSignature.objects.order_by("pk").iterator():
        signature = Signature.objects.create(
            content_type=revision_type,
            object_id=old.revision_id,
            signer_id=old.signer_id,
            printed_name=old.printed_name,
            meaning=MEANINGS.get(old.meaning, old.meaning),
            signed_at=old.signed_at,
            content_hash=old.content_hash,
        )
        ReviewStep.objects.filter(pk=old.step_id).update(signature_id=signature.pk)


def backward(apps, schema_editor):
    OldSignature = apps.get_model("documents", "Signature")
    Signature = apps.get_model("qms", "Signature")
    ReviewStep = apps.get_model("documents", "ReviewStep")
    values = {label: value for value, label in MEANINGS.items()}
    steps = list(ReviewStep.objects.filter(signature_id__isnull=False).order_by("pk"))
    signatures = Signature.objects.in_bulk([step.signature_id for step in steps])
    for step in steps:
        s = signatures[step.signature_id]
        OldSignature.objects.create(
            revision_id=step.revision_id,
            step_id=step.pk,
            signer_id=s.signer_id,
            printed_name=s.printed_name,
            meaning=values.get(s.meaning, s.meaning),
            signed_at=s.signed_at,
            content_hash=s.content_hash,
        )
    ReviewStep.objects.filter(pk__in=[step.pk for step in steps]).update(signature_id=None)
    Signature.objects.filter(pk__in=signatures).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("documents", "0004_review_step_signature_child_history"),
    ]

    operations = [migrations.RunPython(forward, backward)]
