"""Sessions in the database, as Django keeps them, read on every request with one plain statement,
the signed-in user's row asked for in the same round trip.

Django's database session store reads a session through the ORM (a queryset built, compiled and
turned into a ``Session`` instance on every request): more Python than the row's SQL costs. This
store reads the same row (the same key, not expired) with a statement written once per process and
kept prepared by PostgreSQL (``DB_PREPARED_STATEMENTS``); saving, expiring and deleting are Django's
own.

Every page then reads the user the session names (``qms.auth.signed_in_user``): a second statement
that waited for the first, because who is signed in is written inside the session's data. A
session's owner never changes (signing in starts a new session, signing out ends it), so once a
request of this process has read a session, the next ones send the owner's row with it, in one
round trip (``qms.ahead``): ``signed_in_user`` reads that row only if the session still names that
user, and otherwise asks again. ``SESSION_ENGINE = "qms.sessions"``.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils import timezone

from . import ahead, auth
from .due_sql import Statement, prepared_cursor

# Whose each session is (its key to its user's id), as this process last read it; cleared when full.
_OWNERS: dict[str, str] = {}
OWNERS_KEPT = 10_000


class SessionStore(db.SessionStore):
    def load(self):
        data = super().load()
        key, owner = self.session_key, data.get(SESSION_KEY)
        if key is not None and owner is not None and _OWNERS.get(key) != str(owner):
            if len(_OWNERS) >= OWNERS_KEPT:
                _OWNERS.clear()
            _OWNERS[key] = str(owner)
        return data

    def _get_session_from_db(self):
        """The session's row (its data alone), or None when there is none or it has expired: then,
        as Django's store does, the key is forgotten and a new session starts."""
        key = self.session_key
        if key is not None:
            alias = router.db_for_read(self.model)
            sql, params = _statement(self.model, alias), (key, timezone.now())
            owner = _OWNERS.get(key) if alias == DEFAULT_DB_ALIAS else None
            sent = None
            if owner is not None:
                # Both statements leave together; leaving the block waits once for both rows.
                statement = Statement(sql, params, constant=True)
                with ahead.reading():
                    ahead.send(statement)
                    auth.send_user(owner)
                    sent = ahead.take(statement)
            if sent is None:
                # The same text on every request: kept prepared where prepared statements are on.
                sent = prepared_cursor(alias)
                sent.execute(sql, params)
            with sent as cursor:
                row = cursor.fetchone()
            if row is not None:
                return self.model(session_key=key, session_data=row[0])
            _OWNERS.pop(key, None)
        self._session_key = None
        return None


@cache
def _statement(model, alias: str) -> str:
    """What Django's store asks (``session_key=… AND expire_date > now``), for the data alone."""
    quote = connections[alias].ops.quote_name
    opts = model._meta
    return (
        f"SELECT {quote(opts.get_field('session_data').column)} FROM {quote(opts.db_table)} "  # noqa: S608
        f"WHERE {quote(opts.get_field('session_key').column)} = %s "
        f"AND {quote(opts.get_field('expire_date').column)} > %s"
    )
