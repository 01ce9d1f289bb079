"""The 8D report, the registers (filters, aging, CSV, constant queries) and the analysis charts."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from capa import services
from capa.models import Capa, Nonconformity
from tests.capa.conftest import days
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.factories import PASSWORD
from tests.helpers import body

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_8d_report_contains_root_cause_actions_and_signatures(
    client_for, head, staff, closed_capa, quality_manager
):
    check = closed_capa.checks.get()
    services.effectiveness_check_record(
        check=check,
        by=quality_manager,
        result="effective",
        notes="0 rejects",
        password=PASSWORD,
        early_reason="Ten lots made already",
    )
    response = client_for(head).get(reverse("capa:capa_8d", args=[closed_capa.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{closed_capa.reference.lower()}-8d.pdf" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    assert f"8D report — {closed_capa.reference}" in text
    for discipline in (
        "D1 Team",
        "D2 Problem description",
        "D3 Interim containment",
        "D4 Root cause",
        "D8 Closure",
    ):
        assert discipline in text
    assert "Unevaluated supplier material change." in text
    assert "The supplier substituted the bar stock grade." in text  # the why
    assert "Require change notices from suppliers" in text  # the action table
    assert "Purchase conditions rev 4 issued." in text  # its evidence
    assert f"Closed by {head}" in text
    assert str(quality_manager) in text  # effectiveness verified by
    assert "Kessler Antriebstechnik" in text


def test_8d_discipline_text_goes_into_the_report(client_for, head, capa):
    services.discipline_set(
        capa=capa, by=head, discipline="D1", text="Sofia Klein (QC), Markus Weber (purchasing)"
    )
    text = " ".join(pdf_text(client_for(head).get(reverse("capa:capa_8d", args=[capa.pk])).content).split())
    assert "Markus Weber (purchasing)" in text


def test_the_8d_lists_the_records_linked_to_the_capa_as_its_reader_may_read_them(
    client_for, head, other_head, capa
):
    """A CAPA linked to the supplier change, the drawing and the gauge behind it: its 8D named
    none of them. Another department's record is counted, not named."""
    from qms.services import link_on_behalf

    mine = NonconformityFactory(owner=head, title="Bar stock substituted by the mill")
    theirs = NonconformityFactory(owner=other_head, title="Furnace log gap")
    link_on_behalf(source=capa, target=mine, by=head, note="The material that failed")
    link_on_behalf(source=theirs, target=capa, by=other_head, note="Same week")
    text = " ".join(pdf_text(client_for(head).get(reverse("capa:capa_8d", args=[capa.pk])).content).split())
    assert "Records linked to this CAPA" in text
    assert f"{mine.reference} Bar stock substituted by the mill The material that failed" in text
    assert theirs.reference not in text and "Furnace log gap" not in text
    assert f"1 more outside {head}’s view" in text


def _make_rows(n: int, owner, dept) -> None:
    for i in range(n):
        ncr = NonconformityFactory(owner=owner, department=dept, due_date=days(-1 if i % 2 else 5))
        capa = CapaFactory(owner=owner, department=dept)
        capa.nonconformities.add(ncr)
        services.action_add(
            capa=capa, by=owner, kind="corrective", title="Fix", owner=owner, due_date=days(3)
        )


REGISTER_URLS = [
    (url_name, query)
    for url_name in ("capa:capa_list", "capa:nonconformity_list")
    for query in ("", "?status=_open&overdue=no", "?format=csv")
]


def test_register_query_count_is_constant(client_for, head, dept, monkeypatch):
    """Both registers, plain, filtered and exported, read the same rows (built once per size).
    Pages of three, so that both sizes run past the first page (a register of one page counts
    its rows without a COUNT: tests/qms/test_paging.py)."""
    from capa.views.registers import CapaListView, NonconformityListView

    for view in (CapaListView, NonconformityListView):
        monkeypatch.setattr(view, "paginate_by", 3)
    client = client_for(head)

    def count(url_name: str, query: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name) + query)
            assert response.status_code == 200
            if query == "?format=csv":
                body(response)  # consume the export
        return len(ctx.captured_queries)

    _make_rows(10, head, dept)
    at_10 = {url: count(*url) for url in REGISTER_URLS}
    _make_rows(90, head, dept)
    at_100 = {url: count(*url) for url in REGISTER_URLS}
    assert at_10 == at_100


