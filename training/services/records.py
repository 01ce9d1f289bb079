"""Training records and their effectiveness evaluations. Recording a training checks the rules of
ISO 9001 7.2 (a trainer holds level 3 in what they train, nobody is their own trainer or records
their own training), keeps its evidence in the file store, closes the needs it answers, schedules
the effectiveness evaluation and brings the coverage up to date."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from documents.models import Revision
from qms import access, gates, history
from qms.models import User
from qms.rules import check_date, check_reason, check_single_line
from qms.services import child_add, password_problem, signature_sign, transition
from qms.workflow import TransitionError

from ..models import (
    Competence,
    Evaluation,
    Evidence,
    Level,
    Method,
    NeedKind,
    Result,
    TrainingEvidence,
    TrainingFile,
    TrainingRecord,
)
from ._common import SELF_RECORDING, days, evaluator_for, require_keeper
from .coverage import alarms_refresh
from .needs import need_open, needs_close, needs_for_requalification

SELF_EVALUATION = "Nobody evaluates their own training: the department head or HR judges it."


def expiry_of(competence: Competence | None, trained_on: dt.date) -> dt.date | None:
    """When a training in ``competence`` on ``trained_on`` expires: after the competence's
    requalification period, or never."""
    if competence is None or not competence.requalify_months:
        return None
    return trained_on + relativedelta(months=competence.requalify_months)


def record_problems(
    *,
    trainee: User,
    competence: Competence | None,
    revision: Revision | None,
    trained_on: dt.date | None,
    method: str,
    trainer: User | None,
    provider: str,
    result: str,
    level: int | None,
    expires_on: dt.date | None,
) -> dict[str, str]:
    """What is wrong with a training record, by field (empty when nothing is)."""
    errors: dict[str, str] = {}
    if competence is None and revision is None:
        errors["competence"] = "Choose the competence, or the document revision, the training was in."
    elif competence is not None and revision is not None:
        errors["competence"] = "Choose either a competence or a document revision, not both."
    elif competence is not None and competence.is_closed:
        errors["competence"] = f"{competence} is retired: it is no longer trained."
    elif revision is not None and revision.status not in ("effective", "superseded"):
        errors["revision"] = f"{revision} was never released for use: train on an effective revision."
    if trained_on is None:
        errors["trained_on"] = "Give the date of the training."
    else:
        try:
            check_date(trained_on, what="The training date", years_back=40)
        except ValidationError as exc:
            errors["trained_on"] = exc.messages[0]
        else:
            if trained_on > timezone.localdate():
                errors["trained_on"] = (
                    "The training date is in the future: record a training once it took place."
                )
    if method not in Method.values:
        errors["method"] = "Choose how the training was given."
    if result not in Result.values:
        errors["result"] = "Choose the result of the assessment."
    if competence is not None and level is None:
        errors["level"] = "Give the level the training reached (0 to 3)."
    elif level is not None and level not in Level.values:
        errors["level"] = "Choose a level on the scale 0 to 3."
    elif level is not None and result == Result.FAILED and level >= Level.QUALIFIED:
        errors["level"] = "A training that was not passed cannot make someone qualified: level 1 at most."
    if trainer is not None and trainer.pk == trainee.pk:
        errors["trainer"] = "A trainee cannot be their own trainer."
    elif trainer is None and not (provider or "").strip() and method != Method.READ:
        errors["trainer"] = "Name the trainer, or the external provider."
    elif (
        trainer is not None
        and competence is not None
        and trained_on is not None
        and "trained_on" not in errors
    ):
        refused = gates.check(
            "competence", on=trained_on, person=trainer, competence=competence, level=Level.TRAINER
        )
        if refused:
            errors["trainer"] = " ".join(str(r) for r in refused)
    try:
        check_single_line(provider or "", what="The provider")
    except ValidationError as exc:
        errors["provider"] = exc.messages[0]
    if expires_on is not None:
        try:
            check_date(expires_on, what="The expiry", years_back=40)
        except ValidationError as exc:
            errors["expires_on"] = exc.messages[0]
        else:
            if trained_on is not None and expires_on < trained_on:
                errors["expires_on"] = "The expiry is before the training date."
    return errors


def _evidence_problems(
    competence: Competence | None, *, level, result: str, attached: bool
) -> dict[str, str]:
    """A record that makes someone qualified (level 2 or more) must show the evidence the
    competence names: an assessment passed, or a certificate held (attached to the record)."""
    if competence is None or level is None or level < Level.QUALIFIED:
        return {}
    if competence.evidence == Evidence.ASSESSMENT and result != Result.PASSED:
        return {
            "result": f"{competence} qualifies on an assessment passed: record the result as passed, "
            "or level 1 at most."
        }
    if competence.evidence == Evidence.CERTIFICATE and not attached:
        return {
            "evidence": f"{competence} qualifies on a certificate held: attach the certificate, or record "
            "level 1 at most."
        }
    return {}


def may_record_training(user: User, file: TrainingFile) -> bool:
    """Whether the file's page offers ``user`` the form recording a training: to whoever keeps
    the open file (``require_keeper``), never to its person (``SELF_RECORDING``)."""
    return user.pk != file.owner_id and access.can_change(user, file) and not file.is_closed


@transaction.atomic
def training_record_add(
    *,
    file: TrainingFile,
    by: User,
    trained_on: dt.date,
    method: str,
    result: str,
    competence: Competence | None = None,
    revision: Revision | None = None,
    trainer: User | None = None,
    provider: str = "",
    level: int | None = None,
    expires_on: dt.date | None = None,
    note: str = "",
    evidence: UploadedFile | None = None,
    evaluate: bool = True,
    reason: str = "",
) -> TrainingRecord:
    """Record a training in the person's file. The expiry is the competence's requalification
    period after the training unless given (a certificate's own date). Closes the needs it answers,
    schedules the effectiveness evaluation (``evaluate``; not for history brought in by an import),
    and brings the requalification needs and the coverage up to date."""
    require_keeper(by, file)
    trainee = file.owner
    if by.pk == trainee.pk:
        raise ValidationError(SELF_RECORDING)
    errors = record_problems(
        trainee=trainee,
        competence=competence,
        revision=revision,
        trained_on=trained_on,
        method=method,
        trainer=trainer,
        provider=provider,
        result=result,
        level=level,
        expires_on=expires_on,
    )
    errors.update(_evidence_problems(competence, level=level, result=result, attached=evidence is not None))
    if not evaluate:  # history brought in by an import carries no file: its certificate is attached later
        errors.pop("evidence", None)
    if errors:
        raise ValidationError(errors)
    if revision is not None:
        level = None  # a document revision is read and understood; the scale is for competences
    record = child_add(
        model=TrainingRecord,
        by=by,
        reason=check_reason(reason) or f"Training recorded: {competence or revision}",
        file=file,
        competence=competence,
        revision=revision,
        trained_on=trained_on,
        method=method,
        trainer=trainer,
        provider=(provider or "").strip(),
        result=result,
        level=level,
        expires_on=expires_on or expiry_of(competence, trained_on),
        note=note,
        recorded_by=by,
    )
    if evidence is not None:
        evidence_add(record=record, by=by, file=evidence, field="evidence")
    if competence is not None and evaluate and result != Result.FAILED:
        evaluation_plan(record=record, by=by)
    needs_close(record, by=by)
    if competence is not None:
        needs_for_requalification(file_ids=[file.pk], competence_ids=[competence.pk])
        alarms_refresh(competences=[competence])
    return record


def evidence_add(*, record: TrainingRecord, by: User, file, field: str = "file") -> TrainingEvidence:
    """Keep a certificate or signed assessment with the record, in the one file store."""
    try:
        return child_add(model=TrainingEvidence, by=by, record=record, file=file)
    except ValidationError as exc:
        if field != "file" and hasattr(exc, "error_dict"):
            raise ValidationError({field: exc.message_dict.get("file", exc.messages)}) from None
        raise


def evaluation_plan(*, record: TrainingRecord, by: User) -> Evaluation:
    """The effectiveness evaluation of a training, due a set time after it (7.2 c), by the
    person's head, never the trainee."""
    trainee = record.file.owner
    due = max(record.trained_on + days("TRAINING_EVALUATION_DAYS", 90), timezone.localdate())
    evaluation = Evaluation(
        record=record,
        evaluator=evaluator_for(trainee, by=by),
        due_date=due,
        title=f"Was the training effective? {record.subject}, {trainee}"[:200],
    )
    history.save(evaluation, by=by, reason="Effectiveness evaluation planned", validate=True)
    return evaluation


@transaction.atomic
def evaluation_reassign(*, evaluation: Evaluation, by: User, evaluator: User) -> Evaluation:
    """Hand a pending evaluation to someone else (the head is away; a team leader saw the work),
    never to the trainee."""
    from qms.services import child_update

    require_keeper(by, evaluation.record.file)
    if evaluation.status != "pending":
        raise ValidationError("This evaluation is done; it is no longer handed on.")
    if evaluator.pk == evaluation.record.file.owner_id:
        raise ValidationError({"evaluator": SELF_EVALUATION})
    if evaluator.is_auditor or not evaluator.is_active or evaluator.is_system:
        raise ValidationError({"evaluator": "Choose someone who works here and may judge the training."})
    return child_update(
        child=evaluation, by=by, evaluator=evaluator, reason=f"Evaluation handed to {evaluator}"
    )


def may_evaluate(user: User, evaluation: Evaluation) -> bool:
    """The evaluator, or whoever keeps the file; never the trainee (who is told why)."""
    record = evaluation.record
    if (
        evaluation.status != "pending"
        or record.status != "recorded"
        or record.file.is_closed
        or user.is_auditor
    ):
        return False
    if user.pk == evaluation.record.file.owner_id:
        raise PermissionDenied(SELF_EVALUATION)
    return user.pk == evaluation.evaluator_id or access.can_change(user, evaluation)


@transaction.atomic
def evaluation_record(
    *, evaluation: Evaluation, by: User, result: str, note: str, password: str
) -> Evaluation:
    """Judge, and sign, whether a training was effective. Not effective: the person gets a
    training need in the competence again."""
    evaluation = Evaluation.objects.select_for_update().select_related("record__file").get(pk=evaluation.pk)
    if by.pk == evaluation.record.file.owner_id:
        raise PermissionDenied(SELF_EVALUATION)
    if not may_evaluate(by, evaluation):
        raise PermissionDenied("You may not evaluate this training.")
    errors = {}
    if result not in ("effective", "not_effective"):
        errors["result"] = "Choose whether the training was effective."
    if result == "not_effective" and not (note or "").strip():
        errors["note"] = "Say what was not effective: the person is trained again."
    problem = password_problem(by, password)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    label = "effective" if result == "effective" else "not effective"
    evaluation = transition(obj=evaluation, name=result, by=by, reason=f"Training {label}", note=note.strip())
    signature_sign(obj=evaluation, by=by, password=password, meaning=f"Evaluated: training {label}")
    record = evaluation.record
    if result == "not_effective" and record.competence_id and not record.file.is_closed:
        need_open(
            file=record.file,
            by=by,
            kind=NeedKind.NOT_EFFECTIVE,
            due_date=timezone.localdate() + days("TRAINING_NEED_DAYS", 30),
            why="last training not effective",
            competence=record.competence,
            level=max(record.level or 0, Level.QUALIFIED),
            source_record=record,
            note=note.strip(),
        )
    return evaluation


@Evaluation.workflow.on("effective", "not_effective")
def _evaluated(evaluation: Evaluation, *, by: User, note: str | None = None, **kwargs) -> None:
    if note is None:
        raise TransitionError("Evaluate the training through its form, with your signature.")
    evaluation.note = note
    evaluation.evaluated_on = timezone.localdate()
    evaluation.evaluated_by = by


@TrainingRecord.workflow.on("withdraw")
def _withdrawn(record: TrainingRecord, *, by: User, **kwargs) -> None:
    """A withdrawn record no longer counts: the coverage is computed again without it (the
    status is written first so the computation reads it)."""
    TrainingRecord.objects.filter(pk=record.pk).update(status="withdrawn")
    if record.competence_id:
        alarms_refresh(
            competences=Competence.objects.filter(pk=record.competence_id).select_related("department__head")
        )
