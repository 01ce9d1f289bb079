"""The move of document control's own signatures to the kernel's one e-signature: run forward on
a real signature row, everything the signature said is kept and its review step points at it."""

import datetime as dt

from django.utils import timezone

from tests.migrating import people, scratch_database

BEFORE = [("documents", "0004_review_step_signature_child_history")]
AFTER = [("documents", "0005_signatures_to_the_kernel")]


def test_signatures_move_to_the_kernel_with_everything_they_said(django_db_blocker):
    signed_at = timezone.now() - dt.timedelta(days=400)
    with scratch_database(django_db_blocker) as migrate:
        apps = migrate(BEFORE)
        at = people(apps)
        head, dept, quality_manager = at.head, at.dept, at.quality_manager
        Document = apps.get_model("documents", "Document")
        Revision = apps.get_model("documents", "Revision")
        ReviewStep = apps.get_model("documents", "ReviewStep")
        OldSignature = apps.get_model("documents", "Signature")
        document = Document.objects.create(
            reference="DOC-2025-0001",
            title="Bracket, machined",
            number="DRW-40512",
            doc_type="drawing",
            owner_id=head.pk,
            department_id=dept.pk,
            created_by_id=head.pk,
            status="active",
        )
        revision = Revision.objects.create(
            document=document, label="A", change_summary="First issue", author_id=head.pk, status="effective"
        )
        steps = {
            kind: ReviewStep.objects.create(
                revision=revision,
                round=1,
                kind=kind,
                user_id=quality_manager.pk,
                due_date=signed_at.date(),
                decision="signed",
            )
            for kind in ("review", "approval")
        }
        for kind, meaning in (("review", "reviewed"), ("approval", "approved")):
            OldSignature.objects.create(
                revision=revision,
                step=steps[kind],
                signer_id=quality_manager.pk,
                printed_name="Quality Manager",
                meaning=meaning,
                signed_at=signed_at,
                content_hash="ab" * 32,
            )

        apps = migrate(AFTER)
        Signature = apps.get_model("qms", "Signature")
        ContentType = apps.get_model("contenttypes", "ContentType")
        ReviewStep = apps.get_model("documents", "ReviewStep")
        kept = list(Signature.objects.order_by("meaning"))
        assert [
            (s.object_id, s.signer_id, s.printed_name, s.meaning, s.signed_at, s.content_hash) for s in kept
        ] == [
            (revision.pk, quality_manager.pk, "Quality Manager", "Approved", signed_at, "ab" * 32),
            (revision.pk, quality_manager.pk, "Quality Manager", "Reviewed", signed_at, "ab" * 32),
        ]
        revision_type = ContentType.objects.get(app_label="documents", model="revision")
        assert {s.content_type_id for s in kept} == {revision_type.pk}
        by_meaning = {s.meaning: s.pk for s in kept}
        assert ReviewStep.objects.get(pk=steps["review"].pk).signature_id == by_meaning["Reviewed"]
        assert ReviewStep.objects.get(pk=steps["approval"].pk).signature_id == by_meaning["Approved"]
