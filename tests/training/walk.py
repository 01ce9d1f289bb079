"""Route-walker builders of the training module: a competence; a job role with a requirement and a
document; a training file with one of every row (job role held, training record with evidence and
its evaluation, training need, absence). The file's builder gives the kwargs of every URL under
it; each call adds a training record and a need (the register's query count is proven on them)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.uploads import pdf_bytes
from tests.walker import builder


@builder("training.competence")
def build_competence(owner, department) -> dict:
    from tests.training.factories import competence

    found = competence(department)
    return {"pk": found.pk, "_record": found}


@builder("training.jobrole")
def build_job_role(owner, department) -> dict:
    from tests.documents.factories import DocumentFactory
    from tests.training.factories import competence, job_role, keeper_of
    from training import services

    role = job_role(department, needs=[(competence(department), 2)])
    by = keeper_of(department)
    document = DocumentFactory(owner=by, department=department)
    row = services.role_document_add(job_role=role, by=by, document=document)
    return {
        "pk": role.pk,
        "rolerequirement_pk": role.requirements.get().pk,
        "roledocument_pk": row.pk,
        "_record": role,
    }


@builder("training.trainingfile")
def build_file(owner, department) -> dict:
    from tests.training.factories import competence, days, file_of, job_role, keeper_of, person
    from training import services
    from training.models import TrainingFile

    who = owner if not TrainingFile.objects.filter(owner=owner).exists() else person(department)
    by = keeper_of(department)
    file = file_of(who, by=by)
    needed = competence(department)
    role = job_role(department, needs=[(needed, 2)])
    held = services.job_role_take(file=file, by=by, job_role=role, since=days(-30))
    record = services.training_record_add(
        file=file,
        by=by,
        competence=competence(department),
        trained_on=days(-10),
        method="external",
        provider="Training centre",
        result="passed",
        level=2,
        evidence=SimpleUploadedFile("certificate.pdf", pdf_bytes()),
    )
    absence = services.absence_add(file=file, by=by, starts_on=days(3), ends_on=days(5))
    if who != owner:
        # Someone else's file: its evaluation is handed to the builder's owner, who then reads the
        # file (registers seen by staff grow with every file built).
        services.evaluation_reassign(evaluation=record.evaluations.get(), by=by, evaluator=owner)
    return {
        "pk": file.pk,
        "roleassignment_pk": held.pk,
        "record_pk": record.pk,
        "trainingevidence_pk": record.evidence.get().pk,
        "evaluation_pk": record.evaluations.get().pk,
        "trainingneed_pk": file.needs.get(competence=needed).pk,
        "absence_pk": absence.pk,
        "_record": file,
    }


@builder("training.trainingrecord")
def build_record(owner, department) -> dict:
    return build_file(owner, department)


@builder("training.trainingneed")
def build_need(owner, department) -> dict:
    return build_file(owner, department)


@builder("training.trainingevidence")
def build_evidence(owner, department) -> dict:
    kwargs = build_file(owner, department)
    return {"pk": kwargs["trainingevidence_pk"], "_record": kwargs["_record"]}
