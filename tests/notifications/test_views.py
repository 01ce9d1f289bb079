"""The email log: administrators and quality managers only."""

import pytest
from django.contrib.admin.sites import site

from notifications.models import Delivery
from notifications.tasks import flush_deliveries

pytestmark = pytest.mark.django_db


def make(user, n=0, **kw) -> Delivery:
    fields = dict(
        kind="digest",
        key=f"digest:{user.pk}:2026-W{n:02d}",
        topic=f"2026-W{n:02d}",
        recipient=user,
        to_email=user.email,
        subject=f"QMS weekly digest: {n} overdue",
        body_text="Hello",
        body_html="<p>Hello</p>",
        message_id=f"<{n}@testserver>",
    )
    fields.update(kw)
    return Delivery.objects.create(**fields)


@pytest.mark.parametrize("role", ["admin_user", "quality_manager"])
def test_administrators_and_quality_managers_see_the_log(client_for, request, staff, role):
    make(staff, 3, status="failed", error="451 try later")
    response = client_for(request.getfixturevalue(role)).get("/notifications/deliveries/")
    assert response.status_code == 200
    assert b"QMS weekly digest: 3 overdue" in response.content


@pytest.mark.parametrize("role", ["auditor", "head", "staff"])
def test_the_log_is_refused_to_everyone_else(client_for, request, role):
    assert client_for(request.getfixturevalue(role)).get("/notifications/deliveries/").status_code == 403


@pytest.mark.parametrize("role", ["auditor", "head", "staff"])
def test_a_single_delivery_is_not_found_for_everyone_else(client_for, request, staff, role):
    row = make(staff, 1)
    assert (
        client_for(request.getfixturevalue(role)).get(f"/notifications/deliveries/{row.pk}/").status_code
        == 404
    )


def test_the_log_filters_by_status_and_kind(client_for, quality_manager, staff):
    make(staff, 1, status="sent")
    make(staff, 2, status="failed")
    content = client_for(quality_manager).get("/notifications/deliveries/?status=failed&kind=digest").content
    assert b"2 overdue" in content and b"1 overdue" not in content


def test_the_log_runs_the_same_queries_for_any_number_of_rows(
    client_for, quality_manager, staff, django_assert_num_queries
):
    client = client_for(quality_manager)
    make(staff, 1)
    with django_assert_num_queries(4) as ctx:  # session, user, count, page
        assert client.get("/notifications/deliveries/").status_code == 200
    for n in range(2, 30):
        make(staff, n)
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get("/notifications/deliveries/").status_code == 200


def test_retrying_a_failed_delivery_queues_a_flush_after_commit(
    client_for, quality_manager, staff, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(flush_deliveries, "delay", lambda: queued.append(True))
    row = make(staff, 1, status="failed", error="550 no", attempts=5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(quality_manager).post(f"/notifications/deliveries/{row.pk}/retry/")
    assert response.status_code == 302
    assert len(callbacks) == 1 and queued == [True]
    row.refresh_from_db()
    assert row.next_attempt_at is not None and row.attempts == 5


def test_a_sent_delivery_cannot_be_retried(
    client_for, quality_manager, staff, django_capture_on_commit_callbacks
):
    row = make(staff, 1, status="sent")
    with django_capture_on_commit_callbacks() as callbacks:
        client_for(quality_manager).post(f"/notifications/deliveries/{row.pk}/retry/")
    assert callbacks == []
    row.refresh_from_db()
    assert row.status == "sent" and row.next_attempt_at is None


def test_deliveries_are_registered_read_only_in_the_admin(client_for, admin_user, staff):
    assert Delivery in site._registry
    row = make(staff, 1)
    client = client_for(admin_user)
    assert client.get("/admin/notifications/delivery/").status_code == 200
    assert client.get(f"/admin/notifications/delivery/{row.pk}/change/").status_code == 200
    assert client.get("/admin/notifications/delivery/add/").status_code == 403
