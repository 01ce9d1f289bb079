"""Training needs, created by what makes training necessary and owned by the person as a due
item: a job role taken (every competence it needs that the person does not hold), a requalification
falling due, a document revision that requires training becoming effective (everyone whose job
role uses the document), an ineffective training. A need is closed by recording the training.

Every creator is safe to run twice: a person has at most one open need per competence and per
document revision (a database constraint says so too)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from documents.models import Document, Revision
from qms import history
from qms.models import User
from qms.rules import check_date, check_reason
from qms.services import get_system_user, transition

from ..models import (
    Competence,
    JobRole,
    Level,
    NeedKind,
    RoleAssignment,
    TrainingFile,
    TrainingNeed,
    TrainingRecord,
)
from ..standing import standings
from ._common import days, require_keeper

LEVEL_WORDS = {Level.IN_TRAINING: "in training", Level.QUALIFIED: "qualified", Level.TRAINER: "trainer"}


def need_title(
    *, competence: Competence | None, level: int | None, revision: Revision | None, why: str
) -> str:
    if competence is not None:
        title = f"{competence}: to level {level} ({LEVEL_WORDS.get(level, level)}) – {why}"
    else:
        title = f"{revision}: train on this revision – {why}"
    return title if len(title) <= 200 else title[:199] + "…"


def need_open(
    *,
    file: TrainingFile,
    by: User,
    kind: str,
    due_date: dt.date,
    why: str,
    competence: Competence | None = None,
    level: int | None = None,
    revision: Revision | None = None,
    job_role: JobRole | None = None,
    source_record: TrainingRecord | None = None,
    note: str = "",
) -> TrainingNeed:
    """An open training need for the file's person, or the one already open for the same
    competence or revision (raised to the higher level)."""
    subject = {"competence": competence} if competence is not None else {"revision": revision}
    existing = file.needs.filter(status="open", **subject).first()
    if existing is not None:
        if competence is not None and level is not None and (existing.level or 0) < level:
            existing.level = level
            existing.title = need_title(competence=competence, level=level, revision=None, why=why)
            history.save(existing, by=by, reason=f"Training need raised to level {level}: {why}")
        return existing
    need = TrainingNeed(
        file=file,
        person_id=file.owner_id,
        kind=kind,
        competence=competence,
        level=level if competence is not None else None,
        revision=revision,
        job_role=job_role,
        source_record=source_record,
        due_date=due_date,
        note=note,
        title=need_title(competence=competence, level=level, revision=revision, why=why),
    )
    try:
        with transaction.atomic():
            history.save(need, by=by, reason=f"Training need: {why}", validate=True)
    except IntegrityError:  # opened at the same moment by another run: that one stands
        return file.needs.get(status="open", **subject)
    return need


def needs_for_assignment(assignment: RoleAssignment, *, by: User) -> list[TrainingNeed]:
    """Someone took a job role: a need for every competence it needs that they do not hold at the
    level (valid today), and for the current revision of every document of the role that requires
    training and that they were not trained on."""
    file, role = assignment.file, assignment.job_role
    today = timezone.localdate()
    due = max(today, assignment.since) + days("TRAINING_NEED_DAYS", 30)
    held = standings(file_ids=[file.pk])
    why = f"job role {role}"
    created = []
    for requirement in role.requirements.select_related("competence").filter(competence__status="active"):
        standing = held.get((file.pk, requirement.competence_id))
        if standing is not None and standing.level_on(today) >= requirement.level:
            continue
        created.append(
            need_open(
                file=file,
                by=by,
                kind=NeedKind.ROLE,
                due_date=due,
                why=why,
                competence=requirement.competence,
                level=requirement.level,
                job_role=role,
            )
        )
    documents = Document.objects.filter(
        pk__in=role.documents.values("document_id"), requires_training=True, status="active"
    )
    for revision in Revision.objects.filter(document__in=documents, status="effective").select_related(
        "document"
    ):
        if not file.records.filter(revision=revision, status="recorded").exclude(result="failed").exists():
            created.append(
                need_open(
                    file=file,
                    by=by,
                    kind=NeedKind.REVISION,
                    due_date=today + dt.timedelta(days=revision.document.effective_ack_days),
                    why=why,
                    revision=revision,
                    job_role=role,
                )
            )
    return created


def needs_for_revision(*, revision_id: int, document_id: int) -> int:
    """Subscriber of "documents.revision_effective": when the revision of a document that requires
    training becomes effective, everyone whose job role uses the document gets a training need on
    it (due when its acknowledgment is). Nothing for a revision no longer current (the event came
    late) or already trained. The needs still open on the document's earlier revisions are
    cancelled, as their acknowledgments are withdrawn: nobody is asked to train on a superseded
    instruction. Safe to run twice."""
    revision = Revision.objects.select_related("document").filter(pk=revision_id).first()
    if revision is None or revision.status != "effective":
        return 0
    document = revision.document
    by = get_system_user()
    _cancel_replaced(revision, by=by)
    if not document.requires_training:
        return 0
    held = RoleAssignment.objects.filter(
        status="held",
        job_role__status="active",
        job_role__documents__document=document,
        file__status="open",
        file__owner__is_active=True,
    ).select_related("file", "job_role")
    trained = set(
        TrainingRecord.objects.filter(revision=revision, status="recorded")
        .exclude(result="failed")
        .values_list("file_id", flat=True)
    )
    since = revision.effective_date or timezone.localdate()
    due = since + dt.timedelta(days=document.effective_ack_days)
    done = set()
    for assignment in held.order_by("file_id", "pk"):
        if assignment.file_id in trained or assignment.file_id in done:
            continue
        done.add(assignment.file_id)
        need_open(
            file=assignment.file,
            by=by,
            kind=NeedKind.REVISION,
            due_date=due,
            why=f"revision {revision.label} effective ({assignment.job_role})",
            revision=revision,
            job_role=assignment.job_role,
        )
    return len(done)


def _cancel_replaced(revision: Revision, *, by: User) -> None:
    """Cancel the open needs on the earlier revisions of ``revision``'s document."""
    needs = TrainingNeed.objects.filter(revision__document_id=revision.document_id).exclude(revision=revision)
    effective = f"Revision {revision.label} effective"
    _cancel(needs, by=by, why=lambda need: f"{effective}: {need.revision.label} is replaced")


