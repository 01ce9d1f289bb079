"""Accessibility that the markup itself carries: the skip link, the charts' roles and link names,
the audit pack's live region and its progress words, the register's free-text cells."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from qms.charts import bar_chart, heat_map, line_chart
from qms.models import AuditPack
from qms.services import auditpacks
from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db

FOCUSABLE = re.compile(r"<(a|button|input|select|textarea|summary)\b[^>]*>|<[^>]+\btabindex=\"0\"[^>]*>")


def test_the_skip_link_is_the_first_stop_and_leads_to_the_main_element(client_for, head):
    html = client_for(head).get("/capa/ncr/").content.decode()
    body = html.split("<body", 1)[1]
    first = FOCUSABLE.search(body)
    assert first and 'href="#content"' in first.group(0), first and first.group(0)
    assert "Skip to content" in body[first.end() : first.end() + 40]
    assert re.search(r'<main id="content" tabindex="-1"', body)


def test_a_chart_with_links_is_a_group_and_names_each_link_by_its_value():
    svg = str(bar_chart([("Oct 2026", 3, "/capa/ncr/?month=10"), ("Nov 2026", 0, "")], title="NCRs a month"))
    assert 'role="img"' not in svg
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg"' in svg and 'role="group" aria-label="NCRs a month"' in svg
    )
    assert '<a href="/capa/ncr/?month=10" aria-label="Oct 2026: 3">' in svg
    lines = str(
        line_chart(["Oct", "Nov"], [("On time", [90.0, 95.5])], title="Rate", urls=["/a", "/b"], unit="%")
    )
    assert '<a href="/b" aria-label="On time, Nov: 95.5%">' in lines and 'role="img"' not in lines
    grid = str(
        heat_map(["Mon 1"], [("Welding", [2], 1, "/w", ["/w/1"])], title="Cover", shade=lambda *a: "at")
    )
    assert 'aria-label="Welding, Mon 1: 2"' in grid and '<a href="/w" aria-label="Welding">' in grid


def test_a_charts_words_drawn_without_a_colour_take_the_text_colour():
    """SVG's default black vanished on a dark contrast theme: every word has a fill."""
    svg = str(bar_chart([("Oct 2026", 3)], title="NCRs")) + str(
        heat_map(["Mon"], [("Welding", [2], 1)], title="C")
    )
    texts = re.findall(r"<text\b[^>]*>", svg)
    assert texts and all("fill=" in t for t in texts), [t for t in texts if "fill=" not in t]


def _pack(user, **progress) -> AuditPack:
    today = timezone.localdate()
    pack = auditpacks.audit_pack_request(
        by=user, keys=["widgets"], date_from=today - dt.timedelta(days=30), date_to=today
    )
    AuditPack.objects.filter(pk=pack.pk).update(**progress)
    return pack


def test_the_pack_page_says_its_state_in_a_live_region_that_outlives_the_polled_box(client_for, auditor):
    pack = _pack(auditor, status="rendering", sections_total=4, sections_done=2)
    html = client_for(auditor).get(f"/audit-pack/{pack.pk}/").content.decode()
    region = re.search(r'<p[^>]*role="status"[^>]*>([^<]*)</p>', html)
    assert region and 'aria-live="polite"' in region.group(0)
    assert 'data-announce-for="pack-progress"' in region.group(0)
    assert region.group(1) == "Rendering section 3 of 4."
    AuditPack.objects.filter(pk=pack.pk).update(status="ready", pages=12)
    box = client_for(auditor).get(f"/audit-pack/{pack.pk}/progress/").content.decode()
    assert 'data-announce="Ready: 12 pages. Download PDF."' in box


@pytest.mark.parametrize(("done", "total"), [(0, 1), (1, 1), (3, 3), (0, 0)])
def test_the_progress_never_counts_past_the_last_section(client_for, auditor, done, total):
    pack = _pack(auditor, status="rendering", sections_total=total, sections_done=done, current="Contents")
    box = client_for(auditor).get(f"/audit-pack/{pack.pk}/progress/").content.decode()
    for n, of in re.findall(r"section (\d+) of (\d+)", box):
        assert 1 <= int(n) <= int(of), box
    assert ("section 1 of 1" in box) is ((done, total) == (0, 1))
    assert "{#" not in box


def test_the_registers_title_cell_may_break_anywhere_and_its_status_cell_may_not(client_for, head):
    NonconformityFactory(title="X" * 200, owner=head, department=head.department)
    html = client_for(head).get("/capa/ncr/").content.decode()
    assert re.search(r'<td data-label="Title" class="free-text">X{200}</td>', html)
    status = re.search(r'<td data-label="Status"[^>]*>', html)
    assert status and "free-text" not in status.group(0)
