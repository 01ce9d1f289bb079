"""A management review from planning to the chair's signature: the agenda is every input of 9.3.2,
compiled from live records while planned and frozen when held; minutes per input; the chair
signs; bad input refused beside its field with nothing changed."""

import datetime as dt

import pytest
from django.utils import timezone

from qms import kpis
from qms.models import Signature
from qms.services import signature_rows
from reviews import services
from reviews.models import Review, ReviewInput
from tests.capa.factories import NonconformityFactory
from tests.helpers import field_error
from tests.reviews.conftest import MINUTES, days

pytestmark = pytest.mark.django_db


def form(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def new_review(client, chair, dept, **overrides):
    data = {
        "title": "Management review Q2",
        "period_start": days(-90).isoformat(),
        "period_end": days(-1).isoformat(),
        "due_date": days(7).isoformat(),
        "chair": chair.pk,
        "owner": "",
        "department": dept.pk,
    }
    data.update(overrides)
    return client.post("/reviews/meetings/new/", data)


# --- planning -----------------------------------------------------------------------------------------


def test_a_planned_reviews_agenda_is_every_input_of_9_3_2(client_for, quality_manager, chair, dept):
    response = new_review(client_for(quality_manager), chair, dept, owner=quality_manager.pk)
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    keys = list(review.inputs.values_list("key", flat=True))
    assert keys[0] == "previous_actions" and len(keys) == 12 and "providers" in keys
    assert review.status == "planned" and review.reference.startswith("MR-")


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_field(
    client_for, quality_manager, chair, dept
):
    response = new_review(
        client_for(quality_manager),
        chair,
        dept,
        owner=quality_manager.pk,
        period_start=days(-1).isoformat(),
        period_end=days(-30).isoformat(),
    )
    assert "must end after it starts" in field_error(response, "period_end")
    assert not Review.objects.exists()


def test_the_chair_is_top_management(client_for, quality_manager, head, dept, chair):
    response = new_review(client_for(quality_manager), head, dept, owner=quality_manager.pk)
    assert "chair" in response.content.decode() and 'data-field="chair"' in response.content.decode()
    assert not Review.objects.exists()
    with pytest.raises(Exception, match="top management"):
        services.review_create(
            by=quality_manager,
            title="x",
            period_start=days(-9),
            period_end=days(-1),
            due_date=days(1),
            chair=head,
            owner=quality_manager,
            department=dept,
        )


def test_heads_and_staff_do_not_create_reviews_but_top_management_does(client_for, head, chair, dept):
    assert client_for(head).get("/reviews/meetings/new/").status_code == 403
    response = new_review(client_for(chair), chair, dept, owner=chair.pk)
    assert response.status_code == 302
    assert Review.objects.get().owner == chair


# --- live inputs, and the inputs no module feeds ---------------------------------------------------


def test_a_planned_review_shows_its_inputs_from_live_records(client_for, quality_manager, review, head):
    NonconformityFactory(owner=head, cause_category="material")
    # As without the suppliers and inspection modules: no measure of clause 8.4.
    taken = {key: m for key, m in kpis._measures.items() if m.clause.startswith("8.4")}
    for key in taken:
        kpis._measures.pop(key)
    try:
        page = client_for(quality_manager).get(review.get_absolute_url()).content.decode()
    finally:
        kpis._measures.update(taken)
    assert 'data-testid="input-nonconformities"' in page
    assert 'data-testid="measure-capa.ncrs"' in page
    # No module measures suppliers: the input says so and takes text.
    providers = page[page.index('data-testid="input-providers"') :]
    providers = providers[: providers.index("</section>")]
    assert "No module behind this input — enter text." in providers


def test_a_reviews_inputs_read_a_series_two_measures_share_once(review, head):
    """The NCRs raised and the NCRs by department are one series: compiling the inputs reads its
    twelve months once, and both measures show it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.inputs import compile_inputs

    ncr = NonconformityFactory(owner=head)  # raised within the review's trend (it ends yesterday)
    type(ncr).objects.filter(pk=ncr.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    with CaptureQueriesContext(connection) as ctx:
        inputs = compile_inputs(review)
    figures = [m for section in inputs.values() for m in section.get("measures", [])]
    trends = {m["key"]: m["trend"] for m in figures if m["key"] in ("capa.ncrs", "capa.ncrs_by_department")}
    assert len(trends) == 2 and trends["capa.ncrs"] == trends["capa.ncrs_by_department"]
    assert sum(month[1] for month in trends["capa.ncrs"]) == 1
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not {sql for sql in statements if statements.count(sql) > 1 and "DATE_TRUNC" in sql}


def test_a_module_installed_later_feeds_its_input_by_clause(client_for, quality_manager, review):
    from qms import kpis

    scorecard = kpis.Measure(
        "suppliers.on_time",
        "Supplier deliveries on time",
        "%",
        lambda period, subject=None: 97.5,
        clause="8.4",
        breakdown=lambda period, subject=None: [kpis.Row("Stahlhandel Süd", 91.0, "/suppliers/1/")],
    )
    kpis.register(scorecard)
    try:
        page = client_for(quality_manager).get(review.get_absolute_url()).content.decode()
    finally:
        kpis._measures.pop(scorecard.key)
    providers = page[page.index('data-testid="input-providers"') :]
    providers = providers[: providers.index("</section>")]
    assert "No module behind this input" not in providers
    assert (
        "Supplier deliveries on time" in providers and "97.5%" in providers and "Stahlhandel Süd" in providers
    )


def test_entered_text_is_kept_while_planned(client_for, quality_manager, review):
    client = client_for(quality_manager)
    url = f"/reviews/meetings/{review.pk}/inputs/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"entered__issues": "New customer quality manual.", "entered__audits": "1 minor"}
    )
    assert response.status_code == 302
    assert review.inputs.get(key="issues").entered == "New customer quality manual."


# --- holding: the inputs frozen --------------------------------------------------------------------------


def test_holding_freezes_the_inputs_and_they_stay_the_same_after_the_data_changes(
    client_for, quality_manager, review, head
):
    NonconformityFactory(owner=head)
    client = client_for(quality_manager)
    response = client.post(
        f"/reviews/meetings/{review.pk}/hold/",
        {"hold-held_on": timezone.localdate().isoformat(), "hold-attendees": [head.pk]},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "held" and review.held_on == timezone.localdate() and review.compiled_at
    frozen = review.inputs.get(key="nonconformities").data
    ncrs = next(m for m in frozen["measures"] if m["key"] == "capa.ncrs")
    assert ncrs["value"] == 0  # this month's NCR lies after the period
    page_before = client.get(review.get_absolute_url()).content.decode()
    # The data changes: NCRs raised within the review's period, after the meeting.
    for _ in range(3):
        ncr = NonconformityFactory(owner=head)
        type(ncr).objects.filter(pk=ncr.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    review.refresh_from_db()
    assert review.inputs.get(key="nonconformities").data == frozen
    page_after = client.get(review.get_absolute_url()).content.decode()
    assert _figures(page_after) == _figures(page_before)
    # A review still planned reads the same records live and sees them.
    other = services.review_create(
        by=quality_manager,
        title="Next",
        period_start=review.period_start,
        period_end=review.period_end,
        due_date=days(30),
        chair=review.chair,
        owner=quality_manager,
        department=review.department,
    )
    live = client.get(other.get_absolute_url()).content.decode()
    assert _value(live, "capa.ncrs") == "3" and _value(page_after, "capa.ncrs") == "0"


def test_the_history_says_the_figures_were_frozen_without_dumping_them(
    client_for, quality_manager, review, head
):
    """Holding freezes twelve inputs' figures: the History tab says "Figures as held: recorded"
    for each, never the figures as Python (which filled a phone's screen a dozen times)."""
    client = client_for(quality_manager)
    client.post(
        f"/reviews/meetings/{review.pk}/hold/",
        {"hold-held_on": timezone.localdate().isoformat(), "hold-attendees": [head.pk]},
    )
    html = client.get(review.get_history_url()).content.decode()
    assert html.count("<strong>Figures as held:</strong> recorded</div>") == 12
    assert "measures" not in html and "&#x27;module&#x27;" not in html


def _figures(page: str) -> str:
    return page[page.index('data-testid="inputs"') : page.index('id="decisions"')]


def _value(page: str, key: str) -> str:
    part = page[page.index(f'data-testid="measure-{key}"') :]
    part = part[part.index('data-testid="value">') + len('data-testid="value">') :]
    return part[: part.index("<")]


def test_a_meeting_is_held_once(client_for, quality_manager, held):
    response = client_for(quality_manager).post(
        f"/reviews/meetings/{held.pk}/hold/", {"hold-held_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert "a meeting is held once" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "held"


@pytest.mark.parametrize(
    "held_on, message",
    [
        (1, "on the day it was held"),
        (-120, "once the period has ended"),
        (-30, "once the period has ended"),  # within its period: its figures not yet whole
        (-9000, "Check the year"),
    ],
)
def test_a_meeting_date_in_the_future_or_before_its_period_is_refused(
    client_for, quality_manager, review, held_on, message
):
    response = client_for(quality_manager).post(
        f"/reviews/meetings/{review.pk}/hold/", {"hold-held_on": days(held_on).isoformat()}
    )
    assert response.status_code == 400
    assert message in field_error(response, "held_on")
    review.refresh_from_db()
    assert review.status == "planned" and review.compiled_at is None


def test_a_meeting_is_not_held_without_attendees(client_for, quality_manager, review, head):
    """Minutes that read "Attendees —" record no review: the refusal is beside the field and
    the meeting stays planned; with the head named it is held."""
    url = f"/reviews/meetings/{review.pk}/hold/"
    response = client_for(quality_manager).post(url, {"hold-held_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "Name who attended" in field_error(response, "attendees")
    review.refresh_from_db()
    assert review.status == "planned"
    data = {"hold-held_on": timezone.localdate().isoformat(), "hold-attendees": [head.pk]}
    assert client_for(quality_manager).post(url, data).status_code == 302
    review.refresh_from_db()
    assert review.status == "held" and list(review.attendees.all()) == [head]


def test_the_generic_step_button_cannot_hold_without_the_form(client_for, quality_manager, review):
    client_for(quality_manager).post(f"/reviews/meetings/{review.pk}/transition/", {"transition": "hold"})
    review.refresh_from_db()
    assert review.status == "planned"


def test_changing_a_held_reviews_inputs_is_refused(client_for, quality_manager, held):
    client = client_for(quality_manager)
    response = client.post(
        f"/reviews/meetings/{held.pk}/inputs/", {"entered__issues": "Changed after the meeting"}
    )
    assert response.status_code == 400
    assert "its inputs stand as they were then" in field_error(response, "entered__issues")
    assert held.inputs.get(key="issues").entered == ""
    # Nor its period, whose records the inputs were compiled from.
    response = client.post(
        f"/reviews/meetings/{held.pk}/edit/",
        {
            "title": held.title,
            "period_start": days(-30).isoformat(),
            "period_end": held.period_end.isoformat(),
            "due_date": held.due_date.isoformat(),
            "chair": held.chair_id,
            "owner": held.owner_id,
            "department": held.department_id,
            "reason": "Shorter period",
        },
    )
    assert "its inputs stand as they were then" in field_error(response, "period_start")
    held.refresh_from_db()
    assert held.period_start == days(-90)


# --- minutes and the chair's signature --------------------------------------------------------------------


def test_a_reviews_page_and_minutes_read_its_inputs_decisions_and_attendees_once(
    client_for, quality_manager, with_minutes, head
):
    """Their signature's content hash and the page read the same rows: once, for both."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(quality_manager)
    for url in (with_minutes.get_absolute_url(), f"/reviews/meetings/{with_minutes.pk}/minutes.pdf"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        statements = [q["sql"] for q in ctx.captured_queries]
        assert not {sql for sql in statements if statements.count(sql) > 1}, url
    page = client.get(with_minutes.get_absolute_url()).content.decode()
    assert "Discussed audits." in page and head.get_full_name() in page


def test_minutes_are_written_per_input_after_the_meeting(client_for, quality_manager, held):
    client = client_for(quality_manager)
    response = client.post(f"/reviews/meetings/{held.pk}/minutes/", MINUTES)
    assert response.status_code == 302
    assert held.inputs.get(key="audits").minutes == "Discussed audits."
    assert "Discussed audits." in client.get(held.get_absolute_url()).content.decode()


def test_the_chair_signs_once_every_input_has_minutes(client_for, quality_manager, held, chair, password):
    client = client_for(chair)
    response = client.post(f"/reviews/meetings/{held.pk}/sign/", {"password": password})
    assert response.status_code == 400 and "Write the minutes of every input" in response.content.decode()
    services.review_minutes_write(review=held, by=quality_manager, **MINUTES)
    response = client.post(f"/reviews/meetings/{held.pk}/sign/", {"password": "wrong"})
    assert response.status_code == 400 and "not correct" in field_error(response, "password")
    assert not Signature.objects.exists()
    response = client.post(f"/reviews/meetings/{held.pk}/sign/", {"password": password})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "signed"
    ((signature, valid),) = signature_rows(held)
    assert valid and signature.signer == chair and signature.meaning == services.reviews.MEANING


def test_only_the_chair_signs(client_for, quality_manager, with_minutes, password, head):
    response = client_for(quality_manager).post(
        f"/reviews/meetings/{with_minutes.pk}/sign/", {"password": password}
    )
    assert response.status_code == 403
    assert client_for(head).post(
        f"/reviews/meetings/{with_minutes.pk}/sign/", {"password": password}
    ).status_code in (403, 404)
    with_minutes.refresh_from_db()
    assert with_minutes.status == "held" and not Signature.objects.exists()


def test_signed_minutes_stand_and_stay_valid_when_the_data_changes(
    client_for, quality_manager, with_minutes, chair, password, head
):
    services.review_sign(review=with_minutes, by=chair, password=password)
    client = client_for(quality_manager)
    response = client.post(
        f"/reviews/meetings/{with_minutes.pk}/minutes/", {**MINUTES, "minutes__audits": "Rewritten"}
    )
    assert response.status_code in (400, 403)
    assert ReviewInput.objects.get(review=with_minutes, key="audits").minutes == "Discussed audits."
    response = client.post(f"/reviews/meetings/{with_minutes.pk}/sign/", {"password": password})
    assert response.status_code == 403 or "signed once" in response.content.decode()
    for _ in range(2):
        ncr = NonconformityFactory(owner=head)
        type(ncr).objects.filter(pk=ncr.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    ((_, valid),) = signature_rows(Review.objects.get(pk=with_minutes.pk))
    assert valid


def test_the_minutes_pdf_carries_the_inputs_decisions_and_signature(
    client_for, quality_manager, with_minutes, chair, password, head
):
    from io import BytesIO

    from pypdf import PdfReader

    decision = services.decision_add(
        review=with_minutes, by=quality_manager, kind="resource", text="Backup setter"
    )
    services.action_add(
        decision=decision, by=quality_manager, title="Qualify a second setter", owner=head, due_date=days(14)
    )
    services.review_sign(review=with_minutes, by=chair, password=password)
    response = client_for(quality_manager).get(f"/reviews/meetings/{with_minutes.pk}/minutes.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for words in (
        "Discussed audits.",
        "Audit results",
        "Backup setter",
        "Qualify a second setter",
        "Martin Richter",
        "Valid",
    ):
        assert words in text


def test_a_review_planned_before_its_period_ends_is_refused_beside_its_date(
    client_for, quality_manager, chair, dept
):
    """A review for November planned for 15 November would freeze half a month's figures."""
    response = new_review(
        client_for(quality_manager),
        chair,
        dept,
        owner=quality_manager.pk,
        period_start=days(-10).isoformat(),
        period_end=days(20).isoformat(),
        due_date=days(5).isoformat(),
    )
    assert "plan it on" in field_error(response, "due_date")
    assert not Review.objects.exists()


def test_the_page_says_when_a_review_can_be_held_and_offers_the_signature_once_the_minutes_are_written(
    client_for, quality_manager, chair, dept, held, with_minutes
):
    """The Q4 review had no Hold button and no word why; the chair was offered "Sign the minutes"
    right after holding it, and refused: every input's minutes missing."""
    from tests.reviews.factories import make_review

    later = make_review(
        by=quality_manager,
        owner=quality_manager,
        department=dept,
        chair=chair,
        period_start=days(-30),
        period_end=days(25),
        due_date=days(30),
    )
    page = client_for(quality_manager).get(later.get_absolute_url()).content.decode()
    assert (
        f"after {days(25):%-d %b %Y}: its figures are then whole" in page
        and 'data-testid="hold-form"' not in page
    )
    # ``held`` has its minutes written (``with_minutes``): the chair signs.
    assert 'data-testid="sign-form"' in client_for(chair).get(held.get_absolute_url()).content.decode()


def test_no_signature_is_offered_while_minutes_are_missing(client_for, chair, held):
    page = client_for(chair).get(held.get_absolute_url()).content.decode()
    assert 'data-testid="minutes-missing"' in page and 'data-testid="sign-form"' not in page
