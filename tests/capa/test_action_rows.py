"""The CAPA page's actions table is written in Python (``capa.templatetags.capa.action_rows``):
for every kind of row and every reader, exactly what the template's loop wrote."""

import datetime as dt
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from capa import services
from capa.models import Action
from capa.selectors import capa_page
from capa.templatetags.capa import action_rows
from tests.helpers import body

pytestmark = pytest.mark.django_db

# The loop ``capa/capa_detail.html`` wrote the rows with before.
TEMPLATE_LOOP = Template((Path(__file__).parent / "action_rows_loop.html").read_text())


@pytest.fixture
def actions(capa_in_actions, head, staff, other_staff):
    """Open, in progress, late, done (evidence of two lines with markup, done late at night: the
    day is the local one) and cancelled actions, owned by different people."""
    capa = capa_in_actions
    today = timezone.localdate()
    titles = ["Audit <the> supplier & sign", "Re-train 'setters'", "Update the control plan", "Scrap it"]
    for title, owner in zip(titles, [head, staff, other_staff, head], strict=True):
        due = today + dt.timedelta(days=5)
        services.action_add(capa=capa, by=head, kind="preventive", title=title, owner=owner, due_date=due)
    rows = list(Action.objects.filter(capa=capa).order_by("number"))
    Action.objects.filter(pk=rows[1].pk).update(status="in_progress", due_date=today - dt.timedelta(days=3))
    Action.objects.filter(pk=rows[2].pk).update(
        status="done",
        evidence='Control plan rev "D"\nissued <2026-11-30>',
        completed_at=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=2), dt.time(23, 30))),
        due_date=today - dt.timedelta(days=9),
    )
    Action.objects.filter(pk=rows[4].pk).update(status="cancelled")
    return capa


@pytest.mark.parametrize("reader", ["head", "staff", "other_staff", "quality_manager", "auditor"])
def test_the_actions_table_is_what_the_template_wrote(actions, reader, request):
    user = request.getfixturevalue(reader)
    shown = capa_page(user, actions)["actions"]
    assert len(shown) == 5
    written = action_rows(shown, actions)
    expected = TEMPLATE_LOOP.render(Context({"actions": shown, "record": actions}))
    assert written.split() == expected.split()
    assert "Audit &lt;the&gt; supplier &amp; sign" in written
    assert "issued &lt;2026-11-30&gt;" in written and "<br>" in written
    assert written.count("(overdue)") == 1  # late and open; the done one is not
    if reader in ("head", "quality_manager"):  # who may change the CAPA updates every action
        assert written.count(">Update</a>") == 5
    elif reader == "auditor":
        assert ">Update</a>" not in written


def test_the_page_shows_the_rows(client_for, head, actions):
    html = body(client_for(head).get(actions.get_absolute_url()))
    assert html.count('data-testid="action-A') == 5
    assert "No actions yet." not in html


def test_a_capa_without_actions_says_so(client_for, head, capa):
    html = body(client_for(head).get(capa.get_absolute_url()))
    assert "No actions yet." in html and 'data-testid="action-A' not in html
