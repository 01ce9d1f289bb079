"""The demo company's documents load through the services and tell the story of gap 2."""

import datetime as dt

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


def test_the_drawings_history_carries_the_storys_own_dates():
    """Issue #11, item 11: rev A two years ago, B in spring, C last week, each superseded the day
    the next one took effect; every file uploaded before the signatures that cover it."""
    from django.utils import timezone

    get_system_user()
    company = load_people()
    demo.load(company)
    drawing = Document.objects.get(number="DRW-40512")
    today = timezone.localdate()
    revisions = {r.label: r for r in drawing.revisions.all()}
    for label, days in (("A", 700), ("B", 240), ("C", 5)):
        revision = revisions[label]
        assert (today - timezone.localtime(revision.effective_at).date()).days == days
        entries = {h.status: timezone.localtime(h.history_date).date() for h in revision.history.all()}
        assert entries["effective"] == today - dt.timedelta(days=days)
        for f in revision.files.all():
            assert all(f.uploaded_at <= s.signed_at for s in revision.signatures.all())
    for older, newer in (("A", "B"), ("B", "C")):
        superseded = revisions[older].history.filter(status="superseded").get()
        assert revisions[older].ended_at == revisions[newer].effective_at
        assert abs(superseded.history_date - revisions[newer].effective_at) < dt.timedelta(minutes=1)
    made_effective = [
        timezone.localtime(h.history_date).date()
        for h in drawing.history.all()
        if "effective" in (h.history_change_reason or "")
    ]
    assert sorted(made_effective) == [today - dt.timedelta(days=d) for d in (700, 240, 5)]
