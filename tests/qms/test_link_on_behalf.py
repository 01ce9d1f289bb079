"""``link_on_behalf``: a module's service links two records after deciding who may itself; both
histories note it, and a second call (either way round) changes nothing."""

from qms.models import RecordLink
from qms.services import link_on_behalf
from tests.factories import WidgetFactory


def test_links_once_whichever_way_round(db, staff, other_staff):
    mine, theirs = WidgetFactory(owner=staff), WidgetFactory(owner=other_staff)
    link = link_on_behalf(source=mine, target=theirs, by=staff, note="Proposed")
    assert link is not None and link.note == "Proposed" and link.created_by == staff
    assert link_on_behalf(source=theirs, target=mine, by=other_staff, note="Again") is None
    assert RecordLink.objects.count() == 1
    assert mine.history.latest().history_change_reason == f"Link to {theirs.reference} added"
    assert theirs.history.latest().history_change_reason == f"Link to {mine.reference} added"
