"""Every register pages in its order from an index: the first field of its ordering leads an
index of its table (or is its key). Without one, each page of a register of ten years sorts every
row it may show (the effectiveness checks' register: 25 ms a page on the archive, 0.25 ms with
it); a register added later is checked the day it exists."""

from __future__ import annotations

from django.db.models import ForeignKey
from django.urls import resolve

from tests.qms.test_list_queries import PAGES

# Catalogues of a hundred or two rows that do not grow with the years: sorting them is cheaper than
# an index each write must keep. (Not the approved supplier list: a page of it named the owner of
# each of 600 suppliers before sorting them, 1 ms; its index, 0.1 ms.)
CATALOGUES = {
    "/training/competences/": "the competence catalogue",
    "/training/job-roles/": "the job roles",
    "/calibration/machines/": "the machines",
}


def _leading_columns(model) -> set[str]:
    """The columns that lead an index of the model's table (its key, unique and indexed fields,
    foreign keys, and the first field of each declared index)."""
    opts = model._meta
    leading = {opts.pk.attname}
    for field in opts.concrete_fields:
        if field.db_index or field.unique or isinstance(field, ForeignKey):
            leading.add(field.attname)
    for index in opts.indexes:
        if index.fields:
            leading.add(opts.get_field(index.fields[0].lstrip("-")).attname)
    for together in opts.unique_together:
        leading.add(opts.get_field(together[0]).attname)
    for constraint in opts.constraints:
        fields = getattr(constraint, "fields", ())
        if fields and getattr(constraint, "condition", None) is None:
            leading.add(opts.get_field(fields[0]).attname)
    return leading


def test_every_register_sorts_by_an_indexed_column():
    assert len(PAGES) > 25  # every module's registers were found
    unindexed = []
    for url, model in PAGES:
        if url in CATALOGUES:
            continue
        view = resolve(url).func.view_class(model=model)
        first = view.get_ordering()[0].lstrip("-")
        if first in ("pk", "id") or "__" in first:
            continue
        field = model._meta.get_field(first)
        if field.attname not in _leading_columns(model):
            unindexed.append(f"{url} orders by {model._meta.db_table}.{field.column}")
    assert not unindexed, "registers sorting every row for a page:\n" + "\n".join(unindexed)
