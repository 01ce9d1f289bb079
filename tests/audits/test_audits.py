"""Internal audits (9.2): planning refuses an auditor who is not impartial or not competent and says
why; starting builds the checklist from the clauses in scope and the company's own questions; a
finding needs its clause and evidence; the report needs every question answered."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from audits import services
from audits.models import Audit, ChecklistItem, Finding, ProgrammeQuestion
from qms.services import child_add, record_transition
from qms.workflow import TransitionError
from tests.audits import factories as af
from tests.factories import UserFactory
from tests.helpers import boxes_drawn_as_text, field_error, unnamed_descriptions

pytestmark = pytest.mark.django_db


def test_starting_builds_the_checklist_from_the_clauses_and_the_companys_own_questions(
    lead, other_dept, dept
):
    planned = af.audit(lead=lead, audited=[other_dept], department=dept, clauses=("7.5", "8.5"))
    child_add(
        model=ProgrammeQuestion,
        by=af.quality_manager(),
        programme=planned.programme,
        clause="7.5",
        text="Are the drawings at the machines the effective revision?",
    )
    assert not planned.items.exists()
    record_transition(record=planned, name="start", by=lead)
    questions = list(planned.items.order_by("position").values_list("clause", "question"))
    assert [c for c, _ in questions] == ["7.5", "7.5", "8.5"]
    assert ("7.5", "Are the drawings at the machines the effective revision?") in questions
    planned.refresh_from_db()
    assert planned.status == "in_progress" and planned.started_on is not None
    assert services.checklist_build(audit=planned, by=lead) == 0  # nothing asked twice


def test_a_lead_auditor_from_the_audited_department_is_refused_and_told_why(other_dept, dept, other_staff):
    af.qualify(other_staff)
    with pytest.raises(ValidationError) as refused:
        af.audit(lead=other_staff, audited=[other_dept], department=dept)
    message = " ".join(refused.value.message_dict["owner"])
    assert "may not audit their own department" in message and other_dept.name in message
    assert not Audit.objects.exists()


def test_an_auditor_without_the_competence_is_refused_by_the_training_gate(dept, other_dept):
    untrained = UserFactory(department=dept, first_name="Nina", last_name="Roth")
    af.auditor_competence(dept)
    with pytest.raises(ValidationError) as refused:
        services.audit_plan(
            by=af.quality_manager(),
            programme=af.programme(department=dept),
            owner=untrained,
            clauses=["7.5"],
            audited_departments=[other_dept],
            title="Audit",
            department=dept,
            due_date=af.days(5),
        )
    assert "Nina Roth may not audit" in " ".join(refused.value.message_dict["owner"])
    assert not Audit.objects.exists()


def test_a_team_member_of_the_audited_department_is_refused_beside_the_team(
    lead, other_dept, dept, other_staff
):
    af.qualify(other_staff)
    with pytest.raises(ValidationError) as refused:
        af.audit(lead=lead, audited=[other_dept], department=dept, team=(other_staff,))
    assert "team" in refused.value.message_dict and "owner" not in refused.value.message_dict


def test_the_programme_owner_may_not_audit_the_audit_process_itself(lead, dept, other_dept):
    af.programme(department=dept, owner=lead)
    with pytest.raises(ValidationError, match="their own work"):
        af.audit(lead=lead, audited=[other_dept], department=dept, clauses=("9.2",))


def _audit_data(programme, lead, audited, department, **overrides) -> dict:
    """The planning form of a production audit of 7.5 led by ``lead``."""
    return {
        "title": "Production audit",
        "programme": programme.pk,
        "clauses": ["7.5"],
        "audited_departments": [audited.pk],
        "owner": lead.pk,
        "due_date": af.days(10),
        "department": department.pk,
        "criteria": "ISO 9001",
        **overrides,
    }


def test_the_planning_form_shows_the_refusal_beside_the_lead_auditor_and_saves_nothing(
    client_for, quality_manager, other_dept, dept, other_staff
):
    af.qualify(other_staff)
    programme = af.programme(department=dept)
    response = client_for(quality_manager).post(
        reverse("audits:audit_create"), _audit_data(programme, other_staff, other_dept, dept)
    )
    assert response.status_code == 400  # the form again, the refusal beside the lead auditor
    assert "may not audit their own department" in response.content.decode()
    assert not Audit.objects.exists()


def test_a_finding_without_clause_or_evidence_is_refused_beside_each_field(
    client_for, lead, running, other_dept, other_head
):
    response = client_for(lead).post(
        reverse("audits:finding_create"),
        {
            "audit": running.pk,
            "grade": "minor",
            "title": "Old drawing",
            "owner": other_head.pk,
            "department": other_dept.pk,
            "due_date": af.days(20),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name the clause the finding is against." in html
    assert "Write the objective evidence" in html
    assert not Finding.objects.exists()


def test_a_finding_due_in_the_past_is_refused_beside_its_response_date(
    client_for, lead, running, other_dept, other_head
):
    response = client_for(lead).post(
        reverse("audits:finding_create"),
        {
            "audit": running.pk,
            "grade": "minor",
            "clause": "7.5",
            "title": "Old drawing",
            "evidence": "DRW-40512 rev B at cell 3",
            "owner": other_head.pk,
            "department": other_dept.pk,
            "due_date": af.days(-2),
        },
    )
    assert response.status_code == 400  # the form again: a finding born overdue is not filed
    form = response.context["form"]
    assert "due_date" in form.errors and "past" in " ".join(form.errors["due_date"])
    assert not Finding.objects.exists()


def test_a_finding_from_a_question_marks_it_and_is_read_by_the_audited_department(
    client_for, lead, running, other_dept, other_head, other_staff
):
    item = running.items.get(clause="7.5")
    response = client_for(lead).post(
        reverse("audits:finding_create"),
        {
            "audit": running.pk,
            "item": item.pk,
            "grade": "major",
            "clause": "7.5",
            "title": "Old drawing",
            "evidence": "DRW-40512 rev B at cell 3",
            "owner": other_head.pk,
            "department": other_dept.pk,
            "due_date": af.days(20),
        },
    )
    assert response.status_code == 302
    found = Finding.objects.get()
    item.refresh_from_db()
    assert item.answer == ChecklistItem.Answer.FINDING
    assert client_for(other_staff).get(found.get_absolute_url()).status_code == 200
    assert client_for(other_head).get(running.get_absolute_url()).status_code == 200


def test_only_the_audit_team_records_findings(client_for, running, other_head, other_dept):
    with pytest.raises(Exception, match="Only the lead auditor"):
        af.finding(running, by=other_head, department=other_dept)


def test_the_report_waits_for_every_answer_then_takes_the_summary(client_for, lead, running):
    with pytest.raises(TransitionError, match="not answered yet"):
        services.audit_report(audit=running, by=lead, summary="Good")
    running.items.update(answer="conforming")
    response = client_for(lead).post(reverse("audits:audit_report", args=[running.pk]), {"summary": ""})
    assert response.status_code == 400
    assert Audit.objects.get(pk=running.pk).status == "in_progress"
    response = client_for(lead).post(
        reverse("audits:audit_report", args=[running.pk]), {"summary": "Heat treatment conforms but for 7.5."}
    )
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.status == "reported" and running.reported_on is not None
    pdf = client_for(lead).get(reverse("audits:audit_report_pdf", args=[running.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    from django.utils import timezone

    assert f"Printed {timezone.localtime():%-d %b %Y}" in text  # as every page and stamp writes a day


def test_the_reports_checklist_names_its_columns_on_every_page_and_keeps_each_question_whole(
    client_for, lead, running
):
    for n in range(40):
        services.checklist_question_add_row(
            audit=running,
            by=lead,
            clause="8.5",
            question=f"Question {n:02d}: is the set-up sheet at cell {n} the released revision, signed? "
            + "Sampled at the machine, the traveller and the drawing compared. " * (n % 4)
            + f"End of question {n:02d}.",
        )
    response = client_for(lead).get(reverse("audits:audit_report_pdf", args=[running.pk]))
    assert response.status_code == 200
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages]
    listing = [p for p in pages if re.search(r"Question \d\d: is the set-up sheet", p)]
    assert len(listing) > 1
    assert all("Clause Question Answer Notes" in p for p in listing)
    for n in range(40):  # a question's row is not split at a page's foot
        assert any(f"Question {n:02d}:" in p and f"End of question {n:02d}." in p for p in listing), n


def test_the_audit_closes_only_when_its_findings_have(lead, running):
    found = af.finding(running, grade=Finding.Grade.OBSERVATION)
    running.items.update(answer="conforming")
    services.audit_report(audit=running, by=lead, summary="Fine")
    with pytest.raises(TransitionError, match=found.reference):
        record_transition(record=running, name="close", by=lead)
    record_transition(record=found, name="close", by=lead)
    record_transition(record=running, name="close", by=lead)
    assert Audit.objects.get(pk=running.pk).status == "closed"


def test_an_auditee_cannot_edit_the_audit(client_for, running, other_head):
    response = client_for(other_head).get(reverse("audits:audit_update", args=[running.pk]))
    assert response.status_code == 403


def test_the_audit_register_marks_an_audit_late_only_while_it_has_not_started(
    client_for, quality_manager, lead, other_dept
):
    import re

    late = af.audit(lead=lead, audited=[other_dept], title="Not started yet")
    running = af.audit(lead=lead, audited=[other_dept], title="Under way", start=True)
    Audit.objects.filter(pk__in=[late.pk, running.pk]).update(due_date=af.days(-3))
    page = client_for(quality_manager).get(reverse("audits:audit_list")).content.decode()
    rows = {
        t: r
        for r in re.findall(r"<tr>.*?</tr>", page, re.S)
        for t in ("Not started yet", "Under way")
        if t in r
    }
    assert "· overdue" in rows["Not started yet"] and "· overdue" not in rows["Under way"]
    running.refresh_from_db()
    assert not running.is_overdue and Audit.objects.get(pk=late.pk).is_overdue  # as the page says


@pytest.mark.parametrize("year", [0, 1999, 2101, 2147483647])
def test_a_programme_year_out_of_range_is_refused_beside_it_and_saves_nothing(
    client_for, quality_manager, dept, year
):
    """Year 0 was saved, and the programme's page then failed for everyone (its suggestions read
    the year before)."""
    from audits.models import Programme
    from tests.helpers import field_error

    response = client_for(quality_manager).post(
        reverse("audits:programme_create"),
        {
            "title": "Audit programme",
            "year": year,
            "owner": quality_manager.pk,
            "department": dept.pk,
            "due_date": af.days(10),
        },
    )
    assert response.status_code == 400
    assert "Give the year of the programme, 2000 to 2100." in field_error(response, "year")
    assert not Programme.objects.exists()


def test_an_answer_left_out_is_refused_on_the_question_beside_the_answer(client_for, lead, running):
    """Save answer pressed with no answer chosen: the auditor stays on the question's own page (its
    big buttons, the notes typed, the way on), told beside the buttons, in a group that names its
    error for a screen reader; nothing is saved. A question answered after that saves."""
    item = running.items.get(clause="7.5")
    client = client_for(lead)
    url = reverse("audits:item_edit", args=[running.pk, item.pk])
    response = client.post(url, {"notes": "Drawings at cell 3"})
    assert response.status_code == 400
    # The question's page (not the first template rendered: a process's first page renders the
    # cached navigation menus before it).
    assert "audits/checklistitem_detail.html" in [template.name for template in response.templates]
    assert item.question in response.content.decode()
    assert field_error(response, "answer") == "Choose an answer: conforming, a finding or not applicable."
    html = response.content.decode()
    assert '<fieldset class="mb-3" aria-describedby="id_answer_error"><legend' in html
    assert 'id="id_answer_error"' in html and unnamed_descriptions(html) == []
    assert 'type="radio" class="btn-check" name="answer"' in html and boxes_drawn_as_text(html) == []
    assert "Drawings at cell 3</textarea>" in html  # the notes typed are kept
    assert "Nothing was saved" in html
    item.refresh_from_db()
    assert item.answer == "" and item.notes == ""  # nothing saved

    response = client.post(url, {"answer": "finding", "notes": "Drawings at cell 3"})
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    item.refresh_from_db()
    assert (item.answer, item.notes) == ("finding", "Drawings at cell 3")


def _finding_data(audit, item, department, owner, **fields) -> dict:
    return {
        "audit": audit.pk,
        "item": item.pk,
        "grade": "minor",
        "clause": item.clause,
        "title": "Old drawing",
        "evidence": "DRW-40512 rev B at cell 3",
        "owner": owner.pk,
        "department": department.pk,
        "due_date": af.days(20),
        **fields,
    }


def test_an_issued_report_stands_until_the_quality_manager_reopens_it(
    client_for, lead, running, quality_manager, other_dept, other_head
):
    """Once reported, the checklist and the findings are what the report says: no question added,
    no answer changed, no finding recorded, and the page offers none of them nor Edit. The quality
    manager reopens the report with a reason; a late finding is recorded and the report issued
    again."""
    running.items.update(answer="conforming")
    services.audit_report(audit=running, by=lead, summary="Conforms")
    item, asked = running.items.get(clause="7.5"), running.items.count()
    for client in (client_for(lead), client_for(quality_manager)):
        page = client.get(running.get_absolute_url()).content.decode()
        assert 'data-testid="record-finding"' not in page and 'data-testid="item-form"' not in page
        assert 'data-testid="edit"' not in page
        added = client.post(
            reverse("audits:item_add", args=[running.pk]), {"item-clause": "7.5", "item-question": "Late?"}
        )
        assert added.status_code == 403 and "stands as reported" in added.content.decode()
        edit = reverse("audits:item_edit", args=[running.pk, item.pk])
        answered = client.post(edit, {"answer": "finding"})
        assert answered.status_code == 403 and "stands as reported" in answered.content.decode()
        assert client.get(edit).status_code == 403
        found = client.post(
            reverse("audits:finding_create"), _finding_data(running, item, other_dept, other_head)
        )
        assert found.status_code == 400
        assert client.get(reverse("audits:audit_update", args=[running.pk])).status_code == 403
    item.refresh_from_db()
    assert item.answer == "conforming" and running.items.count() == asked
    assert not Finding.objects.exists()

    assert "amend" not in [t.name for t in Audit.workflow.available(running, lead)]
    with pytest.raises(TransitionError):
        record_transition(record=running, name="amend", by=quality_manager)  # a reason is required
    record_transition(
        record=running, name="amend", by=quality_manager, reason="A finding seen late at cell 3"
    )
    response = client_for(lead).post(
        reverse("audits:finding_create"), _finding_data(running, item, other_dept, other_head)
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.answer == "finding"
    from audits.forms import ReportForm

    assert ReportForm(parent=running, user=lead).initial["summary"] == "Conforms"  # issued again from it
    services.audit_report(audit=running, by=lead, summary="Conforms but for 7.5")
    running.refresh_from_db()
    assert running.status == "reported" and running.summary == "Conforms but for 7.5"


def test_a_finding_outside_the_scope_or_answered_by_another_department_is_refused_beside_each_field(
    client_for, lead, running, other_dept, other_head, dept, head
):
    item = running.items.get(clause="7.5")
    response = client_for(lead).post(
        reverse("audits:finding_create"), _finding_data(running, item, other_dept, head, clause="4.1")
    )
    assert response.status_code == 400
    assert "outside the audit&#x27;s scope" in field_error(response, "clause")
    assert f"answers for {other_dept}" in field_error(response, "owner")
    assert not Finding.objects.exists()


def test_the_finding_form_offers_the_questions_of_its_audit_only(client_for, lead, running, dept, other_dept):
    other = af.audit(lead=lead, audited=[other_dept], department=dept, start=True)
    form = client_for(lead).get(reverse("audits:finding_create") + f"?audit={running.pk}").context["form"]
    offered = list(form.fields["item"].queryset)
    assert offered and {i.audit_id for i in offered} == {running.pk}
    assert other.items.exists()
    assert form.fields["item"].label_from_instance(offered[0]).startswith(running.reference)


def test_an_audit_planned_outside_its_programmes_year_is_refused_beside_its_date(
    client_for, quality_manager, lead, other_dept, dept
):
    programme = af.programme(department=dept)
    data = _audit_data(programme, lead, other_dept, dept, due_date=f"{programme.year + 1}-06-20")
    response = client_for(quality_manager).post(reverse("audits:audit_create"), data)
    assert response.status_code == 400
    assert f"the programme of {programme.year}" in field_error(response, "due_date")
    assert not Audit.objects.exists()


def test_the_report_downloads_as_its_reference_with_one_pdf_extension(client_for, lead, running):
    """It downloaded as "ia-2026-0001-reportpdf.pdf": the name's own ".pdf" slugified into it."""
    response = client_for(lead).get(reverse("audits:audit_report_pdf", args=[running.pk]))
    assert response.status_code == 200
    expected = f"{running.reference.lower()}-report.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
