"""Raise from here: an NCR from any record, a CAPA from an NCR, prefilled and linked both ways;
today's "?ncr=" link keeps working."""

import pytest
from django.urls import reverse

from capa.models import Capa, Nonconformity
from qms.selectors import links_of
from tests.capa.conftest import days
from tests.capa.factories import NonconformityFactory
from tests.factories import WidgetFactory

pytestmark = pytest.mark.django_db


def _raise_links(html: str) -> str:
    if 'data-testid="raise-actions"' not in html:
        return ""
    block = html[html.index('data-testid="raise-actions"') :]
    return block[: block.index("</div>")]


def test_an_ncr_offers_both_a_capa_an_ncr_but_a_capa_only_an_ncr(client_for, head, dept, capa):
    client = client_for(head)
    ncr = NonconformityFactory(owner=head, department=dept, title="Burr on bore")  # no CAPA yet
    on_ncr = _raise_links(client.get(ncr.get_absolute_url()).content.decode())
    assert "Raise a CAPA" in on_ncr and "Raise an NCR" in on_ncr
    assert f"from=capa.nonconformity:{ncr.pk}" in on_ncr
    on_capa = _raise_links(client.get(capa.get_absolute_url()).content.decode())
    assert "Raise an NCR" in on_capa and "Raise a CAPA" not in on_capa


def test_an_ncr_a_capa_names_offers_no_second_capa(client_for, head, ncr, capa):
    """A CAPA created from the register naming the NCR (no kernel link) is its CAPA too."""
    capa.nonconformities.add(ncr)
    on_ncr = _raise_links(client_for(head).get(ncr.get_absolute_url()).content.decode())
    assert "Raise an NCR" in on_ncr and "Raise a CAPA" not in on_ncr


def test_any_record_offers_an_ncr_but_not_to_an_auditor(client_for, head, auditor, dept):
    widget = WidgetFactory(owner=head, department=dept, title="Bracket weld")
    assert "Raise an NCR" in _raise_links(client_for(head).get(widget.get_absolute_url()).content.decode())
    assert _raise_links(client_for(auditor).get(widget.get_absolute_url()).content.decode()) == ""


def test_a_capa_raised_from_an_ncr_starts_from_it_and_is_linked_both_ways(client_for, head, dept, ncr):
    client = client_for(head)
    url = reverse("capa:capa_create") + f"?from=capa.nonconformity:{ncr.pk}"
    initial = client.get(url).context["form"].initial
    assert initial["title"] == ncr.title and initial["nonconformities"] == [ncr.pk]
    assert initial["description"] == ncr.description and initial["due_date"] == days(60)
    response = client.post(
        url,
        {
            "title": ncr.title,
            "kind": "corrective",
            "source": ncr.source,
            "severity": ncr.severity,
            "nonconformities": [ncr.pk],
            "description": ncr.description,
            "owner": head.pk,
            "department": dept.pk,
            "due_date": days(60).isoformat(),
        },
    )
    assert response.status_code == 302
    capa = Capa.objects.get()
    assert list(capa.nonconformities.all()) == [ncr]
    assert [link["other"] for link in links_of(capa, head)[0]] == [ncr]
    assert [link["other"] for link in links_of(ncr, head)[0]] == [capa]
    # The NCR has its CAPA: it offers another NCR, not a second CAPA.
    on_ncr = _raise_links(client.get(ncr.get_absolute_url()).content.decode())
    assert "Raise an NCR" in on_ncr and "Raise a CAPA" not in on_ncr


def test_an_ncr_raised_from_a_capa_starts_from_its_title(client_for, head, dept, capa):
    client = client_for(head)
    url = reverse("capa:nonconformity_create") + f"?from=capa.capa:{capa.pk}"
    initial = client.get(url).context["form"].initial
    assert initial["title"] == capa.title and capa.reference in initial["description"]
    response = client.post(
        url,
        {
            "title": "Same bore on the spare parts lot",
            "source": "internal",
            "severity": "minor",
            "description": initial["description"],
            "owner": head.pk,
            "department": dept.pk,
        },
    )
    assert response.status_code == 302
    raised = Nonconformity.objects.exclude(pk__in=capa.nonconformities.all()).get()
    assert [link["other"] for link in links_of(raised, head)[0]] == [capa]


def test_the_ncr_link_of_today_still_prefills(client_for, head, ncr):
    initial = client_for(head).get(reverse("capa:capa_create") + f"?ncr={ncr.pk}").context["form"].initial
    assert initial["title"] == ncr.title and initial["nonconformities"] == [ncr.pk]
