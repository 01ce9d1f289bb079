"""Reads of document control that the pages assemble: the files of a revision with their hashes,
its signatures and whether they still hold, the document's and the revision's pages, the
register's columns and the register of who has not yet acknowledged. Each takes the user and
reads within their scope (``qms.access``)."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from qms import access
from qms.compiled import once
from qms.files import file_digest
from qms.history import with_reasons_shown
from qms.models import Department, User

from .kpis import ON_TIME, counted_acknowledgments
from .models import Acknowledgment, Document, ReviewStep, Revision
from .services import (
    content_hash,
    distribution_parts,
    distribution_users,
    issued_copies,
    may_take_original,
    step_for,
)


def file_rows(revision: Revision) -> tuple[list[dict], str]:
    """Each file of the revision with whether its stored bytes still match the hash taken at
    upload, and the revision's content hash as it is now."""
    rows = []
    for f in revision.files.select_related("uploaded_by"):  # the page names who uploaded each
        digest = file_digest(f)
        rows.append({"file": f, "intact": digest == f.sha256, "digest": digest})
    return rows, content_hash(revision, file_hashes=[r["digest"] for r in rows])


def signature_rows(revision: Revision, current_hash: str | None) -> list[dict]:
    """The kernel's signatures on the revision, each void once the content changed after it."""
    return [{"signature": s, "valid": s.is_valid_for(current_hash)} for s in revision.signatures.all()]


def _acknowledgments(revision: Revision, user: User) -> dict:
    acks = list(revision.acknowledgments.select_related("user", "user__department"))
    pending = [a for a in acks if a.status == Acknowledgment.Status.PENDING]
    return {
        "acks": acks,
        "not_acknowledged": pending,
        "acknowledged": [a for a in acks if a.status == Acknowledgment.Status.ACKNOWLEDGED],
        "my_ack": next((a for a in pending if a.user_id == user.pk), None),
    }


# Names a document's page lists of who has not yet acknowledged its current revision, the most
# overdue first; the register of outstanding acknowledgments, narrowed to the document, has the rest.
NOT_ACKNOWLEDGED_SHOWN = 50


def _acknowledgment_summary(revision: Revision, user: User) -> dict:
    """Who has not yet acknowledged ``revision`` (the first ``NOT_ACKNOWLEDGED_SHOWN``, the most
    overdue first), how many have and have not, and the reader's own pending acknowledgment: a
    constant number of queries, however long the distribution list (a company-wide procedure is
    thousands of people)."""
    pending = Acknowledgment.Status.PENDING
    counts = revision.acknowledgments.aggregate(
        outstanding=Count("pk", filter=Q(status=pending)),
        acknowledged=Count("pk", filter=Q(status=Acknowledgment.Status.ACKNOWLEDGED)),
    )
    shown = revision.acknowledgments.filter(status=pending).select_related("user", "user__department")
    return {
        "not_acknowledged": list(
            shown.order_by("due_date", "user__last_name", "pk")[:NOT_ACKNOWLEDGED_SHOWN]
        ),
        "outstanding_count": counts["outstanding"],
        "acknowledged_count": counts["acknowledged"],
        "my_ack": revision.acknowledgments.filter(status=pending, user=user).first(),
    }


def document_page(document: Document, user: User) -> dict:
    """What the document's page shows: its current revision (files, signatures, who has not yet
    acknowledged it), every revision, change requests, periodic reviews and the distribution."""
    revisions = list(
        document.revisions.select_related("author").prefetch_related("files").order_by("-created_at", "-pk")
    )
    current = next((r for r in revisions if r.is_current), None)
    in_work = next((r for r in revisions if r.is_in_work), None)
    writable = access.can_change(user, document) and not document.is_closed
    page = {
        "revisions": revisions,
        "current": current,
        "in_work": in_work,
        "can_revise": writable and in_work is None,
        "can_review": writable and current is not None,
        "can_request": not user.is_auditor and not document.is_closed,
        "change_requests": document.change_requests.select_related("raised_by", "decided_by", "revision"),
        "periodic_reviews": document.periodic_reviews.select_related("reviewed_by", "revision"),
        # The list as written and how many it reaches: a department or a role is many people.
        "distribution": distribution_parts(document),
        "distribution_count": distribution_users(document).count(),
    }
    if current is not None:
        files, current_hash = file_rows(current)
        page.update(
            current_files=files,
            current_signatures=signature_rows(current, current_hash),
            **_acknowledgment_summary(current, user),
        )
    return page