def test_register_filters(client_for, head, dept, other_head, other_dept):
    overdue = CapaFactory(owner=head, department=dept, title="Overdue one", due_date=days(-3))
    later = CapaFactory(owner=head, department=dept, title="Later one", source="supplier", severity="minor")
    client = client_for(head)
    html = client.get(reverse("capa:capa_list") + "?overdue=yes").content.decode()
    assert overdue.reference in html and later.reference not in html
    html = client.get(reverse("capa:capa_list") + "?source=supplier").content.decode()
    assert later.reference in html and overdue.reference not in html
    html = client.get(
        reverse("capa:capa_list") + f"?owner={head.pk}&department={dept.pk}&status=open"
    ).content.decode()
    assert later.reference in html and overdue.reference in html
    html = client.get(reverse("capa:capa_list") + "?status=closed").content.decode()
    assert later.reference not in html


@pytest.mark.parametrize(
    "query",
    ["?status=nonsense", "?department=abc", "?owner=999999", "?overdue=maybe", "?severity=%00", "?page=x"],
)
def test_bad_filter_values_give_a_message_not_an_error(client_for, head, query):
    response = client_for(head).get(reverse("capa:capa_list") + query)
    assert response.status_code in (200, 404)
    if response.status_code == 200 and "page" not in query:
        assert "invalid-feedback" in response.content.decode()


