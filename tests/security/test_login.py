"""Sign-in throttling per user and per address (django-axes, counted in the database), the
lockout in plain words, the administrator's unlock, and the access log."""

import pytest
from django.test import Client

from qms.models import AccessEvent
from tests.factories import PASSWORD

LOGIN = "/account/login/"


def attempt(client, username, password="wrong-password", ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_and_say_so_in_plain_words(staff):
    client = Client()
    for _ in range(4):
        response = attempt(client, staff.username)
        assert response.status_code == 200  # the form again, with its error
    response = attempt(client, staff.username)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Sign-in locked" in text and "15 minutes" in text and "administrator" in text
    # Even the right password is refused now, from any address.
    assert attempt(Client(), staff.username, PASSWORD, ip="10.9.9.9").status_code == 429
    assert "_auth_user_id" not in client.session
    kinds = list(AccessEvent.objects.filter(username=staff.username).values_list("kind", flat=True))
    assert kinds.count(AccessEvent.Kind.LOGIN_FAILED) >= 5
    assert AccessEvent.Kind.LOCKED_OUT in kinds


@pytest.mark.django_db
def test_thirty_wrong_passwords_from_one_address_meet_resistance(staff, other_staff):
    client = Client()
    codes = [attempt(client, f"guess{i}", ip="10.0.0.7").status_code for i in range(30)]
    assert codes.count(429) >= 25
    # The address is locked for every name, a real one included.
    assert attempt(client, other_staff.username, PASSWORD, ip="10.0.0.7").status_code == 429
    # Another address signs in.
    assert attempt(Client(), other_staff.username, PASSWORD, ip="10.0.0.8").status_code == 302


@pytest.mark.django_db
def test_the_administrator_unlocks_from_the_access_log(staff, admin_user, client_for):
    for _ in range(5):
        attempt(Client(), staff.username)
    admin = client_for(admin_user)
    page = admin.get("/access-log/").content.decode()
    assert 'data-testid="locked"' in page and staff.username in page and "Unlock" in page
    response = admin.post("/access-log/unlock/", {"user": staff.pk})
    assert response.status_code == 302
    assert attempt(Client(), staff.username, PASSWORD).status_code == 302
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.UNLOCKED, user=staff).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [{}, {"user": "abc"}, {"user": "999999"}])
def test_unlocking_without_a_known_account_says_so_on_the_access_log(admin_user, client_for, sent):
    response = client_for(admin_user).post("/access-log/unlock/", sent, follow=True)
    assert response.redirect_chain == [("/access-log/", 302)]
    assert "Choose the account to unlock." in response.content.decode()
    assert not AccessEvent.objects.filter(kind=AccessEvent.Kind.UNLOCKED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["quality_manager", "auditor", "head", "staff"])
def test_only_the_administrator_unlocks(role, request, other_staff, client_for):
    user = request.getfixturevalue(role)
    for _ in range(5):
        attempt(Client(), other_staff.username)
    response = client_for(user).post("/access-log/unlock/", {"user": other_staff.pk})
    assert response.status_code == 403
    assert attempt(Client(), other_staff.username, PASSWORD, ip="10.0.0.2").status_code == 429


@pytest.mark.django_db
def test_sign_in_and_out_and_failures_are_in_the_access_log(staff, admin_user, client_for):
    client = Client()
    attempt(client, staff.username)
    assert attempt(client, staff.username, PASSWORD).status_code == 302
    client.post("/account/logout/")
    rows = list(
        AccessEvent.objects.filter(username=staff.username)
        .order_by("at", "pk")
        .values_list("kind", "ip_address")
    )
    assert rows == [
        (AccessEvent.Kind.LOGIN_FAILED, "10.0.0.1"),
        (AccessEvent.Kind.LOGIN, "10.0.0.1"),
        (AccessEvent.Kind.LOGOUT, "127.0.0.1"),
    ]
    page = client_for(admin_user).get("/access-log/", {"who": staff.username}).content.decode()
    assert "Sign-in failed" in page and "Signed in" in page and "Signed out" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,code",
    [("admin_user", 200), ("quality_manager", 200), ("auditor", 200), ("head", 403), ("staff", 403)],
)
def test_who_reads_the_access_log(role, code, request, client_for):
    response = client_for(request.getfixturevalue(role)).get("/access-log/")
    assert response.status_code == code


@pytest.mark.django_db
def test_the_access_log_runs_a_constant_number_of_queries(
    admin_user, client_for, django_assert_max_num_queries
):
    client = client_for(admin_user)
    client.get("/access-log/")
    for i in range(60):
        AccessEvent.objects.create(kind=AccessEvent.Kind.LOGIN_FAILED, username=f"x{i}")
    with django_assert_max_num_queries(12):
        assert client.get("/access-log/").status_code == 200


