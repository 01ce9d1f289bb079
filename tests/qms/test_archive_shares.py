"""The suppliers, calibration, inspection and audits shares of the ten-year archive
(bench/archive_<app>.py) load on a small archive, after the documents share they read, number
their records after the kernel's counters, and fill every register of their modules."""

import random
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from bench.pages_bench import register_pages
from qms.models import ReferenceCounter

pytestmark = pytest.mark.django_db

SHARES = ("documents", "suppliers", "calibration", "inspection", "audits")


def test_the_shares_load_and_every_register_of_their_modules_shows_rows():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench import archive as bench_archive

    archive = bench_archive.Archive(today=timezone.localdate(), rng=random.Random(7), scale=0.03)
    bench_archive.people(archive)
    made = {}
    for share in SHARES:
        module = __import__(f"bench.archive_{share}", fromlist=["populate"])
        made[share] = module.populate(archive)
    assert made["suppliers"]["suppliers"] >= 5 and made["inspection"]["production lots"] >= 100
    assert made["calibration"]["instruments"] >= 40 and made["audits"]["internal audits"] >= 6
    # A record created later continues the archive's numbers: the counters stand at the last one.
    from inspection.models import ProductionLot

    newest = ProductionLot.objects.order_by("-created_at", "-pk").first()
    counter = ReferenceCounter.objects.get(prefix="LOT", year=newest.created_at.year)
    assert newest.reference == f"LOT-{newest.created_at.year}-{counter.last:04d}"
    client = Client()
    client.force_login(archive.quality)
    for url, _model, _view in register_pages():
        if url.strip("/").split("/")[0] in SHARES[1:]:
            page = client.get(url)
            assert page.status_code == 200, url
            assert page.content.count(b"<tr>") > 2, f"{url} shows no rows"
    assert client.get("/").status_code == 200 and client.get("/overview/").status_code == 200
