"""Who may see and change a CAPA: the auditor reads and downloads everything and changes nothing;
an action owner from another department sees the CAPA and updates only their own action."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capa import services
from capa.models import Action, Capa
from qms.services import attachment_add
from tests.capa.conftest import days
from tests.helpers import body
from tests.uploads import image_bytes

pytestmark = pytest.mark.django_db

PNG = image_bytes("PNG")


def test_auditor_reads_and_downloads_everything(client_for, auditor, closed_capa, ncr, head):
    photo = attachment_add(record=ncr, upload=SimpleUploadedFile("burr.png", PNG), by=head)
    client = client_for(auditor)
    for url in (
        reverse("capa:capa_list"),
        reverse("capa:nonconformity_list"),
        reverse("capa:analysis"),
        closed_capa.get_absolute_url(),
        ncr.get_absolute_url(),
        closed_capa.get_history_url(),
    ):
        assert client.get(url).status_code == 200, url
    csv = client.get(reverse("capa:capa_list") + "?format=csv")
    assert csv.status_code == 200 and closed_capa.reference in body(csv)
    ncr_csv = client.get(reverse("capa:nonconformity_list") + "?format=csv")
    assert ncr.reference in body(ncr_csv)
    pdf = client.get(reverse("capa:capa_8d", args=[closed_capa.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    download = client.get(photo.get_download_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG


def test_auditor_sees_no_control_that_changes_data(client_for, auditor, capa_in_verification):
    html = client_for(auditor).get(capa_in_verification.get_absolute_url()).content.decode()
    main = html.split("<main", 1)[1]
    # The only POST form on the page is the logout in the user menu (outside <main>).
    assert 'method="post"' not in main
    assert "Update</a>" not in main
    assert 'data-testid="edit"' not in main


def test_auditor_changes_nothing(client_for, auditor, capa_in_verification, quality_manager):
    client = client_for(auditor)
    capa = capa_in_verification
    action = capa.actions.get()
    check = capa.checks.get()
    before = (capa.history.count(), Action.history.count(), capa.status)
    posts = [
        (
            reverse("capa:capa_close", args=[capa.pk]),
            {"close-risks_change": "no", "close-documents_change": "no"},
        ),
        (reverse("capa:action_edit", args=[capa.pk, action.pk]), {"action-status": "open"}),
        (
            reverse("capa:effectivenesscheck_result", args=[capa.pk, check.pk]),
            {"check-result": "effective", "check-notes": "x"},
        ),
        (reverse("capa:why_add", args=[capa.pk]), {"why-answer": "Because"}),
        (reverse("capa:capa_transition", args=[capa.pk]), {"transition": "reopen", "reason": "x"}),
        (reverse("capa:capa_create"), {"title": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("capa:action_edit", args=[capa.pk, action.pk])).status_code == 403
    capa.refresh_from_db()
    assert (capa.history.count(), Action.history.count(), capa.status) == before


def test_action_owner_from_another_department_sees_the_capa_and_updates_their_action(
    client_for, capa, head, other_staff, staff
):
    theirs = services.action_add(
        capa=capa,
        by=head,
        kind="corrective",
        title="Update purchase conditions",
        owner=other_staff,
        due_date=days(14),
    )
    other = services.action_add(
        capa=capa, by=head, kind="corrective", title="Re-train", owner=staff, due_date=days(14)
    )
    client = client_for(other_staff)
    assert client.get(capa.get_absolute_url()).status_code == 200
    assert capa in Capa.objects.filter(pk__in=[capa.pk]) and client.get(
        reverse("capa:capa_list")
    ).content.decode().count(capa.reference)
    # Their own action: status and evidence only; the fields they may not change are not offered.
    url = reverse("capa:action_edit", args=[capa.pk, theirs.pk])
    page = client.get(url).content.decode()
    assert 'name="action-status"' in page and 'name="action-title"' not in page
    response = client.post(
        url,
        {"action-status": "done", "action-evidence": "Purchase conditions rev 4", "action-title": "Hijacked"},
    )
    assert response.status_code == 302, response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == "done" and theirs.title == "Update purchase conditions"
    assert theirs.history.first().history_user == other_staff
    # Someone else's action, the CAPA itself and its analysis stay out of reach.
    assert client.get(reverse("capa:action_edit", args=[capa.pk, other.pk])).status_code == 403
    assert client.post(reverse("capa:why_add", args=[capa.pk]), {"why-answer": "x"}).status_code == 403
    assert client.get(reverse("capa:capa_update", args=[capa.pk])).status_code == 403
    assert capa.whys.count() == 0


def test_another_department_without_an_action_gets_404(client_for, capa, other_head):
    client = client_for(other_head)
    assert client.get(capa.get_absolute_url()).status_code == 404
    assert client.get(reverse("capa:capa_8d", args=[capa.pk])).status_code == 404
    assert capa.reference not in client.get(reverse("capa:capa_list")).content.decode()


def test_staff_who_is_not_owner_cannot_change_the_capa(client_for, capa, staff):
    client = client_for(staff)
    assert client.get(capa.get_absolute_url()).status_code == 200
    response = client.post(reverse("capa:why_add", args=[capa.pk]), {"why-answer": "x"})
    assert response.status_code == 403
    assert capa.whys.count() == 0


def test_closed_capa_rows_cannot_be_edited(client_for, closed_capa, head):
    action = closed_capa.actions.get()
    client = client_for(head)
    assert client.get(reverse("capa:action_edit", args=[closed_capa.pk, action.pk])).status_code == 403
    response = client.post(reverse("capa:why_add", args=[closed_capa.pk]), {"why-answer": "late"})
    assert response.status_code == 403
    assert "is closed; it must be reopened" in response.content.decode()
    assert closed_capa.whys.count() == 1


def test_image_photos_show_on_the_ncr(client_for, ncr, head):
    photo = attachment_add(record=ncr, upload=SimpleUploadedFile("burr.png", io.BytesIO(PNG).read()), by=head)
    html = client_for(head).get(ncr.get_absolute_url()).content.decode()
    assert f'<img src="{photo.get_download_url()}"' in html


def test_the_capas_of_a_persons_actions_and_checks_are_found_in_one_statement(
    capa_in_actions, head, staff, quality_manager
):
    """Actions, containment actions and effectiveness checks are each assigned to someone; the
    CAPAs they make a person see are read in one statement, each CAPA once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qms.assigned import assigned_record_ids

    capa = capa_in_actions
    second = services.action_add(  # a second row of the same CAPA for the same person
        capa=capa, by=head, kind="corrective", title="Audit the supplier", owner=staff, due_date=days(20)
    )

    def assigned(person):
        with CaptureQueriesContext(connection) as ctx:
            found = assigned_record_ids(person, Capa)
        assert len(ctx.captured_queries) == 1 and " UNION " in ctx.captured_queries[0]["sql"]
        return found

    assert assigned(staff) == [capa.pk]
    assert assigned(quality_manager) == []
    for action in (capa.actions.exclude(pk=second.pk).get(), second):
        services.action_update(action=action, by=staff, status="done", evidence="Done and filed.")
    services.capa_verification_start(
        capa=capa, by=head, planned_date=days(90), criteria="No rejects in 10 lots.", verifier=quality_manager
    )
    assert assigned(quality_manager) == [capa.pk]  # the effectiveness check's verifier


def test_the_capa_page_asks_once_whether_its_reader_is_the_verifier(client_for, capa_in_verification, head):
    """A CAPA's page offers a dozen controls, each deciding whether its reader may change the CAPA;
    whether they are the pending check's verifier is read once for the page, not once a control."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(capa_in_verification.get_absolute_url())
    assert page.status_code == 200
    # (The head's scope reads their department's open work once too: a join on the verifier's
    # department, not this question.)
    asked = [
        q["sql"]
        for q in ctx.captured_queries
        if '"verifier_id" =' in q["sql"] and "pending" in q["sql"] and '"department_id" =' not in q["sql"]
    ]
    assert len(asked) == 1, asked
    work = [
        q for q in ctx.captured_queries if '"qms_user"."department_id" =' in q["sql"] and "UNION" in q["sql"]
    ]
    assert len(work) == 1, work
    # The head still gets the page's controls: they change the CAPA as its department's head.
    # (No action is added in verification: ``test_verified_plan``.)
    for control in ("edit", "containment-form", "plan-form", "close-form"):
        assert f'data-testid="{control}"' in page.content.decode(), control
