"""The demo company's documents load through the services and tell the story of gap 2."""

import pytest

from documents import demo
from documents.models import Acknowledgment, Document, Revision
from qms.demo import load_people
from qms.services import get_system_user

pytestmark = pytest.mark.django_db


def test_demo_documents_show_a_drawing_at_c_not_yet_acknowledged_at_cell_4():
    get_system_user()
    company = load_people()
    demo.load(company)
    drawing = Document.objects.get(number="DRW-40512")
    labels = dict(drawing.revisions.values_list("label", "status"))
    assert labels == {"A": "superseded", "B": "superseded", "C": "effective"}
    pending = Acknowledgment.objects.filter(revision__document=drawing, revision__label="C", status="pending")
    assert [a.user.username for a in pending] == ["eyilmaz"]
    assert Document.objects.get(number="EXT-ISO-2859-1").doc_type == "external"
    assert Revision.objects.filter(status="in_review").count() == 1
    # Every issued document is active, with its next periodic review; WI-QC-004's is overdue.
    assert set(Document.objects.values_list("status", flat=True)) == {"active"}
    assert Document.objects.get(number="WI-QC-004").is_overdue
    pending_approval = Revision.objects.get(status="in_review").steps.get(kind="approval", decision="pending")
    assert pending_approval.user == company.quality_manager
    for revision in Revision.objects.exclude(status="in_review"):
        f = revision.files.get()
        assert f.file.open("rb").read(5) == b"%PDF-"
