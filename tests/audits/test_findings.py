"""A major or minor finding raises an NCR or a CAPA through the kernel, linked both ways, and closes
only when that record does — by itself, the moment it does."""

import pytest
from django.test import TestCase
from django.urls import reverse

from audits.models import Finding
from capa.models import Capa, Nonconformity
from capa.services import ncr_disposition
from qms.models import RecordLink
from qms.services import record_transition
from qms.workflow import TransitionError
from tests.audits import factories as af
from tests.qms.test_audit_pack import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def major(running, other_dept, other_head):
    return af.finding(running, grade=Finding.Grade.MAJOR, department=other_dept, owner=other_head)


def test_the_finding_offers_a_capa_prefilled_from_it(client_for, lead, major, other_dept):
    page = client_for(lead).get(major.get_absolute_url()).content.decode()
    url = reverse("capa:capa_create") + f"?from=audits.finding:{major.pk}"
    assert url in page.replace("&amp;", "&")
    form = client_for(lead).get(url).content.decode()
    assert major.title in form and major.evidence.split(";")[0] in form
    assert 'value="audit" selected' in form


def _capa_data(finding, department, owner) -> dict:
    """The CAPA form as filled in from a finding, for ``department``."""
    return {
        "title": finding.title,
        "kind": "corrective",
        "source": "audit",
        "severity": "major",
        "description": "From the audit",
        "owner": owner.pk,
        "department": department.pk,
        "due_date": af.days(60),
    }


def test_raising_a_capa_links_it_both_ways(client_for, quality_manager, major, other_dept, other_head):
    """…and the finding stops offering a second one (an NCR may still be raised from it)."""
    assert "Raise a CAPA" in client_for(quality_manager).get(major.get_absolute_url()).content.decode()
    response = client_for(quality_manager).post(
        reverse("capa:capa_create") + f"?from=audits.finding:{major.pk}",
        _capa_data(major, other_dept, other_head),
    )
    assert response.status_code == 302
    capa = Capa.objects.get()
    assert major.raised_records() == [capa]
    assert RecordLink.objects.count() == 1
    capa_page = client_for(quality_manager).get(capa.get_absolute_url()).content.decode()
    assert major.reference in capa_page
    finding_page = client_for(quality_manager).get(major.get_absolute_url()).content.decode()
    assert "Raise a CAPA" not in finding_page and "Raise an NCR" in finding_page


def test_the_lead_auditor_files_the_capa_for_the_audited_department(
    client_for, lead, major, other_dept, other_head
):
    """The auditor (staff of quality control) raises the CAPA of a production finding: it is
    production's CAPA, counted in production's figures (it was filed under the auditor's own
    department, the only one the form offered). Another department is still refused."""
    client = client_for(lead)
    url = reverse("capa:capa_create") + f"?from=audits.finding:{major.pk}"
    form = client.get(url).content.decode()
    assert f'<option value="{other_dept.pk}" selected>' in form
    data = _capa_data(major, other_dept, other_head)
    assert client.post(reverse("capa:capa_create"), data).status_code == 400  # not raised from it
    assert client.post(url, data).status_code == 302
    assert Capa.objects.get().department == other_dept


def test_a_major_finding_does_not_close_before_its_capa(lead, major, capa):
    with pytest.raises(TransitionError, match="raise one first"):
        record_transition(record=major, name="close", by=lead)
    from qms.services import link_raised

    capa.created_by = lead  # raised by the lead auditor
    link_raised(record=capa, source=major, by=lead)
    with pytest.raises(TransitionError, match=f"{capa.reference} is still open"):
        record_transition(record=major, name="close", by=lead)
    assert Finding.objects.get(pk=major.pk).status == "open"


def test_the_finding_closes_when_the_ncr_it_raised_closes(client_for, lead, major, other_head, other_dept):
    response = client_for(other_head).post(
        reverse("capa:nonconformity_create") + f"?from=audits.finding:{major.pk}",
        {
            "title": "Old drawing at cell 3",
            "source": "audit",
            "severity": "major",
            "description": "Audit",
            "owner": other_head.pk,
            "department": other_dept.pk,
            "due_date": af.days(30),
        },
    )
    assert response.status_code == 302
    ncr = Nonconformity.objects.get()
    ncr_disposition(ncr=ncr, by=other_head, disposition="rework", note="Drawings replaced")
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_transition(
            record=Nonconformity.objects.get(pk=ncr.pk),
            name="close",
            by=other_head,
            reason="Isolated: the old drawing was the only copy left; no CAPA needed",
        )
    major.refresh_from_db()
    assert major.status == "closed" and major.closed_on is not None
    assert "Closed with" in major.history.first().history_change_reason


def test_an_observation_is_closed_by_the_auditor_without_a_capa(lead, running):
    from qms.due import registry

    seen = af.finding(running, grade=Finding.Grade.OBSERVATION)
    idea = af.finding(running, grade=Finding.Grade.OFI)
    # Nothing is asked of the auditee: no response due (they were on My work, due in 30 days,
    # with nothing they could do).
    assert seen.due_date is None and idea.due_date is None
    assert not [i for i in registry.for_user(seen.owner) if i.reference in (seen.reference, idea.reference)]
    record_transition(record=seen, name="close", by=lead)
    assert Finding.objects.get(pk=seen.pk).status == "closed"


def test_the_auditee_answers_but_does_not_close_the_finding(client_for, major, other_head):
    assert "close" not in [t.name for t in Finding.workflow.available(major, other_head)]
    assert client_for(other_head).get(reverse("audits:finding_update", args=[major.pk])).status_code == 403


def test_a_raised_capa_the_reader_may_not_open_is_counted_not_shown(
    client_for, lead, major, capa, other_staff, other_head
):
    """The production staff read the finding in their department, not the quality CAPA it raised:
    the finding and the audit say one is there, without its reference, title or link."""
    from qms.services import link_raised

    capa.created_by = lead
    link_raised(record=capa, source=major, by=lead)
    client = client_for(other_staff)
    for url in (major.get_absolute_url(), major.audit.get_absolute_url()):
        page = client.get(url).content.decode()
        assert page.count(capa.reference) == 0 and capa.title not in page, url
        assert "may not open" in page, url
    assert client.get(capa.get_absolute_url()).status_code == 404
    # The report PDF reads through the same scope.
    text = pdf_text(client.get(reverse("audits:audit_report_pdf", args=[major.audit.pk])))
    assert major.reference in text and capa.reference not in text and "may not open" in text
    # The lead auditor, of the CAPA's department, follows it.
    page = client_for(lead).get(major.get_absolute_url()).content.decode()
    assert f'href="{capa.get_absolute_url()}"' in page
    # Nobody is offered a second CAPA, not even the audited head, who cannot see the first.
    assert client_for(other_head).get(capa.get_absolute_url()).status_code == 404
    for reader in (lead, other_head):
        assert "Raise a CAPA" not in client_for(reader).get(major.get_absolute_url()).content.decode()
