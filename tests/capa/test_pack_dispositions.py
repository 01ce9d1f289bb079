"""The audit pack's 8.7 (control of nonconforming outputs) lists the period's NCRs with the
disposition of the product and who decided it, as far as the reader may see them; the
inspections' 8.7 section beside it says which other sections the clause has."""

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from capa import services
from qms import auditpack
from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db


def pack_text(user, keys: list[str]) -> str:
    today = timezone.localdate()
    pdf, _ = auditpack.pack_build(
        user=user, keys=keys, date_from=today - dt.timedelta(days=30), date_to=today
    )
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_8_7_section_lists_the_periods_ncrs_with_their_disposition(
    quality_manager, head, dept, other_head, other_dept
):
    scrapped = NonconformityFactory(owner=other_head, department=other_dept, title="Bores oversize")
    services.ncr_disposition(ncr=scrapped, by=other_head, disposition="scrap", note="Bores cannot be saved")
    open_ncr = NonconformityFactory(owner=other_head, department=other_dept, title="Burr on bracket")
    elsewhere = NonconformityFactory(owner=head, department=dept, title="Gauge R&R failed")
    section = next(s for s in auditpack.sections() if s.clause == "8.7" and s.key == "dispositions")
    today = timezone.localdate()
    html = " ".join(
        render_to_string(
            section.template,
            section.build(user=other_head, date_from=today - dt.timedelta(days=30), date_to=today),
        ).split()
    )
    assert "3 NCRs" not in html and "2 NCRs" in html
    assert scrapped.reference in html and open_ncr.reference in html
    assert elsewhere.reference not in html  # another department's NCR: not on the head's screens
    assert f"Scrap, decided by {other_head} on" in html and "Bores cannot be saved" in html
    assert "Not yet decided" in html

    text = pack_text(quality_manager, ["dispositions", "nonconforming"])
    for ncr in (scrapped, open_ncr, elsewhere):
        assert ncr.reference in text
    # The contents list both sections under 8.7, and each part names the other.
    assert "Nonconforming outputs: NCRs and their disposition" in text
    assert "Also under 8.7: Control of nonconforming outputs (in this pack)" in text


def test_an_8_7_part_says_where_the_rest_of_the_clause_is_when_not_chosen(quality_manager):
    text = pack_text(quality_manager, ["nonconforming"])
    assert (
        "Also under 8.7: Nonconforming outputs: NCRs and their disposition "
        "(in the system, not chosen for this pack)" in text
    )
