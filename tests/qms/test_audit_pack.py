"""Audit packs: an auditor takes away a PDF of every module's records, as far as they may see."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from capa import services as capa_services
from qms import auditpack
from qms.models import AuditPack
from qms.services.auditpacks import audit_pack_render
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.documents.factories import DocumentFactory, approver, issue
from tests.helpers import field_error


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def period(**extra):
    today = timezone.localdate()
    return {"date_from": (today - dt.timedelta(days=30)).isoformat(), "date_to": today.isoformat(), **extra}


def take_pack(client, params):
    """Ask for a pack on the page, let the worker's service render it here, download it."""
    response = client.post("/audit-pack/", params)
    assert response.status_code == 302, response.content.decode()[:2000]
    pack = AuditPack.objects.latest("pk")
    assert response["Location"] == f"/audit-pack/{pack.pk}/"
    assert audit_pack_render(pack_id=pack.pk) == "ready"
    return client.get(f"/audit-pack/{pack.pk}/download/")


@pytest.fixture
def records(head, dept):
    document = DocumentFactory(owner=head, department=dept, number="WI-QC-777", title="Bore gauge check")
    issue(document, approver(username="approver"))
    capa = CapaFactory(owner=head, department=dept, title="Oversize bore on H-220")
    capa_services.capa_root_cause_set(
        capa=capa, by=head, root_cause="Supplier changed the bar stock grade", cause_category="material"
    )
    capa_services.action_add(
        capa=capa,
        by=head,
        kind="corrective",
        title="Require change notifications from suppliers",
        owner=head,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    ncr = NonconformityFactory(owner=head, department=dept, title="Bore oversize on lot 24-1187")
    return document, capa, ncr


@pytest.mark.django_db
def test_an_auditor_takes_away_a_pack_with_every_module(client_for, auditor, records):
    document, capa, ncr = records
    response = take_pack(client_for(auditor), period(sections=["documents", "capa"]))
    assert response.status_code == 200
    text = pdf_text(response)
    assert "Audit pack" in text and "Rita" not in text  # generated for this auditor, not the demo one
    assert "WI-QC-777" in text and "Approved" in text
    assert capa.reference in text and "Supplier changed the bar stock grade" in text
    assert "Require change notifications from suppliers" in text
    assert ncr.reference in text


@pytest.mark.django_db
def test_a_pack_shows_no_more_than_the_screens(client_for, other_staff, records):
    _document, capa, ncr = records
    text = pdf_text(take_pack(client_for(other_staff), period(sections=["capa", "documents"])))
    assert capa.reference not in text and ncr.reference not in text
    assert "WI-QC-777" in text  # documents are company-wide


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, field",
    [
        ({"sections": ["capa"], "date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to"),
        ({"date_from": "2026-01-01", "date_to": "2026-02-01"}, "sections"),
        ({"sections": ["capa"], "date_from": "yesterday", "date_to": "2026-02-01"}, "date_from"),
        ({"sections": ["nonsense"], "date_from": "2026-01-01", "date_to": "2026-02-01"}, "sections"),
    ],
)
def test_bad_choices_are_explained_beside_the_field(client_for, auditor, params, field):
    response = client_for(auditor).post("/audit-pack/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert f'data-field="{field}"' in response.content.decode()
    assert not AuditPack.objects.exists()


@pytest.mark.django_db
def test_a_period_ending_after_today_is_refused_beside_its_end(client_for, auditor):
    """The pack states the registers and what was overdue "as of" its last day: a day to come
    would be stated as fact (an instrument "overdue at 31 Dec" in the first week of December)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(auditor).post(
        "/audit-pack/", period(sections=["capa"], date_to=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert field_error(response, "date_to").startswith("A pack shows what has happened: end the period today")
    assert not AuditPack.objects.exists()


@pytest.mark.django_db
def test_the_form_offers_every_installed_module(client_for, auditor):
    html = client_for(auditor).get("/audit-pack/").content.decode()
    for section in auditpack.sections():
        assert section.title in html


@pytest.mark.django_db
def test_the_form_states_the_longest_period_in_years_as_its_refusal_does(client_for, auditor, settings):
    """The form said "a period of at most 1098 days"; the refusal says years."""
    html = " ".join(client_for(auditor).get("/audit-pack/").content.decode().split())
    assert "a period of at most 3 years;" in html and "1098" not in html
    settings.AUDIT_PACK_MAX_DAYS = 366
    html = " ".join(client_for(auditor).get("/audit-pack/").content.decode().split())
    assert "a period of at most 1 year;" in html


@pytest.mark.django_db
def test_each_section_runs_a_constant_number_of_queries(head, dept, quality_manager):
    today = timezone.localdate()

    def queries(n: int) -> dict[str, int]:
        for i in range(n):
            capa = CapaFactory(owner=head, department=dept)
            capa_services.why_add(capa=capa, by=head, answer=f"Because {i}")
            NonconformityFactory(owner=head, department=dept)
            document = DocumentFactory(owner=head, department=dept)
            issue(document, quality_manager)
        counts = {}
        for section in auditpack.sections():
            with CaptureQueriesContext(connection) as ctx:
                section.build(user=quality_manager, date_from=today - dt.timedelta(days=5), date_to=today)
            counts[section.key] = len(ctx.captured_queries)
        return counts

    assert queries(2) == queries(8)


@pytest.mark.django_db
def test_the_widget_modules_section_shows_its_widgets_as_far_as_the_user_may_see(
    client_for, head, other_staff, widget
):
    other = take_pack(client_for(other_staff), period(sections=["widgets"]))
    assert widget.reference not in pdf_text(other)
    text = pdf_text(take_pack(client_for(head), period(sections=["widgets"])))
    assert widget.reference in text and "Housing H-220" in text and "Created" in text


def test_every_class_the_packs_templates_use_is_styled_by_the_packs_stylesheet():
    """A pack is laid out with its own stylesheet only (no Bootstrap in a PDF): a class a section
    uses that the stylesheet does not define lays its text out unstyled (free text run together,
    a badge as plain words)."""
    import re
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import get_template

    from qms.auditpack.catalogue import sections

    css = (Path(settings.BASE_DIR) / "templates/qms/auditpack.css").read_text()
    defined = set(re.findall(r"\.([a-zA-Z][\w-]*)", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    templates = [s.template for s in sections()]
    assert len(templates) >= 13
    templates += ["qms/auditpack.html", "qms/auditpack_part.html", "qms/auditpack_numbers.html"]
    unstyled = {}
    for name in templates:
        source = get_template(name).template.source
        used = {c for attr in re.findall(r'class="([^"{]*)"', source) for c in attr.split()}
        if used - defined:
            unstyled[name] = sorted(used - defined)
    assert "pre" in defined and not unstyled, unstyled


@pytest.mark.django_db
def test_clauses_held_on_screens_say_where_rather_than_not_covered(head, dept, quality_manager):
    """9.1 is the KPI dashboard's, 5.2 the quality policy's in document control, 7.3 the
    read-and-acknowledge register's: screens, not sections; the contents say where they are.
    5.2 points at a policy only when document control holds an issued one."""
    today = timezone.localdate()

    def contents() -> str:
        pdf, _ = auditpack.pack_build(
            user=quality_manager, keys=["capa"], date_from=today - dt.timedelta(days=30), date_to=today
        )
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
        return next(p for p in pages if "Contents by ISO 9001 clause" in p)

    text = contents()
    assert (
        "9.1 Monitoring, measurement, analysis and evaluation KPI dashboard (screen), not in the pack" in text
    )
    assert "7.3 Awareness Read-and-acknowledge of documents" in text
    assert "5.2 Policy Not covered by the system" in text  # no policy document issued yet
    assert "4.1 Understanding the organization and its context Not covered by the system" in text
    policy = DocumentFactory(
        owner=quality_manager, department=dept, number="QM-001", title="Quality manual", doc_type="policy"
    )
    issue(policy, approver(username="approver"))
    assert "5.2 Policy Quality policy: in document control (QM-001 Quality manual)" in contents()


def test_the_pack_writes_every_date_one_way_and_every_time_another():
    """One PDF printed "22.10.2026", "22 Oct 2026" and "2026-12-06 00:43 CET": a pack's dates read
    "22 Oct 2026" and its times "22 Oct 2026 00:43", local time; a time may add its zone (CET or
    CEST: a year's pack spans both) and a signature's UTC time its seconds."""
    import re

    from django.template.loader import get_template

    from qms.auditpack.catalogue import sections

    names = [s.template for s in sections()] + ["qms/auditpack.html", "qms/auditpack_part.html"]
    allowed = {"j M Y", "j M Y H:i", "j M Y H:i T", "j M Y H:i:s"}
    found = {}
    for name in names:
        source = get_template(name).template.source
        formats = set(re.findall(r"""\|date:["']([^"']*)["']""", source))
        assert "|date }}" not in source and "|time" not in source, name  # the locale's format
        if formats - allowed:
            found[name] = sorted(formats - allowed)
    assert not found, found
