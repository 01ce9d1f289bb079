"""Factories and builders for document control tests: everything is created through the services,
so statuses, signatures and history are what the product would produce."""

from __future__ import annotations

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import services
from documents.models import Document, DocumentType, Revision
from qms.models import Role
from tests.factories import PASSWORD, RecordFactory, UserFactory
from tests.uploads import pdf_bytes


def url(name: str, *args) -> str:
    """A page of document control by its URL name."""
    return reverse(f"documents:{name}", args=args)


def pdf_upload(name: str = "document.pdf", text: str = "Controlled copy") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


class DocumentFactory(RecordFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Work instruction {n}")
    number = factory.Sequence(lambda n: f"WI-{n:04d}")
    doc_type = DocumentType.WORK_INSTRUCTION
    review_period_months = 12

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        by = kwargs.pop("created_by", None) or kwargs["owner"]
        people = kwargs.pop("distribution_people", ())
        departments = kwargs.pop("distribution_departments", ())
        return services.document_create(
            by=by, distribution_people=people, distribution_departments=departments, **kwargs
        )


def approver(**kwargs):
    kwargs.setdefault("role", Role.QUALITY_MANAGER)
    kwargs.setdefault("department", None)
    return UserFactory(**kwargs)


def draft(document: Document, *, by=None, label=None, summary="First issue", text=None) -> Revision:
    return services.revision_create(
        document=document,
        by=by or document.owner,
        label=label,
        change_summary=summary,
        file=pdf_upload(f"{document.number}.pdf", text or f"{document.number} {summary}"),
    )


def sign(revision: Revision, user, meaning: str = "approved", **kwargs) -> Revision:
    return services.revision_sign(revision=revision, by=user, password=PASSWORD, meaning=meaning, **kwargs)


def issue(
    document: Document, approved_by, *, by=None, label=None, summary="First issue", reviewers=()
) -> Revision:
    """A revision taken from draft through review and approval to effective."""
    revision = draft(document, by=by, label=label, summary=summary)
    services.revision_submit(
        revision=revision, by=by or document.owner, reviewers=reviewers, approvers=[approved_by]
    )
    for reviewer in reviewers:
        sign(revision, reviewer, "reviewed")
    sign(revision, approved_by)
    revision.refresh_from_db()
    return revision
