"""Timestamps in the audit pack say their zone and are right (issue #11, item 10): an approval at
15:44 UTC is printed 15:44 in the "Signed (UTC)" column, not the company's 16:44."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from documents import audit
from qms.models import Signature
from tests.documents.factories import DocumentFactory, approver, issue

pytestmark = pytest.mark.django_db


def test_the_signed_utc_column_prints_utc(head, dept, auditor, settings):
    assert settings.TIME_ZONE == "Europe/Berlin"
    document = DocumentFactory(owner=head, department=dept, number="WI-QC-101")
    revision = issue(document, approver(username="approver"))
    signed = dt.datetime(2026, 11, 18, 15, 44, 7, tzinfo=dt.UTC)
    Signature.objects.filter(object_id=revision.pk).update(signed_at=signed)
    today = timezone.localdate()
    context = audit.build(user=auditor, date_from=today - dt.timedelta(days=3), date_to=today)
    html = " ".join(render_to_string("documents/audit_section.html", context).split())
    assert "Signed (UTC)" in html
    assert "18 Nov 2026 15:44:07 UTC" in html and "16:44:07" not in html
    # The history's times say their zone (in the pack's one date format, "j M Y H:i").
    changed = timezone.localtime(document.history.first().history_date)
    assert f"{changed.day} {changed:%b %Y %H:%M %Z}" in html
