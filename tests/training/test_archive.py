"""The training module's share of the ten-year archive (bench/archive_training.py) loads, and the
module's pages and computations work on it."""

import random
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from qms.models import Role
from tests.factories import DepartmentFactory, UserFactory
from tests.training import factories as f
from training.matrix import company_matrix

pytestmark = pytest.mark.django_db


def test_the_archive_share_loads_and_the_matrix_reads_it(client_for, quality_manager):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from archive_training import populate

    departments = [DepartmentFactory(code=f"A{i}") for i in range(3)]
    heads = {d.pk: UserFactory(role=Role.DEPARTMENT_HEAD, department=d) for d in departments}
    people = [UserFactory(department=departments[i % 3], is_active=i % 5 != 0) for i in range(24)]
    archive = SimpleNamespace(
        today=f.today(),
        rng=random.Random(1),
        people=people + list(heads.values()),
        departments=departments,
        heads=heads,
        quality=quality_manager,
        system=quality_manager,
        years=3,
    )
    counts = populate(archive)
    assert counts["training files"] == 27 and counts["training records"] > 27
    assert counts["training coverage alarms"] > 0
    matrix = company_matrix()
    assert len(matrix.rows) >= 20 and matrix.columns
    # A record created through the services afterwards gets the next free reference.
    competence = f.competence(departments[0], by=heads[departments[0].pk])
    assert competence.reference.startswith("COMP-")
    assert client_for(quality_manager).get("/training/?scope=company&format=csv").status_code == 200