def local_noon(days_ago: int) -> dt.datetime:
    """Noon, local time, ``days_ago`` days before today. Its date is the same whatever the hour
    the test runs at and whatever change of summer time lies between: 40 × 24 hours before 23:15
    on 1 December is 00:15 on 23 October (summer time), 39 days before by the calendar."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_register_shows_aging_and_exports_csv(client_for, head, dept):
    capa = CapaFactory(owner=head, department=dept, title="=HYPERLINK(evil)")
    Capa.objects.filter(pk=capa.pk).update(created_at=local_noon(40))
    response = client_for(head).get(reverse("capa:capa_list") + "?format=csv")
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[0][-1] == "Age (days)" and "Open actions" in rows[0]
    row = next(r for r in rows if r[0] == capa.reference)
    assert row[-1] == "40"
    assert row[1] == "'=HYPERLINK(evil)"  # spreadsheet formulas neutralised


def test_ncr_register_ages_open_ncrs_to_today_and_closed_ones_to_their_closing(client_for, head, dept):
    open_one = NonconformityFactory(owner=head, department=dept, title="Open one")
    closed = NonconformityFactory(owner=head, department=dept, title="Closed one")
    Nonconformity.objects.filter(pk=open_one.pk).update(created_at=local_noon(12))
    Nonconformity.objects.filter(pk=closed.pk).update(
        created_at=local_noon(30), closed_at=local_noon(9), status="closed"
    )
    client = client_for(head)
    with CaptureQueriesContext(connection) as export:
        rows = list(
            csv.reader(io.StringIO(body(client.get(reverse("capa:nonconformity_list") + "?format=csv"))))
        )
    ages = {r[0]: r[-1] for r in rows[1:]}
    assert rows[0][-1] == "Age (days)"
    assert ages == {open_one.reference: "12", closed.reference: "21"}
    # Read as plain values, not record by record: the names of owners and departments once each.
    assert len(export.captured_queries) < 10
    page = client.get(reverse("capa:nonconformity_list")).content.decode()
    assert ">12<" in page and ">21<" in page


def test_analysis_charts_are_inline_svg(client_for, head, dept):
    for cause, source in [("material", "customer"), ("material", "supplier"), ("method", "customer")]:
        NonconformityFactory(owner=head, department=dept, cause_category=cause, source=source)
    NonconformityFactory(owner=head, department=dept)
    CapaFactory(owner=head, department=dept)
    response = client_for(head).get(reverse("capa:analysis"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 3
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "//cdn" not in html.lower() and "cdn." not in html.lower()  # (a CSRF token may spell "cdn")
    assert "Material" in html and "Not yet classified" in html
    assert "Customer complaint" in html
    assert "% cumulative" in html


def test_analysis_period_is_validated(client_for, head):
    response = client_for(head).get(reverse("capa:analysis") + "?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 400
    assert "The period must end after it starts." in response.content.decode()
    response = client_for(head).get(reverse("capa:analysis") + "?date_from=notadate")
    assert response.status_code == 400
    assert 'data-field="date_from"' in response.content.decode()


def test_analysis_counts_only_what_the_user_may_see(client_for, head, dept, other_head, other_dept):
    NonconformityFactory(owner=other_head, department=other_dept, source="audit")
    html = client_for(head).get(reverse("capa:analysis")).content.decode()
    assert "Internal audit" not in html
    assert Nonconformity.objects.count() == 1


def test_pareto_tables_follow_the_bars_with_the_cumulative_share(client_for, head, dept):
    for cause in ["method", "method", "material", "measurement"]:
        NonconformityFactory(owner=head, department=dept, cause_category=cause)
    NonconformityFactory(owner=head, department=dept)  # not yet classified
    response = client_for(head).get(reverse("capa:analysis"))
    html = response.content.decode()
    table = html[html.index('data-testid="pareto-cause"') :]
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    cells = [tuple(re.sub(r"<[^>]*>", "", cell) for cell in r) for r in rows]
    # Largest first, ties by name, as the bars; the last row reaches 100 %.
    assert cells == [
        ("Method", "2", "40%"),
        ("Material", "1", "60%"),
        ("Measurement", "1", "80%"),
        ("Not yet classified", "1", "100%"),
    ]


def test_every_count_of_the_analysis_opens_the_records_behind_it(client_for, head, dept):
    """A bar's count, a source's and an age band's open the register narrowed as they were
    counted: the same records, and only them."""
    method = NonconformityFactory(owner=head, department=dept, cause_category="method", title="Wrong set-up")
    NonconformityFactory(owner=head, department=dept, cause_category="material", title="Soft bar stock")
    unclassified = NonconformityFactory(owner=head, department=dept, title="Burr on bore")
    young = CapaFactory(owner=head, department=dept, title="Young CAPA")
    old = CapaFactory(owner=head, department=dept, title="Old CAPA")
    Capa.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    client = client_for(head)
    html = client.get(reverse("capa:analysis")).content.decode()

    def listed(label: str, section: str) -> str:
        part = html[html.index(f'data-testid="{section}"') :]
        row = part[part.index(f'<th scope="row">{label}</th>') :]
        address = re.search(r'href="([^"]+)"', row)[1].replace("&amp;", "&")
        return client.get(address).content.decode()

    page = listed("Method", "pareto-cause")
    assert method.reference in page and "Soft bar stock" not in page and "Burr on bore" not in page
    page = listed("Not yet classified", "pareto-cause")
    assert unclassified.reference in page and "Wrong set-up" not in page
    page = listed("91–180", "aging")
    assert old.reference in page and young.reference not in page
    page = listed("0–30 days", "aging")
    assert young.reference in page and old.reference not in page


def test_8d_report_shows_only_the_ncrs_the_reader_may_see(client_for, head, dept, other_staff):
    """A machinist from production owns a containment action on a QC CAPA: they read the CAPA and
    its 8D report, not the QC department's NCR behind it."""
    ncr = NonconformityFactory(
        owner=head, department=dept, title="Porosity in casting C-77", part="Pump casing PC-9", lot="L-5521"
    )
    capa = services.capa_create(
        by=head,
        nonconformities=[ncr],
        title="Casting defects",
        description="Rejects at machining.",
        owner=head,
        department=dept,
        due_date=days(30),
    )
    services.containment_add(
        capa=capa, by=head, description="Check castings at cell 2", owner=other_staff, due_date=days(3)
    )
    response = client_for(other_staff).get(reverse("capa:capa_8d", args=[capa.pk]))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "Check castings at cell 2" in text and capa.reference in text
    for secret in (ncr.reference, "Porosity in casting C-77", "Pump casing PC-9", "L-5521"):
        assert secret not in text
    # The head of QC reads them all.
    text = " ".join(pdf_text(client_for(head).get(reverse("capa:capa_8d", args=[capa.pk])).content).split())
    assert "Porosity in casting C-77" in text and "L-5521" in text


