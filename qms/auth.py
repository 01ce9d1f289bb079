"""Authentication: the login backend refuses expired (auditor) accounts, and reads the signed-in
user of every request with one statement written once per process, sent in the same round trip as
the statement reading their session where the session's owner is known (``send_user``)."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router

from .due_sql import prepared_cursor

# A user id no account has: where the compiled statement's parameter goes.
_SENTINEL_ID = 2_147_000_001


class ExpiringAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        # Expired accounts are let through here so the login form can say *why* they are refused
        # (LoginForm.confirm_login_allowed); the access middleware logs out a session that expires.
        # The account background jobs act as never signs in to the browser.
        return super().user_can_authenticate(user) and not getattr(user, "is_system", False)

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Nor does an integration's service account (api/), asked at sign-in only: this backend's
        # get_user runs on every request, and the account has no usable password, so making one
        # a service account already ends every session it had (the session hash is the password's).
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return None if user is not None and _is_service_account(user) else user

    def get_user(self, user_id):
        """The signed-in user of every request, with their department in the same statement:
        access (a head's or steward's department), the record forms and the layout read it on
        nearly every page, and it was a second round trip each time."""
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# The row of a user asked for ahead (``send_user``) in this request: (their id as text, the cursor).
_SENT: ContextVar[tuple[str, Any] | None] = ContextVar("qms_user_sent", default=None)


def send_user(user_id) -> None:
    """Ask now for the row ``signed_in_user(user_id)`` reads, inside ``qms.ahead.reading()`` beside
    the statement reading the session that names them (``qms.sessions``): both leave and arrive in
    one round trip, where one after the other they took two on every page. ``signed_in_user``
    reads it only for this id and only in this request (``forget_sent_user``); otherwise it asks
    as before. Nothing is sent outside a block, nor for an id that is no user's primary key."""
    from . import ahead

    forget_sent_user()
    model = get_user_model()
    alias = router.db_for_read(model)
    compiled = _user_statement(model, alias)
    if compiled is None or alias != DEFAULT_DB_ALIAS or not ahead.is_reading():
        return
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:
        return
    cursor = prepared_cursor(alias)
    cursor.execute(compiled[0], [pk])
    _SENT.set((str(pk), cursor))


def forget_sent_user(**kwargs) -> None:
    """Drop a row asked for ahead and not read (a request that never asked who is signed in):
    the next request asks afresh. Connected to ``request_started``."""
    sent = _SENT.get()
    if sent is not None:
        _SENT.set(None)
        sent[1].close()


def signed_in_user(user_id):
    """The user with ``user_id`` and their department (cached on them, as ``select_related``
    leaves it), or None. The statement is the ORM's, compiled once per process: building and
    compiling the queryset on every request cost more than its SQL. Read from the row already
    asked for with the session (``send_user``) when it is this user's."""
    model = get_user_model()
    alias = router.db_for_read(model)
    compiled = _user_statement(model, alias)
    sent = _SENT.get()
    if sent is not None:
        _SENT.set(None)
        if compiled is None or sent[0] != str(user_id):
            sent[1].close()
            sent = None
    if compiled is None:  # a field the database hands back converted: as the ORM reads it
        try:
            return model._default_manager.db_manager(alias).select_related("department").get(pk=user_id)
        except model.DoesNotExist:
            return None
    sql, own, theirs = compiled
    if sent is not None:
        with sent[1] as cursor:
            row = cursor.fetchone()
    else:
        # The same text on every request: kept prepared by PostgreSQL where prepared statements are on.
        with prepared_cursor(alias) as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
    if row is None:
        return None
    user = model.from_db(alias, own, row[: len(own)])
    department_field = model._meta.get_field("department")
    department = None
    if user.department_id is not None:
        department = department_field.related_model.from_db(alias, theirs, row[len(own) :])
    department_field.set_cached_value(user, department)
    return user


@cache
def _user_statement(model, alias: str) -> tuple[str, list[str], list[str]] | None:
    """The SQL of ``select_related("department").get(pk=…)`` as (text, the user's attnames, the
    department's), None when a column needs converting on its way out of the database (the ORM
    then reads it) or the parameter is not where the id goes."""
    related = model._meta.get_field("department").related_model
    own = [f.attname for f in model._meta.concrete_fields]
    theirs = [f.attname for f in related._meta.concrete_fields]
    connection = connections[alias]
    fields = [*model._meta.concrete_fields, *related._meta.concrete_fields]
    if any(f.get_db_converters(connection) or connection.ops.get_db_converters(f.cached_col) for f in fields):
        return None
    query = (
        model._default_manager.db_manager(alias)
        .filter(pk=_SENTINEL_ID)
        .values_list(*own, *(f"department__{name}" for name in theirs))
    )
    sql, params = query.query.get_compiler(alias).as_sql()
    if tuple(params) != (_SENTINEL_ID,):
        return None
    return sql, own, theirs


def _is_service_account(user) -> bool:
    from django.apps import apps

    if not apps.is_installed("api"):
        return False
    return apps.get_model("api", "ServiceAccount").objects.filter(user=user).exists()