def needs_for_obsolete_document(*, document_id: int) -> int:
    """Subscriber of "documents.document_obsolete": the open needs to train on any revision of the
    document are cancelled, saying why (as its acknowledgments are withdrawn). Safe to run twice."""
    needs = TrainingNeed.objects.filter(revision__document_id=document_id)
    return _cancel(needs, by=get_system_user(), why=lambda need: "The document was made obsolete")


@transaction.atomic
def _cancel(needs, *, by: User, why) -> int:
    """Cancel the open ones of ``needs``, moved by the system (whatever the step's ``allowed``
    says), each with its history saying ``why(need)``."""
    cancelled = 0
    for need in needs.select_for_update().filter(status="open").select_related("revision").order_by("pk"):
        need.status = TrainingNeed.workflow.step_from("cancel", need.status, what="training need").target
        history.save(need, by=by, reason=why(need))
        cancelled += 1
    return cancelled


def needs_for_requalification(*, today: dt.date | None = None, file_ids=None, competence_ids=None) -> int:
    """Qualifications that expire within the lead time (60 days) become requalification needs,
    due on the day they expire, for the people who still hold them."""
    today = today or timezone.localdate()
    horizon = today + days("TRAINING_REQUALIFY_LEAD_DAYS", 60)
    held = standings(file_ids=file_ids, competence_ids=competence_ids, current_only=True)
    due = [
        s
        for s in held.values()
        if s.expires_on is not None and s.expires_on <= horizon and s.level >= Level.IN_TRAINING
    ]
    if not due:
        return 0
    open_for = set(
        TrainingNeed.objects.filter(
            status="open", competence__isnull=False, file_id__in={s.file_id for s in due}
        ).values_list("file_id", "competence_id")
    )
    files = TrainingFile.objects.in_bulk({s.file_id for s in due})
    competences = Competence.objects.filter(requalify_months__isnull=False, status="active").in_bulk(
        {s.competence_id for s in due}
    )
    by, made = get_system_user(), 0
    for s in sorted(due, key=lambda s: (s.expires_on, s.file_id)):
        competence = competences.get(s.competence_id)
        if competence is None or (s.file_id, s.competence_id) in open_for:
            continue
        when = "expired" if s.expires_on < today else "expires"
        need_open(
            file=files[s.file_id],
            by=by,
            kind=NeedKind.REQUALIFICATION,
            due_date=s.expires_on,
            why=f"qualification {when} {s.expires_on:%-d %b %Y}",
            competence=competence,
            level=s.level,
            source_record=TrainingRecord(pk=s.record_id),
        )
        made += 1
    return made


@transaction.atomic
def need_identify(
    *, file: TrainingFile, by: User, competence: Competence, level: int, due_date: dt.date, note: str = ""
) -> TrainingNeed:
    """A need the head identifies (development, a new machine): the same due item as the others."""
    require_keeper(by, file)
    errors = {}
    if competence.is_closed:
        errors["competence"] = f"{competence} is retired."
    try:
        check_date(due_date, what="The due date", not_past=True)
    except ValidationError as exc:
        errors["due_date"] = exc.messages[0]
    if level not in (Level.IN_TRAINING, Level.QUALIFIED, Level.TRAINER):
        errors["level"] = "Choose a level between 1 and 3."
    if file.needs.filter(status="open", competence=competence).exists():
        errors["competence"] = f"{file.owner} has an open training need in {competence} already."
    if errors:
        raise ValidationError(errors)
    return need_open(
        file=file,
        by=by,
        kind=NeedKind.IDENTIFIED,
        due_date=due_date,
        why="identified by the head",
        competence=competence,
        level=level,
        note=check_reason(note, field="note"),
    )


def needs_close(record: TrainingRecord, *, by: User) -> list[TrainingNeed]:
    """Recording the training closes the needs it answers: the open need in the same competence
    when the level reached is the level needed, or on the same document revision."""
    if record.result == "failed":
        return []
    if record.competence_id:
        needs = record.file.needs.filter(status="open", competence_id=record.competence_id)
        needs = [n for n in needs if record.level is not None and record.level >= (n.level or 0)]
    else:
        needs = list(record.file.needs.filter(status="open", revision_id=record.revision_id))
    for need in needs:
        transition(obj=need, name="close", by=by, reason=f"Trained: {record}", record=record)
    return needs


@TrainingNeed.workflow.on("close")
def _closed_by_training(need: TrainingNeed, *, record: TrainingRecord | None = None, **kwargs) -> None:
    """A need is closed only by the training that answers it."""
    from qms.workflow import TransitionError

    if record is None:
        raise TransitionError("A training need is closed by recording the training.")
    need.closed_by = record
