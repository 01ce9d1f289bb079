"""The demo company's management review, and the 9.3 and 6.2 sections of the audit pack."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from qms.auditpack import pack_build
from qms.demo import load_people
from qms.services import get_system_user, signature_rows
from reviews import demo, services
from reviews.models import Objective, Review, ReviewAction
from reviews.progress import progress_of
from tests.reviews.conftest import days

pytestmark = pytest.mark.django_db


def test_the_demo_has_last_quarters_review_signed_this_quarters_planned_and_one_objective_missed():
    get_system_user()
    company = load_people()
    demo.load(company)
    assert len(company.afterwards) == 1  # last quarter's meeting, held once every module's records are in
    for step in company.afterwards:
        step()
    last, this = Review.objects.order_by("period_start")
    assert last.status == "signed" and last.held_on < timezone.localdate() <= this.due_date
    ((signature, valid),) = signature_rows(last)
    assert valid and signature.signer.username == "mdirector"
    assert last.decisions.count() == 3
    actions = ReviewAction.objects.filter(decision__review=last)
    assert sorted(a.status for a in actions) == ["done", "open", "open"]
    assert sum(a.is_overdue for a in actions) == 1
    assert this.status == "planned" and this.period_start > last.period_end
    statuses = [p.status for p in progress_of(Objective.objects.all())]
    assert len(statuses) == 5 and statuses.count("missed") == 1
    # The planned review starts from the two open decisions of the last one.
    assert "2 decisions of earlier reviews are still open" in _page(company, this)


def _page(company, review) -> str:
    from django.test import Client

    client = Client()
    client.force_login(company.quality_manager)
    return client.get(review.get_absolute_url()).content.decode()


def test_the_audit_pack_has_the_reviews_with_their_minutes_and_signature_and_the_objectives(
    auditor, quality_manager, with_minutes, chair, password, head
):
    from reviews.models import Objective  # noqa: F401
    from tests.reviews.factories import make_objective

    decision = services.decision_add(
        review=with_minutes, by=quality_manager, kind="resource", text="Backup setter"
    )
    services.action_add(
        decision=decision, by=quality_manager, title="Train a setter", owner=head, due_date=days(9)
    )
    services.review_sign(review=with_minutes, by=chair, password=password)
    make_objective(owner=head, title="Customer satisfaction at least 85 %")
    today = timezone.localdate()
    pdf, sections = pack_build(
        user=auditor, keys=["reviews", "objectives"], date_from=today - dt.timedelta(days=30), date_to=today
    )
    assert [s.clause for s in sections] == ["9.3", "6.2"]
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    for words in (
        with_minutes.reference,
        "Discussed audits.",
        "Backup setter",
        "Train a setter",
        "(valid)",
        "Customer satisfaction",
    ):
        assert words in text, words
