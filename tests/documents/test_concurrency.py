"""Two revisions are never effective together, even when approvals, the hourly task and raw
writes race each other on separate database connections."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from documents import services
from documents.models import Revision
from tests.documents.factories import DocumentFactory, approver, draft, issue
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs):
    """Run each job in its own thread (its own DB connection), released together; return what
    each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def effective(document):
    return list(Revision.objects.filter(document=document, status="effective"))


def test_two_approvers_signing_the_last_approvals_at_once(head, dept):
    qm1, qm2 = approver(username="qm-a"), approver(username="qm-b")
    document = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    first = issue(document, qm1)
    revision = draft(document, summary="Second issue")
    services.revision_submit(revision=revision, by=head, approvers=[qm1, qm2])

    def signer(user):
        return lambda: services.revision_sign(
            revision=Revision.objects.get(pk=revision.pk), by=user, password=PASSWORD, meaning="approved"
        )

    results = race(signer(qm1), signer(qm2))
    assert not [r for r in results if isinstance(r, Exception)], results
    revision.refresh_from_db()
    first.refresh_from_db()
    # Serialized on the document row: the second signer saw the first signature and made it effective.
    assert revision.status == "effective"
    assert first.status == "superseded"
    assert effective(document) == [revision]
    assert revision.signatures.count() == 2
    assert revision.acknowledgments.filter(user=head, status="pending").count() == 1


def test_two_approved_revisions_made_effective_at_once_leave_exactly_one_effective(head, dept):
    qm = approver(username="qm-c")
    document = DocumentFactory(owner=head, department=dept)
    issue(document, qm)
    # Two approved revisions (the services allow one in work; build the worst case directly).
    second = Revision.objects.create(
        document=document, label="2", change_summary="x", author=head, status="approved"
    )
    third = Revision.objects.create(
        document=document, label="3", change_summary="y", author=head, status="approved"
    )

    def make(rev):
        return lambda: services.revision_make_effective(revision=Revision.objects.get(pk=rev.pk))

    results = race(make(second), make(third), make(second), make(third))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(effective(document)) == 1
    statuses = sorted(Revision.objects.filter(document=document).values_list("status", flat=True))
    assert statuses == ["effective", "superseded", "superseded"]


def test_the_database_itself_refuses_a_racing_second_effective_revision(head, dept):
    """Without any application lock: two connections each try to make a different revision
    effective; the partial unique index lets exactly one commit."""
    document = DocumentFactory(owner=head, department=dept)
    a = Revision.objects.create(
        document=document, label="1", change_summary="x", author=head, status="approved"
    )
    b = Revision.objects.create(
        document=document, label="2", change_summary="y", author=head, status="approved"
    )

    def promote(rev):
        def job():
            with transaction.atomic():
                Revision.objects.filter(pk=rev.pk).update(status="effective")
            return "ok"

        return job

    results = race(promote(a), promote(b))
    assert sorted(type(r).__name__ for r in results) == ["IntegrityError", "str"]
    assert any(isinstance(r, IntegrityError) for r in results)
    assert len(effective(document)) == 1


def test_the_hourly_task_running_twice_at_once_is_safe(head, dept):
    qm = approver(username="qm-d")
    document = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    issue(document, qm)
    Revision.objects.create(document=document, label="2", change_summary="x", author=head, status="approved")
    results = race(services.make_due_revisions_effective, services.make_due_revisions_effective)
    assert sorted(results) == [0, 1]
    assert len(effective(document)) == 1
    assert effective(document)[0].acknowledgments.filter(user=head).count() == 1
