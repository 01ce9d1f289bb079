"""Comments and links on any record, and the account pages around them."""

import pytest
from django.core import mail

from qms.models import Comment, RecordLink
from tests.factories import WidgetFactory


@pytest.mark.django_db
def test_a_comment_is_added_and_shown(client_for, head, staff):
    ncr = WidgetFactory(owner=head)
    client = client_for(staff)
    response = client.post(f"/records/kernelapp.widget/{ncr.pk}/comments/", {"text": "Seen on cell 4 too."})
    assert response.status_code == 302
    html = client.get(ncr.get_absolute_url() + "?tab=comments").content.decode()
    assert "Seen on cell 4 too." in html


@pytest.mark.django_db
def test_an_empty_comment_is_refused_beside_the_field(client_for, head):
    ncr = WidgetFactory(owner=head)
    response = client_for(head).post(f"/records/kernelapp.widget/{ncr.pk}/comments/", {"text": "   "})
    assert response.status_code == 400
    assert 'data-field="text"' in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_a_link_shows_on_both_records(client_for, head):
    first = WidgetFactory(owner=head, title="Gauge out of tolerance")
    second = WidgetFactory(owner=head, title="Bore oversize")
    client = client_for(head)
    response = client.post(
        f"/records/kernelapp.widget/{first.pk}/links/",
        {"target": second.reference.lower(), "note": "same gauge"},
    )
    assert response.status_code == 302
    assert second.reference in client.get(first.get_absolute_url()).content.decode()
    assert first.reference in client.get(second.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_link_to_an_unknown_or_invisible_record_is_refused(client_for, staff, other_staff):
    mine = WidgetFactory(owner=staff)
    hidden = WidgetFactory(owner=other_staff)
    client = client_for(staff)
    for target in ("WID-1999-0001", hidden.reference, ""):
        response = client.post(f"/records/kernelapp.widget/{mine.pk}/links/", {"target": target})
        assert response.status_code == 400
        assert 'data-field="target"' in response.content.decode()
    assert not RecordLink.objects.exists()


@pytest.mark.django_db
def test_a_record_cannot_be_linked_twice_or_to_itself(client_for, head):
    first, second = WidgetFactory(owner=head), WidgetFactory(owner=head)
    client = client_for(head)
    url = f"/records/kernelapp.widget/{first.pk}/links/"
    assert client.post(url, {"target": second.reference}).status_code == 302
    assert "already linked" in client.post(url, {"target": second.reference}).content.decode()
    assert "linked to itself" in client.post(url, {"target": first.reference}).content.decode()
    assert RecordLink.objects.count() == 1


@pytest.mark.django_db
def test_password_reset_sends_a_link(client, staff):
    response = client.post("/account/password/reset/", {"email": staff.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert (
        "http://testserver/account/password/reset/" in mail.outbox[0].body
    )  # BASE_URL, not the request host
    # The product's words, not Django's "Password reset on testserver … the testserver team".
    assert mail.outbox[0].subject == "Reset your QMS password"
    assert f'your QMS login "{staff.username}"' in mail.outbox[0].body
    assert "team" not in mail.outbox[0].body


@pytest.mark.django_db
def test_profile_switches_digest_off(client_for, staff):
    client = client_for(staff)
    data = {
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "email": staff.email,
        "receive_alerts": "on",
    }
    assert client.post("/account/profile/", data).status_code == 302
    staff.refresh_from_db()
    assert staff.receive_alerts and not staff.receive_digest


@pytest.mark.django_db
def test_a_link_to_a_record_outside_your_view_shows_neither_its_reference_nor_its_title(
    client_for, staff, other_staff, quality_manager
):
    mine = WidgetFactory(owner=staff, title="Burr on bracket")
    secret = WidgetFactory(owner=other_staff, title="Supplier dispute over price")
    # The quality manager sees both and links them.
    qm = client_for(quality_manager)
    assert (
        qm.post(f"/records/kernelapp.widget/{mine.pk}/links/", {"target": secret.reference}).status_code
        == 302
    )
    assert secret.reference in qm.get(mine.get_absolute_url()).content.decode()

    html = client_for(staff).get(mine.get_absolute_url() + "?tab=links").content.decode()
    assert secret.reference not in html and "Supplier dispute over price" not in html
    assert "1 more link to record outside your view." in html


@pytest.mark.django_db
def test_an_auditor_may_change_their_own_password(client_for, auditor, password):
    client = client_for(auditor)
    assert client.get("/account/password/change/").status_code == 200
    response = client.post(
        "/account/password/change/",
        {
            "old_password": password,
            "new_password1": "Calib-Ration-2027!",
            "new_password2": "Calib-Ration-2027!",
        },
    )
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.check_password("Calib-Ration-2027!")


@pytest.mark.django_db
def test_an_auditor_profile_is_read_only(client_for, auditor):
    client = client_for(auditor)
    html = client.get("/account/profile/").content.decode()
    assert 'data-testid="auditor-profile"' in html
    assert "receive_digest" not in html and ">Save<" not in html
    response = client.post("/account/profile/", {"first_name": "X", "email": "x@example.com"})
    assert response.status_code == 403
    assert "You may not do this" in response.content.decode()  # the site's page, not a bare line
    auditor.refresh_from_db()
    assert auditor.first_name != "X"


@pytest.mark.django_db
def test_a_document_is_found_by_the_number_people_quote(client_for, head, dept):
    from tests.documents.factories import DocumentFactory

    widget = WidgetFactory(owner=head)
    drawing = DocumentFactory(owner=head, department=dept, number="DRW-40512", title="Bracket")
    response = client_for(head).post(f"/records/kernelapp.widget/{widget.pk}/links/", {"target": "drw-40512"})
    assert response.status_code == 302
    assert RecordLink.objects.get().target == drawing


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"first_name": "  "}, "first_name", "Give your first name."),
        ({"last_name": ""}, "last_name", "Give your last name."),
        ({"email": "", "receive_alerts": "on"}, "email", "Alerts and the digest go by email"),
    ],
)
def test_the_profile_keeps_a_name_and_an_address_for_the_alerts(client_for, staff, change, field, message):
    """The name is printed on signatures and PDFs; alerts and the digest need an address."""
    before = (staff.first_name, staff.last_name, staff.email)
    data = {"first_name": staff.first_name, "last_name": staff.last_name, "email": staff.email, **change}
    response = client_for(staff).post("/account/profile/", data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    staff.refresh_from_db()
    assert (staff.first_name, staff.last_name, staff.email) == before


@pytest.mark.django_db
def test_someone_without_email_keeps_the_profile_with_alerts_off(client_for, staff):
    data = {"first_name": staff.first_name, "last_name": staff.last_name, "email": ""}
    assert client_for(staff).post("/account/profile/", data).status_code == 302
    staff.refresh_from_db()
    assert staff.email == "" and not staff.receive_alerts and not staff.receive_digest
