"""Document control's share of the ten-year archive: 5,000 documents with three revisions each
(two superseded, one effective), each revision's file in the file store and its approval signed
over the file's hash (so signatures verify), 57 acknowledgments per effective revision on average
(285,000), a few thousand still pending."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile

from bench.archive import Archive, as_given_dates, history

DOCUMENTS, REVISIONS_PER_DOCUMENT, ACKS = 5_000, 3, 285_000
PENDING_ACKS = 0.09


def populate(archive: Archive) -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from documents.models import Acknowledgment, Document, ReviewStep, Revision, RevisionFile
    from documents.services import content_hash
    from qms.models import ReferenceCounter, Signature

    rng, made = archive.rng, {}
    types = ["procedure", "work_instruction", "form", "drawing", "specification"]
    documents = []
    for i in range(archive.n(DOCUMENTS)):
        owner = archive.person()
        created = archive.moment()
        documents.append(
            Document(
                reference=f"DOC-{created.year}-{i + 1:05d}",
                number=f"D-{i + 1:05d}",
                title=f"Controlled document {i + 1}",
                doc_type=rng.choice(types),
                owner=owner,
                department_id=owner.department_id,
                status="active",
                created_at=created,
                updated_at=created,
                created_by=owner,
                review_period_months=24,
                due_date=archive.today + dt.timedelta(days=rng.randint(-120, 700)),
            )
        )
    with as_given_dates(Document):
        Document.objects.bulk_create(documents, batch_size=2000)
    made["documents"] = len(documents)
    made["history rows"] = history(
        documents,
        lambda d: [(d.created_at, "+", "Created", {"status": "draft"})],
        user_of=lambda d: d.owner_id,
    )

    revisions = []
    for document in documents:
        moments = sorted(
            archive.moment(days_ago_max=(archive.today - document.created_at.date()).days or 1)
            for _ in range(REVISIONS_PER_DOCUMENT)
        )
        for n, when in enumerate(moments):
            last = n == REVISIONS_PER_DOCUMENT - 1
            revisions.append(
                Revision(
                    document=document,
                    label="ABCDEFGH"[n],
                    change_summary=f"Revision {'ABCDEFGH'[n]}: dimensions updated.",
                    status="effective" if last else "superseded",
                    author=document.owner,
                    created_at=when,
                    round=1,
                    submitted_at=when,
                    approved_at=when + dt.timedelta(days=2),
                    effective_date=(when + dt.timedelta(days=3)).date(),
                    effective_at=when + dt.timedelta(days=3),
                    ended_at=None if last else moments[n + 1] + dt.timedelta(days=3),
                )
            )
    with as_given_dates(Revision):
        Revision.objects.bulk_create(revisions, batch_size=5000)
    made["revisions"] = len(revisions)
    made["history rows"] += history(
        revisions,
        lambda r: (
            [
                (r.created_at, "+", "Draft opened", {"status": "draft"}),
                (r.effective_at, "~", "Effective", {"status": "effective", "ended_at": None}),
            ]
            + ([] if r.ended_at is None else [(r.ended_at, "~", "Superseded", {})])
        ),
        user_of=lambda r: r.author_id,
    )

    # One small PDF per revision in the file store, and the approval signed over its hash.
    files, steps, signatures = [], [], []
    revision_type = ContentType.objects.get_for_model(Revision)
    approver = archive.quality
    for revision in revisions:
        body = (
            b"%PDF-1.4\n% archive revision "
            + f"{revision.document.number} {revision.label}".encode()
            + b"\n%%EOF\n"
        )
        stored = RevisionFile(
            revision=revision,
            original_name=f"{revision.document.number}.pdf",
            mime_type="application/pdf",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            uploaded_by=revision.author,
        )
        stored.file.save(f"{revision.document.number}-{revision.label}.pdf", ContentFile(body), save=False)
        files.append(stored)
        signed_at = revision.approved_at
        signatures.append(
            Signature(
                content_type=revision_type,
                object_id=revision.pk,
                signer=approver,
                printed_name=str(approver),
                meaning="Approved",
                signed_at=signed_at,
                content_hash=content_hash(revision, file_hashes=[stored.sha256]),
            )
        )
    with as_given_dates(RevisionFile):
        for f in files:
            f.uploaded_at = f.revision.created_at
        RevisionFile.objects.bulk_create(files, batch_size=5000)
    Signature.objects.bulk_create(signatures, batch_size=5000)
    for revision, signature in zip(revisions, signatures, strict=True):
        steps.append(
            ReviewStep(
                revision=revision,
                round=1,
                kind="approval",
                user=approver,
                due_date=revision.created_at.date(),
                decision="signed",
                decided_at=signature.signed_at,
                signature=signature,
            )
        )
    ReviewStep.objects.bulk_create(steps, batch_size=5000)
    made["revision files"] = len(files)
    made["signatures"] = len(signatures)

    effective = [r for r in revisions if r.status == "effective"]
    per_revision = max(1, archive.n(ACKS) // len(effective))
    acks = []
    for revision in effective:
        for person in rng.sample(archive.people, min(per_revision, len(archive.people))):
            pending = rng.random() < PENDING_ACKS
            acks.append(
                Acknowledgment(
                    revision=revision,
                    user=person,
                    due_date=archive.today + dt.timedelta(days=rng.randint(-40, 7))
                    if pending
                    else revision.effective_date + dt.timedelta(days=7),
                    status="pending" if pending else "acknowledged",
                    acknowledged_at=None
                    if pending
                    else revision.effective_at + dt.timedelta(days=rng.randint(0, 6)),
                    created_at=revision.effective_at,
                )
            )
    with as_given_dates(Acknowledgment):
        Acknowledgment.objects.bulk_create(acks, batch_size=10000)
    made["acknowledgments"] = len(acks)
    made["history rows"] += history(
        [a for a in acks if a.status == "acknowledged"],
        lambda a: [(a.acknowledged_at, "~", "Read and acknowledged", {})],
        user_of=lambda a: a.user_id,
    )
    ReferenceCounter.objects.update_or_create(
        prefix="DOC", year=timezone.localdate().year, defaults={"last": len(documents)}
    )
    return made
