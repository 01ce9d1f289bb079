"""The change history every record keeps (django-simple-history): how services say who changed a
row and why, and how the history reads on the record's page — the record's own rows and those of
its child rows, each value shown as the forms show it (Yes/No, dates, names, choice labels)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.text import capfirst

from .models.loading import select_named
from .registry import child_models
from .rules import reason_text

if TYPE_CHECKING:
    from .models import Record, User


def attribute(obj: models.Model, *, by: User, reason: str) -> None:
    """Say who is changing ``obj`` and why; the next save writes it into the history."""
    obj._history_user = by
    obj._change_reason = reason_text(reason)


def save(obj: models.Model, *, by: User, reason: str, validate: bool = False, **save_kwargs: Any) -> None:
    """Save ``obj`` with its history row saying who and why. ``validate`` runs the model's own
    checks first (``full_clean``) where a service has not checked every field itself. A new
    record or child row is written with its history row in one statement (``_insert``)."""
    if validate:
        obj.full_clean()
    attribute(obj, by=by, reason=reason)
    if not save_kwargs and obj._state.adding and obj.pk is None and _inserts_with_history(type(obj)):
        _insert(obj)
    else:
        obj.save(**save_kwargs)


def _inserts_with_history(model: type[models.Model]) -> bool:
    """Records and child rows (the kernel's history), each one table, history switched on."""
    from .models import ChildRecord, Record

    return (
        issubclass(model, Record | ChildRecord)
        and not model._meta.parents
        and getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    )


@functools.cache
def _history_copy(model: type[models.Model], using: str) -> tuple[str, list[models.Field]]:
    """The statement that copies ``new_row`` into ``model``'s history with when, why and who as
    its three parameters, and the row's fields it returns (those the database gives a value)."""
    meta, history_meta = model._meta, model.history.model._meta
    quote = connections[using].ops.quote_name
    copied = {f.attname for f in history_meta.concrete_fields}
    names = ", ".join(quote(f.column) for f in meta.concrete_fields if f.attname in copied)
    extra = ("history_date", "history_change_reason", "history_user", "history_type")
    history_names = ", ".join(quote(history_meta.get_field(f).column) for f in extra)
    returned = meta.db_returning_fields
    sql = (
        f"INSERT INTO {quote(history_meta.db_table)} ({names}, {history_names}) "  # noqa: S608
        f"SELECT {names}, %s, %s, %s, '+' FROM new_row "
        f"RETURNING {', '.join(quote(f.column) for f in returned)}"
    )
    return sql, returned


def _insert(obj: models.Model) -> None:
    """``obj.save()`` of a new row and the history row simple-history writes after it ("+", who,
    when, why, every copied field), as one ``WITH row AS (INSERT … RETURNING …) INSERT INTO
    history SELECT … FROM row``: one round trip instead of two, the values the row got from the
    database (its id, its reference number) copied into its history by the database itself.
    Django's own INSERT is compiled as ``save()`` compiles it (each field's ``pre_save``, the
    expressions, the returned fields read back), and ``pre_save``/``post_save`` are sent as
    ``save()`` sends them; simple-history's own receiver, which would write the history row
    again, is told to skip this one."""
    model = type(obj)
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    query = InsertQuery(model)
    query.insert_values([f for f in meta.local_concrete_fields if f is not meta.auto_field], [obj])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = meta.local_concrete_fields
    [(insert_sql, params)] = compiler.as_sql()
    copy_sql, returned = _history_copy(model, using)
    sql = f"WITH new_row AS ({insert_sql}) {copy_sql}"
    when = getattr(obj, "_history_date", None) or timezone.now()
    user = getattr(obj, "_history_user", None)
    why = getattr(obj, "_change_reason", None)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, (*params, when, why, user.pk if user is not None else None))
        values = cursor.fetchone()
    for value, field in zip(values, returned, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    obj.skip_history_when_saving = True
    try:
        post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    finally:
        del obj.skip_history_when_saving


def touch(record: Record, *, by: User, reason: str) -> None:
    """A row in the record's own history for something that changed around it (a child row
    removed, a link or an attachment added), so the record's history tells the whole story. The
    row copies the record as stored, read again under its lock, not the caller's copy: a copy read
    before another change (a lot shipped since it was opened) wrote that change backwards into the
    history under this row's name ("Status: Shipped → Released" beside "Link added")."""
    with transaction.atomic(using=router.db_for_write(type(record))):
        stored = type(record)._base_manager.select_for_update().get(pk=record.pk)
        attribute(stored, by=by, reason=reason)
        stored.save(update_fields=["updated_at"])
    record.updated_at = stored.updated_at


def delete(obj: models.Model, *, by: User, reason: str) -> None:
    attribute(obj, by=by, reason=reason)
    obj.delete()


def bulk_create(model: type[models.Model], objs: list[models.Model], *, by: User, reason: str) -> list:
    """Create many rows at once (everyone on a distribution list asked to acknowledge), each
    with its history row saying who and why, in a constant number of queries."""
    from simple_history.utils import bulk_create_with_history

    return bulk_create_with_history(objs, model, default_user=by, default_change_reason=reason_text(reason))


# --- reading --------------------------------------------------------------------------------

_SKIP = {"id", "updated_at", "created_at"}
_TYPES = {"+": "Created", "~": "Changed", "-": "Removed"}


def _hidden(model: type[models.Model]) -> set[str]:
    """The fields a row's history leaves out: the kernel's own bookkeeping and those the model
    declares internal (``history_hidden``: counters and encodings the page itself never shows).
    The history table keeps them; only the History tab does not read them out."""
    return _SKIP | set(getattr(model, "history_hidden", ()))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _count(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    return " (1 item)" if len(value) == 1 else f" ({len(value)} items)"


def _data_change(old: Any, new: Any) -> str:
    """A JSON value's change, said in words. Such a value is data the record's page lays out
    (figures frozen for a review, the checks a release ran), never readable as it is stored: the
    history says that it was recorded, changed or cleared, and for a list how many items it holds,
    never dumps it (one review's frozen figures filled a phone's screen a dozen times over)."""
    if _empty(new):
        return "cleared"
    return ("recorded" if _empty(old) else "changed") + _count(new)


def _text(field: models.Field, value: Any, names: dict) -> str:
    if _empty(value):
        return "—"
    if isinstance(field, models.JSONField):
        return "recorded" + _count(value)
    base_field = getattr(field, "base_field", None)  # an ArrayField: its items, each as the form shows it
    if base_field is not None and isinstance(value, list | tuple):
        return ", ".join(_text(base_field, item, names) for item in value)
    if isinstance(field, models.ForeignKey):
        return names.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, models.DateTimeField) and isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    if isinstance(field, models.DateField) and isinstance(value, dt.date):
        return f"{value:%-d %b %Y}"
    return str(value)


def _diffs(model, entries: list) -> list[tuple[Any, list[tuple[models.Field, Any, Any]]]]:
    """(entry, [(field, old, new)]) for entries of one row, newest first."""
    hidden = _hidden(model)
    fields = [f for f in model._meta.concrete_fields if f.name not in hidden]
    out = []
    for i, entry in enumerate(entries):
        older = entries[i + 1] if i + 1 < len(entries) else None
        changes = []
        for field in fields if older is not None and entry.history_type == "~" else ():
            old, new = getattr(older, field.attname, None), getattr(entry, field.attname, None)
            if old != new:
                changes.append((field, old, new))
        out.append((entry, changes))
    return out


def _child_labels(model: type[models.Model], ids) -> dict[int, str]:
    """What each child row is called in the record's history, in one query: read from the rows
    as they are now, with the relations their names read (``ChildRecord.history_related``; none
    declared, the row's own foreign keys but its parent's: a lot's operator is named by the person,
    a CAPA's action by its own number and title)."""
    related = model.history_related or tuple(
        f.name for f in model._meta.concrete_fields if f.many_to_one and f.name != model.parent_field
    )
    rows = select_named(model._default_manager.all(), related)
    return {pk: str(row) for pk, row in rows.in_bulk(list(ids)).items()}


def _entries(record: Record) -> list[models.QuerySet]:
    """The record's history rows, and for each of its child models the history rows of its
    children (read by the parent's key, which is indexed: see ``tests/qms/test_history.py``)."""
    return [
        record.history.all(),
        *(
            child.history.filter(**{f"{child.root_path()}_id": record.pk})
            for child in child_models(type(record))
        ),
    ]


def history_count(record: Record) -> int:
    """How many rows ``history_rows(record)`` shows, in one query (the History tab's badge)."""
    own, *children = (entries.order_by().values("history_id") for entries in _entries(record))
    return own.union(*children, all=True).count() if children else own.count()


@dataclass(frozen=True)
class Step:
    """Who brought a record into its status, when and why (``entered``)."""

    when: dt.datetime
    who: Any
    why: str


def entered(record: Record, status: str, user: User) -> Step | None:
    """The step that brought ``record`` into ``status`` for the last time, read from its history:
    the oldest row of the newest run of rows in that status. None when the record is not in it
    now, or was created in it (no step brought it there). The reason as ``user`` may read it
    (``selectors.hide_references``). One query, two with a reason naming records."""
    status_field = getattr(type(record), "status_field", "status")
    if getattr(record, status_field) != status:
        return None
    return entered_each(type(record), [record.pk], status, user).get(record.pk)


def entered_each(model: type[Record], pks, status: str, user: User) -> dict[Any, Step]:
    """``entered`` for many records of ``model`` (an audit pack's list), by primary key, for those
    whose history shows the step: one query for their history rows whatever their number, and
    one per kind of record their reasons name."""
    status_field, key_field = getattr(model, "status_field", "status"), model._meta.pk.attname
    # The historical rows keep the record's own key under its name (their primary key is their own).
    entries = model.history.filter(**{f"{key_field}__in": list(pks)}).select_related("history_user")
    found: dict[Any, Any] = {}
    ended: set = set()
    for entry in entries.order_by(key_field, "-history_date", "-history_id"):
        key = getattr(entry, key_field)
        if key in ended:
            continue
        if getattr(entry, status_field) != status:
            ended.add(key)  # the newest run in that status ends here (or there was none)
            continue
        found[key] = entry
    steps = {key: entry for key, entry in found.items() if entry.history_type != "+"}  # created so
    with_reasons_shown(steps.values(), user)
    return {key: Step(e.history_date, e.history_user, e.reason_shown) for key, e in steps.items()}


def with_reasons_shown(entries, user: User) -> list:
    """History rows (historical instances, as a query gives them), each with ``reason_shown``: its
    reason as ``user`` may read it (``selectors.hide_references``). A page or a pack that prints
    history rows prints that, never ``history_change_reason``. One query per kind of record named."""
    from .selectors import hide_references

    entries = list(entries)
    readable = hide_references((e.history_change_reason for e in entries), user)
    for entry in entries:
        why = entry.history_change_reason or ""
        entry.reason_shown = readable.get(why, why)
    return entries


def history_rows(record: Record, user=None) -> list[dict]:
    """The record's history and its child rows' history, newest first: when, who, why, what part
    (the record's reference or the child row), and old → new for every changed field. A constant
    number of queries, however many child rows the record has. Given the ``user`` reading it, a
    reason names only the records they may see (``with_reasons_shown``)."""
    newest = ("-history_date", "-history_id")
    own_entries, *child_entries = (
        e.select_related("history_user").order_by(*newest) for e in _entries(record)
    )
    groups: list[tuple[type, str, list]] = [(type(record), record.display_reference, list(own_entries))]
    labels: dict[tuple[type, int], str] = {}
    for child, entries in zip(child_models(type(record)), child_entries, strict=True):
        by_row: dict[int, list] = defaultdict(list)
        for entry in entries:
            by_row[entry.id].append(entry)
        for rows in by_row.values():
            groups.append((child, "", rows))
        labels.update({(child, pk): label for pk, label in _child_labels(child, by_row).items()})
    # Names of every person and record a foreign key points at, in one query per related model.
    wanted: dict[type, set] = defaultdict(set)
    diffed = []
    for model, subject, entries in groups:
        for entry, changes in _diffs(model, entries):
            for field, old, new in changes:
                if isinstance(field, models.ForeignKey):
                    wanted[field.related_model].update(v for v in (old, new) if v is not None)
            diffed.append((model, subject, entry, changes))
    names = {
        (related, pk): str(obj)
        for related, pks in wanted.items()
        for pk, obj in related._default_manager.in_bulk(pks).items()
    }
    if user is not None:  # each reason as the reader may read it (``reason_shown``)
        with_reasons_shown((entry for _, _, entry, _ in diffed), user)
    rows = []
    for model, subject, entry, changes in diffed:
        workflow = getattr(model, "workflow", None)
        status_field = getattr(model, "status_field", "status")
        shown = []
        for field, old, new in changes:
            if field.name == status_field and workflow is not None:
                old_text, new_text = workflow.label(old), workflow.label(new)
            else:
                old_text, new_text = _text(field, old, names), _text(field, new, names)
            # A JSON value's change reads as one phrase ("recorded (8 items)"), not old → new.
            summary = _data_change(old, new) if isinstance(field, models.JSONField) else ""
            shown.append({"field": field.verbose_name, "old": old_text, "new": new_text, "summary": summary})
        # A row removed since is named as its history last had it.
        label = subject or labels.get((model, entry.id)) or entry.instance
        rows.append(
            {
                "when": entry.history_date,
                "who": entry.history_user or "—",
                "why": entry.reason_shown if user is not None else entry.history_change_reason or "",
                "type": _TYPES[entry.history_type],
                "part": subject or f"{capfirst(model._meta.verbose_name)}: {label}",
                "is_child": not subject,
                # The row's status at that moment ("In progress"), for rows with a workflow.
                "state": workflow.label(getattr(entry, status_field)) if workflow is not None else "",
                "changes": shown,
            }
        )
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows
