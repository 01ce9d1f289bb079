"""The CAPA page folds by stage (issue #11, item 6): the sections of the stage the CAPA is in are
open, the others fold; the 8D section only where an 8D is required; every step has its own reason
box and destructive buttons come last and ask first."""

import re

import pytest
from django.urls import reverse

from tests.helpers import body

pytestmark = pytest.mark.django_db


def opened(html: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r'data-testid="stage-([a-z0-9]+)"( open)?', html) if m.group(2)}


def stages(html: str) -> set[str]:
    return set(re.findall(r'data-testid="stage-([a-z0-9]+)"', html))


def test_only_the_current_stage_is_open(client_for, head, capa, capa_in_actions):
    html = body(client_for(head).get(capa_in_actions.get_absolute_url()))
    assert opened(html) == {"actions"}
    assert {"containment", "analysis", "actions", "effectiveness"} <= stages(html)


def test_containment_is_open_while_containing(client_for, head, capa):
    html = body(client_for(head).get(capa.get_absolute_url()))
    assert opened(html) == {"containment"}


def test_the_8d_section_is_shown_only_when_an_8d_is_required(client_for, head, capa):
    assert "8d" not in stages(body(client_for(head).get(capa.get_absolute_url())))
    type(capa).objects.filter(pk=capa.pk).update(eight_d=True)
    assert "8d" in stages(body(client_for(head).get(capa.get_absolute_url())))


def test_a_form_with_errors_opens_its_folded_section(client_for, head, capa_in_actions):
    response = client_for(head).post(
        reverse("capa:containment_add", args=[capa_in_actions.pk]), {"containment-description": ""}
    )
    assert response.status_code == 400
    assert "containment" in opened(body(response))


def test_each_step_has_its_own_reason_box(client_for, head, capa):
    html = body(client_for(head).get(capa.get_absolute_url()))
    steps = re.findall(r'data-testid="step-([a-z_]+)"', html)
    assert steps and all(f'id="reason-{s}"' in html for s in steps)


def test_make_obsolete_comes_last_and_asks_first(client_for, quality_manager, dept, head):
    from tests.documents.factories import DocumentFactory, approver, issue

    document = DocumentFactory(owner=head, department=dept)
    issue(document, approver(username="approver"))
    html = body(client_for(head).get(document.get_absolute_url()))
    steps = re.findall(r'data-testid="step-([a-z_]+)"', html)
    assert steps[-1] == "make_obsolete"
    button = html.split('data-testid="step-make_obsolete"')[1].split("</form>")[0]
    assert 'data-confirm="Make this document obsolete?' in button
    assert "required" in button  # its reason is required, in its own box


def test_hashes_are_for_the_quality_manager_and_auditors_not_staff(
    client_for, head, staff, quality_manager, auditor, capa
):
    """Issue #11, item 7: a file's SHA-256 is shown to those who verify it, not on the shop floor."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qms.services import attachment_add
    from tests.uploads import pdf_bytes

    attachment_add(record=capa, upload=SimpleUploadedFile("report.pdf", pdf_bytes()), by=head)
    url = capa.get_absolute_url() + "?tab=attachments"
    assert "SHA-256" not in body(client_for(head).get(url))
    for reader in (quality_manager, auditor):
        assert "SHA-256" in body(client_for(reader).get(url))


def test_an_auditor_reads_every_section_open(client_for, auditor, capa):
    html = body(client_for(auditor).get(capa.get_absolute_url()))
    assert opened(html) == {"containment", "analysis", "actions", "effectiveness"}


def test_the_action_form_sent_back_with_errors_is_what_the_template_wrote(capa_in_actions, head):
    """The CAPA page's forms are written in Python (``qms.formhtml.form_html``): a module's form
    with its errors as the template and Django's widgets wrote it."""
    from django.test.html import parse_html

    from capa.forms.rows import ActionForm
    from qms.formhtml import form_html
    from tests.qms.test_form_html import as_django_wrote_it

    form = ActionForm({"action-title": "", "action-due_date": "soon"}, parent=capa_in_actions, user=head)
    assert not form.is_valid()
    written = str(form_html(form))
    assert parse_html(written) == parse_html(as_django_wrote_it(form))
    assert written.count("invalid-feedback d-block") >= 2
