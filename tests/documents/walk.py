"""Route walker builders for document control: a document with an effective revision, its file,
an acknowledgment for the owner and an open change request. The document's builder gives the
kwargs of every URL under it (the kernel's child and form views declare the child model, and the
walker builds it with its record): ``pk``, ``revision_pk``, ``file_pk``, ``ack_pk``,
``request_pk``; the revision file's builder serves the kernel's one download."""

from tests.walker import builder


@builder("documents.document")
def build_document(owner, department) -> dict:
    from documents import services
    from tests.documents.factories import DocumentFactory, approver, issue

    document = DocumentFactory(owner=owner, department=department, distribution_people=[owner])
    revision = issue(document, approver())
    ack = revision.acknowledgments.get(user=owner)
    change_request = services.change_request_raise(document=document, by=owner, reason="Typo in step 4")
    return {
        "pk": document.pk,
        "revision_pk": revision.pk,
        "file_pk": revision.files.get().pk,
        "ack_pk": ack.pk,
        "request_pk": change_request.pk,
        "_record": document,
    }


@builder("documents.revisionfile")
def build_revision_file(owner, department) -> dict:
    kwargs = build_document(owner, department)
    return {"pk": kwargs["file_pk"], "_record": kwargs["_record"]}