def test_register_counts_open_actions_for_the_rows_shown_and_pages_with_a_plain_count(
    client_for, head, dept, staff, monkeypatch
):
    capa = CapaFactory(owner=head, department=dept, title="Four actions")
    actions = [
        services.action_add(
            capa=capa, by=head, kind="corrective", title=f"A{i}", owner=staff, due_date=days(5)
        )
        for i in range(4)
    ]
    services.action_update(action=actions[1], by=staff, status="in_progress")
    services.action_update(action=actions[2], by=staff, status="done", evidence="Done.")
    services.action_update(action=actions[3], by=head, status="cancelled", reason="Not needed.")
    CapaFactory(owner=head, department=dept, title="No actions")
    client = client_for(head)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("capa:capa_list"))
        assert response.status_code == 200
    rows = {record.title: cells for record, cells in response.context["rows"]}
    column = [label for _, label in response.context["columns"]].index("Open actions")
    assert rows["Four actions"][column] == 2 and rows["No actions"][column] == 0
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any("GROUP BY" in q for q in sql if "capa_action" in q)
    # Pages of one, so that the register is counted (a page holding every row is its own count).
    from capa.views.registers import CapaListView

    monkeypatch.setattr(CapaListView, "paginate_by", 1)
    with CaptureQueriesContext(connection) as ctx:
        assert "2 in all" in client.get(reverse("capa:capa_list")).content.decode()
    pager = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"] and '"capa_capa"' in q["sql"]]
    assert pager and not any("open_actions" in q or "GROUP BY" in q for q in pager)


def test_analysis_covers_up_to_ten_years_of_the_archive(client_for, head):
    today = timezone.localdate()
    eight_years = f"?date_from={today.year - 8}-01-01&date_to={today.isoformat()}"
    assert client_for(head).get(reverse("capa:analysis") + eight_years).status_code == 200
    eleven_years = f"?date_from={today.year - 11}-01-01&date_to={today.isoformat()}"
    response = client_for(head).get(reverse("capa:analysis") + eleven_years)
    assert response.status_code == 400
    assert "Choose a period of at most 10 year(s)." in response.content.decode()


@pytest.mark.parametrize(
    "url_name, factory", [("capa:nonconformity_list", NonconformityFactory), ("capa:capa_list", CapaFactory)]
)
def test_the_registers_mark_a_row_past_its_due_date_and_not_closed_as_overdue(
    client_for, head, dept, url_name, factory
):
    factory(owner=head, department=dept, title="Late one", due_date=days(-3))
    done = factory(owner=head, department=dept, title="Done one", due_date=days(-3))
    factory._meta.model.objects.filter(pk=done.pk).update(status="closed")
    factory(owner=head, department=dept, title="Due later", due_date=days(3))
    page = client_for(head).get(reverse(url_name)).content.decode()
    rows = {
        title: row
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        for title in ("Late one", "Done one", "Due later")
        if title in row
    }
    assert (
        f'class="text-danger fw-semibold">{days(-3).day} {days(-3):%b %Y} · overdue</td>' in rows["Late one"]
    )
    assert "overdue" not in rows["Done one"] and "overdue" not in rows["Due later"]


def test_a_records_page_counts_its_age_in_the_same_local_days_as_the_register(client_for, head, dept):
    """Opened at half past midnight, local time (the evening before in UTC): its page said 10 days
    while the register and the CSV said 11."""
    capa = CapaFactory(owner=head, department=dept, title="Opened after midnight")
    ncr = NonconformityFactory(owner=head, department=dept, title="Opened after midnight")
    day = timezone.localdate() - dt.timedelta(days=11)
    just_after_midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 30)))
    for record in (capa, ncr):
        type(record).objects.filter(pk=record.pk).update(created_at=just_after_midnight)
        record.refresh_from_db()
        assert record.aging_days == 11
        page = client_for(head).get(record.get_absolute_url()).content.decode()
        assert re.search(r"<dt[^>]*>Age</dt><dd[^>]*>11 days</dd>", page)
        register = reverse("capa:capa_list" if record is capa else "capa:nonconformity_list")
        rows = list(csv.reader(io.StringIO(body(client_for(head).get(register + "?format=csv")))))
        assert next(r for r in rows if r[0] == record.reference)[-1] == "11"
