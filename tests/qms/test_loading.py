"""Rows loaded through ``qms.models.loading.FastLoad`` are the instances Django's own loading
builds: the same attributes, the same state, usable the same way."""

import pytest
from django.db.models import Model, signals

from capa.models import Nonconformity
from qms.models import Department, User
from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db


def _django_loaded(model, pk, related=()):
    """The same row loaded by Django's ``Model.from_db`` (FastLoad stepped over)."""
    originals = {}
    for cls in (model, User, Department):
        originals[cls] = cls.__dict__.get("from_db")
        cls.from_db = classmethod(Model.from_db.__func__)
    try:
        return model.objects.select_related(*related).get(pk=pk)
    finally:
        for cls, original in originals.items():
            if original is None:
                delattr(cls, "from_db")
            else:
                cls.from_db = original


def _attributes(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def test_a_row_and_its_joined_people_load_as_django_loads_them(staff, dept):
    ncr = NonconformityFactory(owner=staff, department=dept, title="Burr on flange")
    fast = Nonconformity.objects.select_related("owner", "department").get(pk=ncr.pk)
    assert all("_loaded_attnames" in model.__dict__ for model in (Nonconformity, User, Department))
    plain = _django_loaded(Nonconformity, ncr.pk, ("owner", "department"))
    assert _attributes(fast) == _attributes(plain)
    assert _attributes(fast.owner) == _attributes(plain.owner)
    assert _attributes(fast.department) == _attributes(plain.department)
    for obj in (fast, fast.owner, fast.department):
        assert obj._state.adding is False and obj._state.db == "default"
    # It is a record like any other: read, changed, saved, compared.
    assert str(fast.owner) == str(staff) and fast == ncr and fast.get_status_display()
    fast.title = "Burr on flange, both sides"
    fast.save(update_fields=["title"])
    assert Nonconformity.objects.get(pk=ncr.pk).title == "Burr on flange, both sides"


def test_a_row_with_deferred_columns_or_an_init_listener_is_left_to_django(staff, dept):
    ncr = NonconformityFactory(owner=staff, department=dept)
    partial = Nonconformity.objects.only("title").get(pk=ncr.pk)
    assert partial.get_deferred_fields() and partial.title == ncr.title
    seen = []

    def listen(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(listen, sender=Department)
    try:
        assert Department.objects.get(pk=dept.pk).name == dept.name
    finally:
        signals.post_init.disconnect(listen, sender=Department)
    assert seen == [dept.pk]


def test_no_relations_named_joins_nothing_where_select_related_would_join_every_one(staff, dept):
    from qms.models.loading import select_named

    ncr = NonconformityFactory(owner=staff, department=dept)
    everything = Nonconformity.objects.select_related()  # Django's reading of no names
    assert "JOIN" in str(everything.query)
    alone = select_named(Nonconformity.objects.all(), ())
    assert "JOIN" not in str(alone.query) and alone.get().pk == ncr.pk
    named = select_named(Nonconformity.objects.all(), ("owner",))
    assert str(named.query).count("JOIN") == 1 and named.get().owner == staff
