"""No page or download names a record its reader may not see (issue #10), walked on records seeded
on purpose to tempt a leak: every kind of record exists in two departments, each linked to its
counterpart in the other, and the references that cross departments in real work are made too (a
CAPA raised from another department's NCR, a lot that consumed another department's goods
receipt, an audit finding of another department, which the audits builder already makes).

Every URL is requested (GET) for both departments' records by the head and the staff member of
each; any answer they may read must not name a reference that is outside their scope. The full
route walk (``test_route_walker.py``) proves the codes and the table; this walk proves the text."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from qms.services import link_add
from tests import walker
from tests.qms.test_route_walker import (
    hidden_references,
    request,
    response_text,
    rolled_back,
    url_targets,
)
from tests.qms.test_route_walker import world as world  # noqa: F401 - the walker's records (a fixture)


def _cross_references(mine: dict, theirs: dict, by) -> int:
    """References from the neighbour's records to ours that real work makes; returns how many."""
    made = 0
    if "capa.nonconformity" in mine and "capa.capa" in theirs:
        # Their CAPA was raised from their NCR and ours too (a CAPA may answer several NCRs).
        theirs["capa.capa"]["_record"].nonconformities.add(mine["capa.nonconformity"]["_record"])
        made += 1
    if "inspection.goodsreceipt" in mine and "inspection.productionlot" in theirs:
        from inspection import services as inspection_services

        inspection_services.material_use_add(
            lot=theirs["inspection.productionlot"]["_record"],
            by=by,
            receipt=mine["inspection.goodsreceipt"]["_record"],
            quantity=1,
        )
        made += 1
    return made


def _neighbours(build, ours: dict, staff, dept, other_staff, other_dept) -> dict:
    """The same kind of record in the other department: built by its own staff member; where only
    a quality-control department may create the kind, built by ours and handed over as a transfer
    would; a kind that belongs to no department's record (a process, an audit pack) is the same."""
    if "_record" not in ours:
        return ours
    try:
        with transaction.atomic():
            return build(other_staff, other_dept)
    except (PermissionDenied, ValidationError, IntegrityError):
        pass
    with transaction.atomic():
        kwargs = build(staff, dept)
        record = kwargs["_record"]
        type(record).objects.filter(pk=record.pk).update(owner=other_staff, department=other_dept)
        record.refresh_from_db()
        return kwargs


@pytest.fixture
def two_departments(world, staff, dept, other_staff, other_dept, quality_manager):
    """The walker's records (the staff member's department) and the same again in the other
    department, each linked to its counterpart, with the cross-department references above."""
    ours = world["records"]
    theirs = {
        label: _neighbours(build, ours[label], staff, dept, other_staff, other_dept)
        for label, build in walker.BUILDERS.items()
    }
    linked = 0
    for label, kwargs in theirs.items():
        record, counterpart = kwargs.get("_record"), ours.get(label, {}).get("_record")
        if record is not None and counterpart is not None and record != counterpart:
            kwargs["link_pk"] = link_add(source=record, target=counterpart, by=quality_manager).pk
            linked += 1
    crossed = _cross_references(ours, theirs, quality_manager)
    return {"ours": world, "theirs": {**world, "records": theirs}, "linked": linked, "crossed": crossed}


# Whose pages are read by whom: each department's people on that department's records.
READERS = {"ours": ("head", "staff"), "theirs": ("other_head", "other_staff")}


@pytest.mark.django_db
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("side", READERS)
def test_no_page_names_a_record_outside_the_readers_scope(two_departments, side):
    assert two_departments["linked"] > 10 and two_departments["crossed"] == 2
    roles = two_departments["ours"]["roles"]
    names = READERS[side]
    clients = {}
    for name in names:
        clients[name] = Client()
        clients[name].force_login(roles[name])
    hidden = {name: hidden_references(roles[name]) for name in names}
    assert all(hidden.values()), "each reader has records outside their scope to look for"
    failures, read = [], 0
    for target in url_targets(two_departments[side]):
        if "logout" in target.url:
            continue
        for name in names:
            with rolled_back():
                response = request(clients[name], "GET", target.url)
            if response.status_code != 200:
                continue
            read += 1
            named = sorted(set(hidden[name].findall(response_text(response))))
            if named:
                failures.append(f"GET {target.url} as {name}: names {', '.join(named)}")
    assert read > 100
    assert not failures, "\n".join(failures)
