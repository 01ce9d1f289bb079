"""Change notifications (recorded by procurement or goods-in, evaluated and approved by quality,
told to the audits module as an event) and SCARs (raised from a supplier NCR, emailed as HTML and
text through the delivery ledger, answered, rejected with a reason and sent back, accepted)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capa.models import Nonconformity
from notifications.models import Delivery
from qms import events, kpis
from qms.services import link_add, record_create
from suppliers import services
from suppliers.models import Scar, SupplierChange
from tests.helpers import field_error, unnamed_descriptions
from tests.suppliers import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def bar_stock(proc, purchasing_head):
    s = f.approved(proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH")
    services_contact(s, purchasing_head)
    return s


def services_contact(supplier, by, name="Petra Brenner", email="p.brenner@example.com"):
    from qms.services import child_add
    from suppliers.models import SupplierContact

    return child_add(
        model=SupplierContact, by=by, supplier=supplier, name=name, email=email, quality_contact=True
    )


def contact_options(page: str) -> str:
    """The contact list of a SCAR's form."""
    start = page.index('<select name="contact"')
    return page[start : page.index("</select>", start)]


def test_recording_a_change_tells_the_subscribers_after_commit(
    bar_stock, purchasing_head, django_capture_on_commit_callbacks
):
    heard = []
    events.subscribe(services.CHANGE_OPENED, lambda **payload: heard.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        change = services.change_create(
            by=purchasing_head,
            supplier=bar_stock,
            kind="material",
            source="goods_in",
            description="Other mill's marking on the bars.",
            received_on=f.today(),
            owner=purchasing_head,
            department=purchasing_head.department,
        )
    assert {"change_id": change.pk, "supplier_id": bar_stock.pk} in heard
    assert change.title == "Hüttenstahl Brenner GmbH: material change" and change.status == "recorded"


def test_a_change_cannot_be_recorded_ahead(client_for, purchasing_head, bar_stock):
    response = client_for(purchasing_head).post(
        reverse("suppliers:supplierchange_create"),
        {
            "supplier": bar_stock.pk,
            "kind": "material",
            "source": "notified",
            "description": "x",
            "received_on": f.days(3),
            "owner": purchasing_head.pk,
            "department": purchasing_head.department_id,
        },
    )
    assert "not a day ahead" in response.content.decode() and not SupplierChange.objects.exists()


def test_a_change_is_due_for_evaluation_after_we_learned_of_it_and_my_work_says_that_date(
    client_for, purchasing_head, quality_manager, bar_stock
):
    """An evaluate-by date before the day the change was notified is refused beside it; My work
    lists the change as due on the date its page says (not the day its lots are held from)."""
    from qms.due import registry

    data = {
        "supplier": bar_stock.pk,
        "kind": "material",
        "source": "notified",
        "description": "Mill changed",
        "received_on": f.days(-2),
        "effective_from": f.days(-30),
        "owner": quality_manager.pk,  # who evaluates it (purchasing records it)
        "department": purchasing_head.department_id,
        "due_date": f.days(-20),
    }
    client = client_for(purchasing_head)
    response = client.post(reverse("suppliers:supplierchange_create"), data)
    assert response.status_code == 400 and not SupplierChange.objects.exists()
    assert "before we learned of it" in field_error(response, "due_date")
    response = client.post(reverse("suppliers:supplierchange_create"), {**data, "due_date": f.days(5)})
    assert response.status_code == 302
    change = SupplierChange.objects.get()
    (item,) = [i for i in registry.for_user(quality_manager) if i.reference == change.reference]
    assert item.due_date == change.due_date == f.days(5)
    # Left empty, "Evaluate by" is two weeks from the day we learned of it, on every page: the
    # due list said the day it took effect while the register showed nothing.
    response = client.post(reverse("suppliers:supplierchange_create"), {**data, "due_date": ""})
    later = SupplierChange.objects.exclude(pk=change.pk).get()
    assert later.due_date == f.days(12)
    (item,) = [i for i in registry.for_user(quality_manager) if i.reference == later.reference]
    assert item.due_date == f.days(12)
    listed = client.get(reverse("suppliers:supplierchange_list") + "?overdue=no").content.decode()
    assert later.reference in listed and f"{f.days(12):%-d %b %Y}" in listed


def test_a_change_is_owned_by_the_quality_manager_who_evaluates_it(
    client_for, purchasing_head, quality_manager, bar_stock
):
    """Markus recorded a change as its owner; its evaluate-by date waited on his My work while only
    the quality manager could evaluate it, and hers did not list it."""
    client = client_for(purchasing_head)
    form = client.get(reverse("suppliers:supplierchange_create")).context["form"]
    assert form["owner"].value() == quality_manager.pk  # offered the one who evaluates it
    data = {
        "supplier": bar_stock.pk,
        "kind": "material",
        "source": "goods_in",
        "description": "Other mill's marking on the bars",
        "received_on": f.today(),
        "owner": purchasing_head.pk,
        "department": purchasing_head.department_id,
    }
    response = client.post(reverse("suppliers:supplierchange_create"), data)
    assert response.status_code == 400 and not SupplierChange.objects.exists()
    assert field_error(response, "owner") == (
        f"{purchasing_head} cannot evaluate or decide a supplier change: choose the quality manager."
    )
    assert (
        client.post(
            reverse("suppliers:supplierchange_create"), data | {"owner": quality_manager.pk}
        ).status_code
        == 302
    )


def test_quality_evaluates_and_approves_the_change_purchasing_may_neither(
    client_for, purchasing_head, quality_manager, bar_stock, password
):
    change = services.change_create(
        by=purchasing_head,
        supplier=bar_stock,
        kind="material",
        source="notified",
        description="Mill",
        received_on=f.today(),
        owner=purchasing_head,
        department=purchasing_head.department,
    )
    # Procurement keeps the supplier; quality evaluates its change.
    evaluated_by_purchasing = client_for(purchasing_head).post(
        reverse("suppliers:supplierchange_evaluate", args=[change.pk]),
        {"risk": "low", "evaluation": "Same grade."},
    )
    assert evaluated_by_purchasing.status_code == 403
    client = client_for(quality_manager)
    assert " · evaluate by " in client.get(change.get_absolute_url()).content.decode()
    response = client.post(
        reverse("suppliers:supplierchange_evaluate", args=[change.pk]), {"risk": "high", "evaluation": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("suppliers:supplierchange_evaluate", args=[change.pk]),
        {"risk": "high", "evaluation": "Softer grade.", "affected_parts": "H-220", "first_article": "on"},
    )
    change.refresh_from_db()
    assert (
        response.status_code == 302
        and change.status == "evaluated"
        and change.qualification == ["first-article inspection"]
    )
    page = client.get(change.get_absolute_url()).content.decode()
    assert " · decide by " in page and "evaluate by" not in page  # evaluated: quality's decision is owed
    assert (
        client_for(purchasing_head)
        .post(reverse("suppliers:supplierchange_approve", args=[change.pk]), {"password": password})
        .status_code
        == 403
    )
    approve = reverse("suppliers:supplierchange_approve", args=[change.pk])
    # The evaluation asked for a first-article inspection: the approval says how it came out.
    response = client_for(quality_manager).post(approve, {"password": password})
    assert response.status_code == 400 and "needed first-article inspection" in field_error(response, "note")
    response = client_for(quality_manager).post(
        approve, {"password": password, "note": "FAI-2026-031 passed on 30 parts"}
    )
    change.refresh_from_db()
    assert response.status_code == 302 and change.status == "approved" and change.decided_on == f.today()


def _supplier_ncr(staff, dept, *suppliers, **fields) -> Nonconformity:
    """A supplier NCR reported by ``staff``, linked to each of ``suppliers``."""
    ncr = record_create(
        model=Nonconformity, by=staff, source="supplier", owner=staff, department=dept, **fields
    )
    for supplier in suppliers:
        link_add(source=ncr, target=supplier, by=staff)
    return ncr


def test_a_scar_is_raised_from_the_ncr_that_names_its_supplier(client_for, head, dept, bar_stock, staff):
    ncr = _supplier_ncr(
        staff,
        dept,
        bar_stock,
        title="Surface rust on bar stock delivery 4471",
        part="Bar stock 42CrMo4 Ø20",
        lot="4471",
        description="Rust on 40 of 300 bars.",
    )
    client = client_for(head)
    page = client.get(ncr.get_absolute_url()).content.decode()
    raise_url = reverse("suppliers:scar_create") + f"?from=capa.nonconformity:{ncr.pk}"
    assert raise_url in page.replace("&amp;", "&")
    form = client.get(raise_url).content.decode()
    assert f'<option value="{bar_stock.pk}" selected>' in form and "Rust on 40 of 300 bars." in form
    # The contact list holds the supplier's contacts only; another's is refused beside the field.
    other = f.approved(bar_stock.department, owner=head, name="Lackwerk Süd")
    stranger = services_contact(other, head)
    form = client.get(raise_url).content.decode()
    assert "Petra Brenner" in form and "Lackwerk" not in form
    response = client.post(
        raise_url,
        {
            "supplier": bar_stock.pk,
            "contact": stranger.pk,
            "problem": "Rust",
            "owner": head.pk,
            "department": dept.pk,
        },
    )
    assert response.status_code == 400
    assert "Choose one of the supplier’s contacts." in field_error(response, "contact")
    assert 'data-field="send_to"' not in response.content.decode()  # one message, beside the contact
    assert not Scar.objects.exists()
    response = client.post(
        raise_url,
        {
            "supplier": bar_stock.pk,
            "contact": bar_stock.contacts.get().pk,
            "problem": "Rust on 40 of 300 bars.",
            "requirement": "8D",
            "owner": head.pk,
            "department": dept.pk,
        },
    )
    scar = Scar.objects.get()
    assert response.status_code == 302 and scar.supplier == bar_stock
    assert ncr.reference in client.get(scar.get_absolute_url()).content.decode()  # linked both ways


def test_a_draft_scar_is_due_for_its_owner_to_send_on_my_work_and_in_the_digest(
    client_for, purchasing_head, bar_stock
):
    """A SCAR drafted three days ago and never sent waited on no one: the supplier does not know
    of it. Its owner has it to send from the day it was drafted; once sent, the answer is due."""
    from notifications.digest import digest_drafts

    draft = f.scar(bar_stock, purchasing_head)
    Scar.objects.filter(pk=draft.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    page = client_for(purchasing_head).get("/").content.decode()
    assert draft.reference in page and "SCAR to send" in page and "3 days overdue" in page
    user = {"id": purchasing_head.pk, "email": purchasing_head.email, "username": purchasing_head.username}
    (digest,) = digest_drafts([user], today=f.today(), week="2026-W50")
    assert draft.reference in digest.body_text and "SCAR to send" in digest.body_text

    services.scar_send(scar=draft, by=purchasing_head, due_date=f.days(14))
    page = client_for(purchasing_head).get("/").content.decode()
    assert draft.reference in page and "SCAR to send" not in page and "due in 14 days" in page


def test_a_scar_goes_by_email_is_answered_rejected_sent_back_and_accepted(
    client_for, purchasing_head, bar_stock
):
    scar = f.scar(bar_stock, purchasing_head)
    client = client_for(purchasing_head)
    assert (
        client.post(reverse("suppliers:scar_send", args=[scar.pk]), {"due_date": f.days(-1)}).status_code
        == 400
    )
    assert (
        client.post(reverse("suppliers:scar_send", args=[scar.pk]), {"due_date": f.days(14)}).status_code
        == 302
    )
    (mail,) = Delivery.objects.filter(kind="scar")
    assert mail.to_email == "p.brenner@example.com" and scar.reference in mail.subject
    # The email log names it and finds it by its kind (suppliers' ``Module.email_kinds``).
    log = client_for(f.quality()).get(reverse("notifications:delivery_list") + "?kind=scar").content.decode()
    assert "<td>SCAR to a supplier</td>" in log and mail.subject in log
    assert '<option value="scar" selected>SCAR to a supplier</option>' in log
    assert "Rust on bars." in mail.body_text and "<blockquote" in mail.body_html
    scar.refresh_from_db()
    assert scar.status == "sent" and scar.due_date == f.days(14)
    response = client.post(
        reverse("suppliers:scar_answer", args=[scar.pk]),
        {
            "answered_on": f.today(),
            "containment": "Sorted",
            "root_cause": "Stored outdoors",
            "corrective_action": "Indoor store",
        },
    )
    scar.refresh_from_db()
    assert response.status_code == 302 and scar.status == "answered" and not scar.answered_late
    response = client.post(
        reverse("suppliers:scar_reject", args=[scar.pk]), {"reason": "No evidence", "due_date": f.days(7)}
    )
    scar.refresh_from_db()
    assert response.status_code == 302 and scar.status == "sent" and scar.rejections == 1
    assert Delivery.objects.filter(kind="scar").count() == 2  # sent back, by email again
    assert "No evidence" in Delivery.objects.filter(kind="scar").order_by("-id")[0].body_text
    client.post(
        reverse("suppliers:scar_answer", args=[scar.pk]),
        {
            "answered_on": f.today(),
            "containment": "Sorted",
            "root_cause": "Outdoors",
            "corrective_action": "Photos sent",
        },
    )
    client.post(
        reverse("suppliers:scar_transition", args=[scar.pk]),
        {"transition": "accept", "reason": "Evidence fine"},
    )
    scar.refresh_from_db()
    assert scar.status == "accepted" and scar.is_closed


def test_a_scar_being_edited_offers_its_suppliers_contacts_and_anothers_once_chosen(
    client_for, purchasing_head, bar_stock
):
    """The edit page lists the SCAR's own supplier's contacts, not every supplier's; choosing
    another supplier asks for its contacts again (``?supplier=``, as on a new SCAR)."""
    paint = f.approved(bar_stock.department, owner=purchasing_head, name="Lackwerk Süd")
    jonas = services_contact(paint, purchasing_head, "Jonas Lack", "j@example.com")
    scar = f.scar(bar_stock, purchasing_head)
    client = client_for(purchasing_head)
    edit = reverse("suppliers:scar_update", args=[scar.pk])
    page = client.get(edit).content.decode()
    contact = contact_options(page)
    assert "Petra Brenner" in contact and "Jonas Lack" not in contact and 'hx-get=""' in page
    again = client.get(edit, {"supplier": paint.pk}).content.decode()
    contact = contact_options(again)
    assert "Jonas Lack" in contact and "Petra Brenner" not in contact
    data = {
        "supplier": paint.pk,
        "contact": jonas.pk,
        "problem": "Rust on bars.",
        "owner": purchasing_head.pk,
        "department": purchasing_head.department.pk,
        "reason": "Raised against the mill; the paint shop made the housings.",
    }
    response = client.post(edit, {**data, "contact": bar_stock.contacts.get().pk})
    assert "Choose one of the supplier’s contacts." in field_error(response, "contact")
    scar.refresh_from_db()
    assert scar.supplier == bar_stock  # refused: nothing changed
    assert "This field is required." in field_error(client.post(edit, data), "title")  # kept, not blanked
    assert client.post(edit, {**data, "title": scar.title}).status_code == 302
    scar.refresh_from_db()
    assert (scar.supplier, scar.contact) == (paint, jonas)


def test_a_new_scar_lists_contacts_once_its_supplier_is_chosen(client_for, purchasing_head, bar_stock):
    """A contact belongs to a supplier: a new SCAR with none chosen offers no contact (not every
    supplier's), says to choose the supplier first, and refuses a contact sent without one."""
    client = client_for(purchasing_head)
    new = reverse("suppliers:scar_create")
    page = client.get(new).content.decode()
    assert "Petra Brenner" not in contact_options(page)
    assert "Choose the supplier first: its contacts are listed here." in page
    assert "Petra Brenner" in contact_options(client.get(new, {"supplier": bar_stock.pk}).content.decode())
    response = client.post(
        new,
        {
            "contact": bar_stock.contacts.get().pk,
            "problem": "Rust on bars.",
            "owner": purchasing_head.pk,
            "department": purchasing_head.department_id,
        },
    )
    assert response.status_code == 400
    assert "Choose the supplier first." in field_error(response, "contact")
    assert "This field is required." in field_error(response, "supplier")
    assert not Scar.objects.exists()
    # A screen reader reads the help and the error with the field: the ids it names exist.
    html = response.content.decode()
    assert 'aria-describedby="id_contact_helptext id_contact_error"' in contact_options(html)
    assert 'id="id_contact_error"' in html and 'id="id_contact_helptext"' in html
    assert unnamed_descriptions(html) == []


def test_a_scar_without_any_address_is_refused_beside_the_field(client_for, purchasing_head, proc):
    other = f.approved(proc, owner=purchasing_head)
    response = client_for(purchasing_head).post(
        reverse("suppliers:scar_create"),
        {
            "supplier": other.pk,
            "problem": "x",
            "send_to": "not an email",
            "owner": purchasing_head.pk,
            "department": purchasing_head.department_id,
        },
    )
    assert "Enter a valid email address." in response.content.decode()
    assert not Scar.objects.exists()


def test_the_scar_and_change_registers_find_a_supplier_by_typing(client_for, proc, purchasing_head, staff):
    """Every supplier is a long list (600 in ten years): the registers' filter bars render only the
    supplier chosen, and the picker's search finds the others by any word of their name,
    reference or commodities, 20 at most, for anyone signed in."""
    brenner = f.approved(
        proc, owner=purchasing_head, name="Hüttenstahl Brenner GmbH", commodities="bar stock"
    )
    f.approved(proc, owner=purchasing_head, name="Kunststoff Meyer KG")
    for n in range(25):
        f.supplier(proc, owner=purchasing_head, name=f"Schrauben Werk {n:02}")
    client = client_for(staff)
    for register in ("/suppliers/scars/", "/suppliers/changes/", "/inspection/receipts/"):
        page = client.get(register, {"supplier": brenner.pk}).content.decode()
        bar = page[page.index('<select name="supplier"') :].split("</select>", 1)[0]
        assert f'data-picker="{reverse("picker_search", args=["suppliers.supplier"])}"' in bar, register
        assert f'<option value="{brenner.pk}" selected>Hüttenstahl Brenner GmbH</option>' in bar, register
        assert "Kunststoff Meyer" not in bar and "Schrauben" not in bar, register

    def found(text):
        response = client.get(reverse("picker_search", args=["suppliers.supplier"]), {"q": text})
        assert response.status_code == 200
        return [row["label"] for row in response.json()["results"]]

    assert found("brenner") == ["Hüttenstahl Brenner GmbH"]
    assert found("bar stock") == ["Hüttenstahl Brenner GmbH"]  # every word, in any field
    assert found(brenner.reference) == ["Hüttenstahl Brenner GmbH"]
    assert found("werk") == [f"Schrauben Werk {n:02}" for n in range(20)]  # 20 at most, by name
    assert found("") == [] and found("\x00") == []


def test_a_narrowed_list_of_suppliers_stays_a_select(proc, purchasing_head):
    """A list narrowed by a filter (the calibration laboratories among the suppliers) is short by
    what narrowed it: a plain select of its rows, no search box."""
    from django import forms

    from qms.forms import BootstrapMixin
    from suppliers.models import Supplier

    lab = f.approved(proc, owner=purchasing_head, name="Kalibrierlabor Süd")
    f.approved(proc, owner=purchasing_head, name="Kunststoff Meyer KG")

    class Pick(BootstrapMixin, forms.Form):
        lab = forms.ModelChoiceField(queryset=Supplier.objects.filter(name__startswith="Kalibrier"))
        supplier = forms.ModelChoiceField(queryset=Supplier.objects.all())

    form = Pick()
    assert "data-picker" not in str(form["lab"]) and "Kalibrierlabor Süd" in str(form["lab"])
    assert f'value="{lab.pk}"' in str(form["lab"])
    assert "data-picker" in str(form["supplier"]) and "Kunststoff Meyer" not in str(form["supplier"])


def test_an_unanswered_overdue_scar_counts_as_late_and_not_on_time_and_its_figure_opens_it(
    client_for, quality_manager, purchasing_head, bar_stock
):
    """Hüttenstahl never answered its SCAR: "Answered on time" said "—" and "SCARs late" opened
    every SCAR of the supplier. It is 0 % on time, and the figure opens the late ones."""
    from suppliers import selectors
    from suppliers.models import Scar
    from suppliers.services import scar_send

    sent = scar_send(scar=f.scar(bar_stock, purchasing_head), by=purchasing_head, due_date=f.days(5))
    Scar.objects.filter(pk=sent.pk).update(due_date=f.days(-3))  # five days later, still no answer
    draft = f.scar(bar_stock, purchasing_head, problem="Scale on bars")  # not sent: not judged
    # A SCAR of two years ago answered late: outside the ranking's twelve months, and its list.
    old = f.scar(bar_stock, purchasing_head, problem="Cracks")
    old = scar_send(scar=old, by=purchasing_head, due_date=f.days(5))
    two_years_ago = timezone.now() - dt.timedelta(days=730)
    Scar.objects.filter(pk=old.pk).update(due_date=f.days(-700), created_at=two_years_ago)
    (row,) = selectors.ranking([bar_stock])
    assert row["scars"]["late"] == 1 and row["scars"]["on_time_pct"] == 0
    page = client_for(quality_manager).get(reverse("suppliers:ranking")).content.decode()
    since = kpis.Period.months_to(f.today(), 12)[0].start
    raised = f"{reverse('suppliers:scar_list')}?supplier={bar_stock.pk}&amp;raised_from={since.isoformat()}"
    link = f"{raised}&amp;late_on={f.today().isoformat()}"
    assert f'href="{link}">1<' in page and f'href="{raised}">0 %<' in page
    listed = client_for(quality_manager).get(link.replace("&amp;", "&")).content.decode()
    assert sent.reference in listed and draft.reference not in listed and old.reference not in listed
    raised_list = client_for(quality_manager).get(raised.replace("&amp;", "&")).content.decode()
    assert sent.reference in raised_list and draft.reference in raised_list
    assert old.reference not in raised_list


def test_an_ncr_raised_from_a_supplier_change_counts_under_supplier_and_material(
    client_for, purchasing_head, bar_stock
):
    """Raised from a supplier change it was an internal NCR of no cause category: the Pareto of
    sources and causes counted it in the wrong bars."""
    from suppliers.services import change_create

    change = change_create(
        by=purchasing_head,
        supplier=bar_stock,
        kind="material",
        source="notified",
        description="Mill changed",
        received_on=f.days(-2),
        affected_parts="BAR-42\nBAR-43",
        owner=purchasing_head,
        department=purchasing_head.department,
    )
    url = reverse("capa:nonconformity_create") + f"?from=suppliers.supplierchange:{change.pk}"
    initial = client_for(purchasing_head).get(url).context["form"].initial
    assert (initial["source"], initial["cause_category"], initial["part"]) == (
        "supplier",
        "material",
        "BAR-42, BAR-43",
    )


def test_a_scar_from_an_ncr_naming_two_suppliers_leaves_the_supplier_to_choose(
    client_for, head, dept, bar_stock, staff
):
    other = f.approved(bar_stock.department, owner=head, name="Lackwerk Süd")
    ncr = _supplier_ncr(
        staff,
        dept,
        bar_stock,
        other,
        title="Mixed bars on lot 4480",
        description="Two suppliers' bars mixed on one lot.",
    )
    form = client_for(head).get(reverse("suppliers:scar_create") + f"?from=capa.nonconformity:{ncr.pk}")
    page = form.content.decode()
    assert "Two suppliers&#x27; bars mixed on one lot." in page  # the problem is still the NCR's
    assert form.context["form"].initial.get("supplier") is None
    assert (
        f'<option value="{bar_stock.pk}" selected>' not in page
        and f'<option value="{other.pk}" selected>' not in page
    )
