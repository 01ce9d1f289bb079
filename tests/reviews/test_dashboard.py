"""The KPI dashboard (9.1.3): objectives against target, due and overdue items by department and
module with every number opening the items behind it, and the twelve-month trend of every
registered measure — the company's for top management and the quality manager, a head's own
department's for the head; a constant number of queries however much data there is."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms.models import Role
from qms.views.due import due_url
from reviews import services
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.factories import UserFactory
from tests.reviews.conftest import days
from tests.reviews.factories import last_month, make_objective

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(head, other_head, dept, other_dept):
    mine = make_objective(owner=head, title="QC: scrap at most 2 %", target=Decimal("2"), better="lower")
    services.objective_value_enter(objective=mine, by=head, month=last_month(), value=Decimal("3.5"))
    theirs = make_objective(
        owner=other_head, title="Production: on-time delivery 98 %", measure_key="capa.ncrs"
    )
    ncr = NonconformityFactory(owner=other_head, due_date=days(-2))
    return {"mine": mine, "theirs": theirs, "ncr": ncr}


def test_top_management_sees_the_whole_company(client_for, data, other_dept):
    top = UserFactory(role=Role.TOP_MANAGEMENT, department=None)
    page = client_for(top).get("/reviews/").content.decode()
    assert "the whole company" in page
    assert "QC: scrap at most 2 %" in page and "Production: on-time delivery 98 %" in page
    assert 'data-testid="trend-capa.ncrs"' in page and 'data-testid="trend-documents.ack_on_time"' in page
    # The NCR overdue in production: its number opens the items behind it.
    link = due_url(department=other_dept.pk, module="CAPA", state="overdue").replace("&", "&amp;")
    assert f'href="{link}" title="Overdue">1<' in page
    assert "At risk" in page  # scrap 3.5 % against at most 2 %
    # The chart beside the table is headed, and drawn at the size of its third of the page.
    chart = page[page.index('<h3 class="h6 mt-3 mt-xl-0">Overdue items by module</h3>') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 ' in chart[:300]


def test_a_head_sees_their_departments_objectives_and_items(client_for, head, data, dept, other_dept):
    page = client_for(head).get("/reviews/").content.decode()
    assert "QC: scrap at most 2 %" in page
    assert "Production: on-time delivery 98 %" not in page
    assert due_url(department=other_dept.pk, module="CAPA", state="overdue").replace("&", "&amp;") not in page
    assert "your department" in page  # the trends of measures counted by department


def test_staff_of_no_department_get_no_departments_figures_for_the_company(client_for, data):
    """A department's measures (NCRs, documents acknowledged) would be the company's for someone
    in no department, and open registers they may not read: they are left out, the others stay."""
    nobody = UserFactory(role=Role.STAFF, department=None)
    page = client_for(nobody).get("/reviews/").content.decode()
    assert 'data-testid="trend-capa.ncrs"' not in page
    assert 'data-testid="trend-documents.ack_on_time"' not in page
    assert 'data-testid="trend-suppliers.scars_late"' in page  # a supplier's measure: read by all


def test_an_auditor_reads_the_dashboard(client_for, auditor, data):
    assert client_for(auditor).get("/reviews/").status_code == 200


def test_the_dashboard_runs_the_same_queries_with_more_data(client_for, quality_manager, head, other_head):
    client = client_for(quality_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reviews/").status_code == 200
        return len(ctx.captured_queries)

    make_objective(owner=head, measure_key="capa.ncrs")
    entered = make_objective(owner=head)
    services.objective_value_enter(objective=entered, by=head, month=last_month(), value=Decimal(1))
    NonconformityFactory(owner=head, due_date=days(-1))
    small = queries()
    for n in range(8):
        o = make_objective(owner=other_head if n % 2 else head, measure_key="capa.ncrs" if n % 2 else "")
        if o.is_entered:
            services.objective_value_enter(objective=o, by=o.owner, month=last_month(), value=Decimal(n))
        NonconformityFactory(owner=head, due_date=days(-n))
        CapaFactory(owner=other_head)
    assert queries() == small


def test_the_dashboard_reads_each_statement_once(client_for, quality_manager, data):
    """Two measures of one series (the NCRs raised, shown by cause and by department) read it once."""
    with CaptureQueriesContext(connection) as ctx:
        page = client_for(quality_manager).get("/reviews/").content.decode()
    assert 'data-testid="trend-capa.ncrs"' in page and 'data-testid="trend-capa.ncrs_by_department"' in page
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not {sql for sql in statements if statements.count(sql) > 1}
