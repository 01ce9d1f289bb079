"""Where a register's row links to: its record's page, its own page, or its parent's page at its
anchor, written from one reversed address rather than a ``reverse()`` per row (``url_maker``),
from a record or from the values a register read for the row's keys (``url_keys``)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django.urls import get_script_prefix, get_urlconf, reverse

if TYPE_CHECKING:
    from .cells import ScreenCells


def url_maker(model, cells: ScreenCells | None = None):
    """A row's page URL without a ``reverse()`` per row, for models that keep the kernel's
    ``get_absolute_url`` (a record's page, or a child row's own page, addressed by its
    ``url_kwargs``, or by the values ``cells`` read for them); any other model is asked row by
    row."""
    from ..models import ChildRecord, Record

    keys = url_keys(model)
    if keys is None:
        return lambda row: row.get_absolute_url()
    anchor = ""
    if issubclass(model, Record):
        name, kwargs_of = f"{model._meta.app_label}:{model._meta.model_name}_detail", _record_kwargs
    elif _on_record_page(model):  # shown on its record's page, at its anchor
        parent = model.parent_model()._meta
        name, anchor = f"{parent.app_label}:{parent.model_name}_detail", model.anchor
        kwargs_of = _parent_kwargs(model.parent_field)
    elif _on_row_page(model):  # shown on its parent row's page (a maintenance plan's), at its anchor
        name, anchor = model.parent_model().page, model.anchor
        kwargs_of = _parent_row_kwargs
    else:
        name, kwargs_of = model.page, ChildRecord.url_kwargs
    if cells is not None:
        kwargs_of = cells.url_kwargs
    # Reversed once with a stand-in number for each keyword, which each row's value then replaces.
    stand_ins = {key: str(987654321 + i) for i, (key, _) in enumerate(keys)}
    template = _reversed(name, tuple(stand_ins.items()), get_script_prefix(), get_urlconf())
    if cells is not None and len(cells.keys) == 1:  # a record's page: its id between two texts
        ((key, place),) = cells.keys
        if template.count(stand_ins[key]) == 1:
            head, tail = template.split(stand_ins[key])
            tail += anchor
            return lambda row: f"{head}{row[place]}{tail}"

    def url_of(row) -> str:
        url = template
        for key, value in kwargs_of(row).items():
            url = url.replace(stand_ins[key], str(value))
        return url + anchor

    return url_of


@lru_cache(maxsize=512)
def _reversed(name: str, kwargs: tuple, prefix: str, urlconf) -> str:
    """``reverse()`` once per process for each page name and stand-ins (the URL configuration
    does not change while it runs; the script prefix and the request's URL configuration are in
    the key), not on every register page."""
    return reverse(name, urlconf, kwargs=dict(kwargs))


def url_keys(model) -> list[tuple[str, str]] | None:
    """The keywords of a row's URL and the values that fill them (``url_maker``'s, as paths a
    values query reads); None for a model that writes its own URL."""
    from ..models import ChildRecord, Record

    if issubclass(model, Record) and model.get_absolute_url is Record.get_absolute_url:
        return [("pk", "pk")]
    if _on_record_page(model):
        return [("pk", f"{model.parent_field}_id")]
    if _on_row_page(model):  # the parent row's keys, read through the row's parent
        return [
            (keyword, model.parent_field if path == "pk" else f"{model.parent_field}__{path}")
            for keyword, path in url_keys(model.parent_model())
        ]
    if not (
        issubclass(model, ChildRecord)
        and model.get_absolute_url is ChildRecord.get_absolute_url
        and model.page
    ):
        return None
    # A child row's page is addressed by its own key, each parent's and its record's.
    keys, path, level = [(model.kwarg(), "pk")], "", model
    while issubclass(level, ChildRecord):
        path = f"{path}__{level.parent_field}" if path else level.parent_field
        level = level.parent_model()
        keys.append((level.kwarg() if issubclass(level, ChildRecord) else "pk", path))
    return keys


def _pageless_row(model) -> bool:
    """A child row without a page of its own, addressed by the kernel: shown on its parent's page."""
    from ..models import ChildRecord

    return (
        issubclass(model, ChildRecord)
        and not model.page
        and model.get_absolute_url is ChildRecord.get_absolute_url
    )


def _on_record_page(model) -> bool:
    """A child row shown on its record's page (a supplier's certificates, a training file's needs)."""
    from ..models import Record

    if not _pageless_row(model):
        return False
    parent = model.parent_model()
    return issubclass(parent, Record) and parent.get_absolute_url is Record.get_absolute_url


def _on_row_page(model) -> bool:
    """A child row shown on its parent row's page (a machine's maintenance plan, where its
    postponements are asked and decided)."""
    from ..models import ChildRecord

    if not _pageless_row(model):
        return False
    parent = model.parent_model()
    return (
        issubclass(parent, ChildRecord)
        and bool(parent.page)
        and parent.get_absolute_url is ChildRecord.get_absolute_url
    )


def _parent_row_kwargs(row) -> dict[str, int]:
    return row.parent.url_kwargs()


def _parent_kwargs(parent_field: str):
    attname = f"{parent_field}_id"
    return lambda row: {"pk": getattr(row, attname)}


def _record_kwargs(record) -> dict[str, int]:
    return {"pk": record.pk}
