import pytest

from documents import services
from documents.models import DocumentType
from qms.models import Role
from tests.documents.factories import DocumentFactory, approver, draft
from tests.factories import UserFactory


@pytest.fixture
def reviewer(dept):
    return UserFactory(username="reviewer", role=Role.STAFF, department=dept)


@pytest.fixture
def approver_user(quality_manager):
    return quality_manager


@pytest.fixture
def operator(other_dept):
    """A machine operator at a workstation that works to the drawing."""
    return UserFactory(username="operator", first_name="Emre", last_name="Yilmaz", department=other_dept)


@pytest.fixture
def drawing(head, dept, operator):
    return DocumentFactory(
        owner=head,
        department=dept,
        number="DRW-40512",
        title="Bracket, machined",
        doc_type=DocumentType.DRAWING,
        distribution_people=[operator],
    )


@pytest.fixture
def second_approver(db):
    return approver(username="qm2")


@pytest.fixture
def in_review(drawing, head, quality_manager):
    """Drawing revision A sent to the quality manager for approval."""
    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    return revision