def revision_page(revision: Revision, user: User) -> dict:
    """What a revision's page shows: a banner when it is not the current one, its files, the
    routing and signatures (void when the content changed after signing), the acknowledgments,
    the change requests it takes and its own history."""
    document = revision.document
    files, current_hash = file_rows(revision)
    return {
        "document": document,
        "revision": revision,
        "current": document.revisions.filter(status=Revision.Status.EFFECTIVE).first(),
        "files": files,
        "content_hash": current_hash,
        "signatures": signature_rows(revision, current_hash),
        # The latest round first; in each, the reviews before the approval, as they are signed
        # ("review" after "approval" in the alphabet: descending).
        "steps": list(revision.steps.select_related("user").order_by("-round", "-kind", "pk")),
        "my_step": step_for(revision, user),
        "can_edit": (
            access.can_change(user, document)
            and not document.is_closed
            and revision.status == Revision.Status.DRAFT
        ),
        # Each reason as the reader may read it (``reason_shown``), as on every History tab.
        "history": with_reasons_shown(
            revision.history.select_related("history_user").order_by("-history_date", "-history_id"), user
        ),
        "change_requests": revision.change_requests.select_related("raised_by"),
        "issued_copies": issued_copies(revision, user),
        "may_take_original": may_take_original(user),
        **_acknowledgments(revision, user),
    }


def sign_page(revision: Revision, user: User) -> dict:
    """What the signer sees before signing: their step, the files and the hash they sign."""
    files, current_hash = file_rows(revision)
    return {"step": step_for(revision, user), "files": files, "content_hash": current_hash}


def last_routing(revision: Revision) -> dict[str, list[int]]:
    """Who was asked to review and approve last time, to send it to the same people again:
    this revision's last round (after a rejection) or else the last round of the document's
    latest earlier revision. One query; the form keeps only those who may still sign."""
    steps = (
        ReviewStep.objects.filter(revision__document_id=revision.document_id, revision_id__lte=revision.pk)
        .order_by("-revision_id", "-round", "pk")
        .values_list("revision_id", "round", "kind", "user_id")[:50]
    )
    routing: dict[str, list[int]] = {"reviewers": [], "approvers": []}
    last = None
    for revision_id, round_, kind, user_id in steps:
        if last not in (None, (revision_id, round_)):
            break
        last = (revision_id, round_)
        names = "reviewers" if kind == ReviewStep.Kind.REVIEW else "approvers"
        if user_id not in routing[names]:
            routing[names].append(user_id)
    return routing


def with_register_columns(documents: QuerySet[Document]) -> QuerySet[Document]:
    """The register's own columns, in the one query of the list: the current revision's label and
    how many people have not yet acknowledged it."""
    return documents.annotate(
        current_label=once(Document, current_label), open_acks=once(Document, open_acknowledgments)
    )


# Compiled once (``qms.compiled.once``): building, resolving and compiling the two subqueries cost
# every register page more than a fifth of a millisecond.
def current_label() -> Subquery:
    return Subquery(Revision.objects.filter(document=OuterRef("pk"), status="effective").values("label")[:1])


def open_acknowledgments() -> Coalesce:
    return Coalesce(
        Subquery(
            Acknowledgment.objects.filter(
                revision__document=OuterRef("pk"), revision__status="effective", status="pending"
            )
            .order_by()
            .values("revision__document")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


# The most overdue first, a revision's people together: unique, so the register pages by keyset.
OUTSTANDING_ORDER = ("due_date", "revision_id", "pk")


def outstanding_acknowledgments(
    user: User, *, department: Department | None = None, document: Document | None = None, q: str = ""
) -> QuerySet[Acknowledgment]:
    """Pending acknowledgments of current revisions that ``user`` may see: who may still be
    working to the old revision. Narrowed to a department, a document and a search text when given."""
    found = access.restrict(
        Acknowledgment.objects.filter(status="pending", revision__status="effective"), user
    ).select_related("user", "user__department", "revision", "revision__document")
    if document is not None:
        found = found.filter(revision__document=document)
    if department is not None:
        found = found.filter(user__department=department)
    q = q.replace("\x00", "").strip()
    if q:
        found = found.filter(
            Q(revision__document__number__icontains=q)
            | Q(revision__document__title__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__username__icontains=q)
        )
    return found.order_by(*OUTSTANDING_ORDER)


def counted_acknowledgments_for(
    user: User, start, end, department=None, *, counted: bool = True
) -> tuple[QuerySet[Acknowledgment], dict]:
    """The acknowledgments the figure of the days ``start`` to ``end`` counts for ``department``
    (``documents.kpis.counted_acknowledgments``) that ``user`` may see, most overdue first, each
    with ``on_time``; and how many, how many on time and the share the figure shows. Nothing
    when not ``counted`` (a filter that did not validate). Two queries and the page's."""
    found = access.restrict(counted_acknowledgments(start, end, department), user)
    if not counted:
        found = found.none()
    totals = found.order_by().aggregate(counted=Count("pk"), on_time=Count("pk", filter=ON_TIME))
    percent = round(100 * totals["on_time"] / totals["counted"], 1) if totals["counted"] else None
    rows = found.select_related("user", "user__department", "revision", "revision__document").annotate(
        on_time=ExpressionWrapper(ON_TIME, output_field=BooleanField())
    )
    return rows.order_by(*OUTSTANDING_ORDER), {**totals, "percent": percent}