@pytest.mark.django_db
def test_each_page_reads_the_signed_in_user_with_their_department_in_one_statement(head, client_for):
    """A head's pages decide access by their department: it comes with the user, not after."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    client.get("/capa/ncr/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/capa/ncr/").status_code == 200
    statements = [q["sql"] for q in ctx.captured_queries]
    user = [
        s for s in statements if s.startswith('SELECT "qms_user"."id"') and '"qms_department"."code"' in s
    ]
    department_alone = [
        s for s in statements if s.startswith('SELECT "qms_department"."id", "qms_department"."name"')
    ]
    assert len(user) == 1 and department_alone == []


@pytest.mark.django_db
def test_a_session_is_read_in_one_plain_statement_and_ends_at_its_expiry_date(staff, client_for):
    """``qms.sessions`` reads the session's data in one statement of its own; a session past its
    expiry date is no session (the user is asked to sign in), as with Django's own store."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    client = client_for(staff)
    assert client.get("/capa/ncr/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/capa/ncr/").status_code == 200
    read = [q["sql"] for q in ctx.captured_queries if '"django_session"' in q["sql"]]
    assert len(read) == 1 and read[0].startswith('SELECT "session_data" FROM "django_session"')
    # Both statements every page sends first are kept prepared on the connection (parsed and
    # planned once), where prepared statements are on (DB_PREPARED_STATEMENTS, the default).
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "django_session"' in sql for sql in prepared)
    assert any('FROM "qms_user"' in sql and '"qms_department"' in sql for sql in prepared)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/capa/ncr/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_signed_in_user_is_read_as_the_orm_reads_them(head, staff, admin_user):
    """``signed_in_user``: every field the ORM reads, the department with them (no second
    statement), none for a user without one, None for an id no one has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qms.auth import signed_in_user
    from qms.models import User

    for user in (head, staff, admin_user):
        expected = User.objects.select_related("department").get(pk=user.pk)
        with CaptureQueriesContext(connection) as ctx:
            found = signed_in_user(user.pk)
            department = found.department
        assert len(ctx.captured_queries) == 1
        for field in User._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
        if expected.department_id is None:
            assert department is None
        else:
            assert (department.pk, department.name, department.code) == (
                expected.department.pk,
                expected.department.name,
                expected.department.code,
            )
        assert found.check_password("x") == expected.check_password("x")
        found.job_title = "Saved through the fast read"
        found.save(update_fields=["job_title"])
        assert User.objects.get(pk=user.pk).job_title == "Saved through the fast read"
    assert signed_in_user(2_000_000_000) is None


@pytest.mark.django_db
def test_the_signed_in_users_row_leaves_with_their_session_and_is_read_from_it(
    staff, client_for, monkeypatch
):
    """``qms.sessions``: once a session has been read, the next request asks for its owner's row in
    the same round trip as the session's (the row already sent when the session's data is decoded),
    and the page still sends each statement once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qms import auth
    from qms.sessions import SessionStore

    client = client_for(staff)
    assert client.get("/capa/ncr/").status_code == 200  # the session's owner now known
    seen = []
    decode = SessionStore.decode
    monkeypatch.setattr(
        SessionStore, "decode", lambda self, data: seen.append(auth._SENT.get()) or decode(self, data)
    )
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/capa/ncr/")
    assert page.status_code == 200 and page.wsgi_request.user == staff
    assert len(seen) == 1 and seen[0] is not None and seen[0][0] == str(staff.pk)
    assert auth._SENT.get() is None  # read, not kept for a later request
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len([s for s in statements if '"django_session"' in s]) == 1
    assert len([s for s in statements if s.startswith('SELECT "qms_user"."id"')]) == 1


@pytest.mark.django_db
def test_a_user_made_inactive_or_moved_is_read_afresh_on_their_next_request(staff, client_for, other_dept):
    """The row sent with the session is this request's: a change between two requests is seen."""
    from qms.models import User

    client = client_for(staff)
    assert client.get("/capa/ncr/").status_code == 200
    User.objects.filter(pk=staff.pk).update(department=other_dept)
    assert client.get("/capa/ncr/").wsgi_request.user.department == other_dept
    User.objects.filter(pk=staff.pk).update(is_active=False)
    response = client.get("/capa/ncr/")
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_a_row_sent_ahead_is_read_only_for_its_user_and_only_in_its_request(staff, head):
    from django.core.signals import request_started
    from django.db import close_old_connections

    from qms import ahead, auth

    with ahead.reading():
        auth.send_user(str(staff.pk))
    assert auth._SENT.get()[0] == str(staff.pk)
    assert auth.signed_in_user(head.pk) == head  # another user's id: asked for, the row dropped
    assert auth._SENT.get() is None
    with ahead.reading():
        auth.send_user(str(staff.pk))
    request_started.disconnect(close_old_connections)  # as Django's test client does
    try:
        request_started.send(sender=None)  # the next request starts: the row is dropped unread
    finally:
        request_started.connect(close_old_connections)
    assert auth._SENT.get() is None
    auth.send_user(str(staff.pk))  # outside a block nothing is sent
    assert auth._SENT.get() is None
    assert auth.signed_in_user(staff.pk) == staff
