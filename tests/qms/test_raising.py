"""Raise from here: a record offers to raise another from it, prefilled and linked both ways."""

import pytest
from django.test import override_settings

from qms.selectors import links_of
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget

pytestmark = pytest.mark.django_db

RAISE = "/kernel/widgets/new/?from=kernelapp.widget:{}"


def test_the_widget_page_offers_to_raise_a_follow_up(client_for, head, staff, widget):
    html = client_for(head).get(widget.get_absolute_url()).content.decode()
    assert f'href="{RAISE.format(widget.pk)}"' in html and "Raise a follow-up widget" in html
    # Only to someone who may create widgets.
    assert "Raise a follow-up widget" not in client_for(staff).get(widget.get_absolute_url()).content.decode()


def test_the_new_widget_is_prefilled_from_the_source(client_for, head, widget):
    response = client_for(head).get(RAISE.format(widget.pk))
    html = response.content.decode()
    assert f"New widget from {widget.reference}" in html
    assert f'value="Follow-up of {widget.reference}"' in html


def test_the_raised_widget_is_linked_to_its_source_and_both_show_it(client_for, head, staff, widget):
    data = {"title": "Follow-up", "owner": staff.pk, "department": widget.department_id}
    response = client_for(head).post(RAISE.format(widget.pk), data)
    raised = Widget.objects.exclude(pk=widget.pk).get()
    assert response.status_code == 302 and response["Location"] == raised.get_absolute_url()
    (link,), _ = links_of(raised, head)
    assert link["other"] == widget and link["link"].note == "Raised from here"
    assert [entry["other"] for entry in links_of(widget, head)[0]] == [raised]


@override_settings(STEWARDS={"kernelapp.widget": ["QC"]})
def test_staff_raise_a_widget_for_a_colleague_without_rights_on_either(client_for, staff, head, widget):
    # A steward member may create widgets but change neither the source nor one owned by the head.
    data = {"title": "For my head", "owner": head.pk, "department": widget.department_id}
    response = client_for(staff).post(RAISE.format(widget.pk), data)
    assert response.status_code == 302
    raised = Widget.objects.get(title="For my head")
    assert [entry["other"] for entry in links_of(raised, staff)[0]] == [widget]


def test_a_source_out_of_sight_is_ignored(client_for, head, other_staff):
    hidden = WidgetFactory(owner=other_staff, title="Hidden")
    html = client_for(head).get(RAISE.format(hidden.pk)).content.decode()
    assert "Hidden" not in html and "New widget</h1>" in html
    data = {"title": "Plain", "owner": head.pk, "department": head.department_id}
    client_for(head).post(RAISE.format(hidden.pk), data)
    assert links_of(Widget.objects.get(title="Plain"), head) == ([], 0)


@pytest.mark.parametrize(
    "value", ["kernelapp.widget:x", "qms.process:1", "nonsense", "kernelapp.widget:99999999"]
)
def test_a_malformed_source_is_ignored(client_for, head, value):
    response = client_for(head).get(f"/kernel/widgets/new/?from={value}")
    assert response.status_code == 200 and "New widget</h1>" in response.content.decode()
