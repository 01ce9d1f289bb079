"""Sessions in the database, as Django keeps them, read on every request with one plain statement.

Django's database session store reads a session through the ORM (a queryset built, compiled and
turned into a ``Session`` instance on every request): more Python than the row's SQL costs. This
store reads the same row (the same key, not expired) with a statement written once per process and
kept prepared by PostgreSQL (``DB_PREPARED_STATEMENTS``); saving, expiring and deleting are Django's
own. ``SESSION_ENGINE = "qms.sessions"``.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .due_sql import prepared_cursor


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The session's row (its data alone), or None when there is none or it has expired: then,
        as Django's store does, the key is forgotten and a new session starts."""
        key = self.session_key
        if key is not None:
            alias = router.db_for_read(self.model)
            # The same text on every request: kept prepared where prepared statements are on.
            with prepared_cursor(alias) as cursor:
                cursor.execute(_statement(self.model, alias), [key, timezone.now()])
                row = cursor.fetchone()
            if row is not None:
                return self.model(session_key=key, session_data=row[0])
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
