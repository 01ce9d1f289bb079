"""Once a CAPA is in verification its analysis stands as its actions were verified against: the
whys, the fishbone, the root cause and the NCRs it deals with. Before, the plan was frozen but the
cause was not: a root cause rewritten after the actions were verified left the verifier judging
a fix for a cause nobody had analysed. Each change is refused (beside its field where it has
one), nothing changes, and the page offers no form; "Back to actions" (with a reason) reopens it."""

import pytest
from django.urls import reverse

from capa import services
from capa.models import Capa, FishboneCause, Why
from qms.services import record_transition
from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db


def frozen(capa: Capa) -> str:
    return (
        f"{capa.reference} is in verification: its analysis and its NCRs stay as they were "
        "verified. To change them, move the CAPA back to actions (with a reason)."
    )


def analysed(capa: Capa) -> tuple:
    capa.refresh_from_db()
    return (
        capa.root_cause,
        capa.cause_category,
        list(capa.whys.values_list("number", "answer")),
        list(capa.causes.values_list("category", "description", "is_root_cause")),
        sorted(capa.nonconformities.values_list("pk", flat=True)),
        capa.history.count(),
    )


@pytest.fixture
def verified(capa_in_verification, head):
    # Recorded during the investigation.
    why = capa_in_verification.whys.order_by("number").first()
    cause = capa_in_verification.causes.first() or FishboneCause.objects.create(
        capa=capa_in_verification, category="material", description="Softer bar stock", is_root_cause=True
    )
    return capa_in_verification, why, cause


def test_the_page_offers_no_analysis_form_and_says_why(client_for, head, verified):
    capa, why, cause = verified
    page = client_for(head).get(capa.get_absolute_url()).content.decode()
    assert frozen(capa) in page and 'data-testid="analysis-frozen"' in page
    for form in ("why-form", "cause-form", "root-cause-form"):
        assert f'data-testid="{form}"' not in page, form
    assert reverse("capa:why_edit", args=[capa.pk, why.pk]) not in page
    assert reverse("capa:cause_edit", args=[capa.pk, cause.pk]) not in page


def test_whys_causes_and_the_root_cause_are_refused_and_nothing_changes(client_for, head, verified):
    capa, why, cause = verified
    before = analysed(capa)
    client = client_for(head)
    posts = [
        (reverse("capa:why_add", args=[capa.pk]), {"why-answer": "Nobody checked the certificate."}),
        (reverse("capa:why_edit", args=[capa.pk, why.pk]), {"why-answer": "Rewritten afterwards."}),
        (reverse("capa:cause_add", args=[capa.pk]), {"cause-category": "method", "cause-description": "X"}),
        (
            reverse("capa:cause_edit", args=[capa.pk, cause.pk]),
            {"cause-category": "method", "cause-description": "Rewritten", "cause-is_root_cause": "on"},
        ),
        (
            reverse("capa:capa_root_cause", args=[capa.pk]),
            {"rootcause-root_cause": "Something else entirely", "rootcause-cause_category": "man"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code in (200, 400, 403), url
        assert analysed(capa) == before, url


def test_the_ncrs_of_a_verified_capa_are_kept_and_its_other_fields_still_edited(client_for, head, verified):
    capa, _, _ = verified
    other = NonconformityFactory(owner=head, department=capa.department, title="Another bore")
    before = analysed(capa)
    url = reverse("capa:capa_update", args=[capa.pk])
    form = client_for(head).get(url)
    assert form.context["form"].fields["nonconformities"].disabled
    assert frozen(capa) in form.content.decode()
    data = {
        "title": "Bore oversize on shipped lot (customer 8D)",
        "kind": capa.kind,
        "source": capa.source,
        "severity": capa.severity,
        "nonconformities": [other.pk],  # a disabled field's value is not read
        "description": capa.description,
        "customer": capa.customer,
        "owner": capa.owner_id,
        "department": capa.department_id,
        "due_date": capa.due_date.isoformat(),
        "reason": "Customer's wording",
    }
    assert client_for(head).post(url, data).status_code == 302
    capa.refresh_from_db()
    assert capa.title == "Bore oversize on shipped lot (customer 8D)"
    assert analysed(capa)[4] == before[4]
    # Through the service, the NCRs are refused beside their field.
    with pytest.raises(Exception) as refused:
        services.capa_update(capa=capa, by=head, reason="x", nonconformities=[other])
    assert frozen(capa) in str(refused.value)


def test_back_to_actions_opens_the_analysis_again(head, verified):
    capa, why, _ = verified
    record_transition(record=capa, name="back_to_actions", by=head, reason="The cause was wrong")
    capa.refresh_from_db()
    services.capa_root_cause_set(
        capa=capa, by=head, root_cause="Softer bar stock, unannounced", cause_category="material"
    )
    services.why_update(why=Why.objects.get(pk=why.pk), by=head, answer="Unannounced substitution.")
    capa.refresh_from_db()
    assert capa.root_cause == "Softer bar stock, unannounced"
