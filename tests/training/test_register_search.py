"""The training registers' search box and columns, as the quality manager reads them: a search
finds a training record by the person's surname or user name, by the competence or by the external
provider (each table searched on its own, ``qms.search``), finds exactly what a search over the
joined columns found, and the CSV holds the same rows; the files register shows each person's
job roles and open needs."""

import pytest
from django.db.models import Q

from tests.helpers import body
from tests.training import factories as f
from training import services
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(dept, head, hardening, zimmer, yilmaz, hr_head, quality_manager):
    from tests.documents.factories import DocumentFactory, approver, issue

    welding = f.competence(dept, title="MIG welding of brackets", by=head)
    koch_file = f.file_of(hr_head, by=quality_manager)
    document = DocumentFactory(owner=head, department=head.department, number="WI-7", title="Deburring")
    return {
        "zimmer": f.train(zimmer, hardening, 2, by=head, provider="Härterei Süd"),
        "yilmaz": f.train(yilmaz, welding, 2, by=head, provider="AWT Bremen"),
        # A record on a document revision: no competence, no provider.
        "koch": services.training_record_add(
            file=koch_file,
            by=quality_manager,
            revision=issue(document, approver(username="qm-approver")),
            trained_on=f.days(-1),
            method="read",
            result="passed",
        ),
    }


def found(client, text: str) -> set[int]:
    response = client.get("/training/records/", {"q": text})
    assert response.status_code == 200
    return {row.pk for row in response.context["object_list"]}


@pytest.mark.parametrize(
    "text, who",
    [
        ("zimm", {"zimmer"}),  # the person's surname, any case
        ("EYILM", {"yilmaz"}),  # the person's user name ("eyilmaz"), not his surname
        ("ckoch", {"koch"}),  # a record on a document revision, found by its person
        ("case-HARDENING", {"zimmer"}),  # the competence
        ("welding", {"yilmaz"}),
        ("bremen", {"yilmaz"}),  # the external provider
        ("härterei", {"zimmer"}),
        ("deburring", set()),  # the document's title is not searched
        ("nobody trains this", set()),
        ("%", set()),  # a wildcard is a character like any other
        ("_", set()),
    ],
)
def test_a_search_finds_records_by_person_competence_or_provider(
    client_for, quality_manager, records, text, who
):
    assert found(client_for(quality_manager), text) == {records[name].pk for name in who}


def test_a_search_finds_what_the_joined_columns_held(client_for, quality_manager, records):
    client = client_for(quality_manager)
    for text in ("e", "z", "er", "Oliver", "ozimmer", "Training", "süd", "MIG", "o"):
        joined = TrainingRecord.objects.filter(
            Q(file__owner__last_name__icontains=text)
            | Q(file__owner__username__icontains=text)
            | Q(competence__title__icontains=text)
            | Q(provider__icontains=text)
        )
        assert found(client, text) == set(joined.values_list("pk", flat=True)), text


def test_a_search_finding_more_people_than_sent_as_values_finds_the_same_rows(
    client_for, quality_manager, records, monkeypatch
):
    """Past ``MAX_IDS`` matches in a related table the search tests that table over the join:
    still exactly the rows the joined columns held."""
    from qms import search

    client = client_for(quality_manager)
    broad = {text: found(client, text) for text in ("e", "o", "zimm")}
    monkeypatch.setattr(search, "MAX_IDS", 0)
    for text, rows in broad.items():
        assert found(client, text) == rows, text
    assert broad["zimm"] == {records["zimmer"].pk}


def test_the_export_of_a_search_holds_the_rows_on_the_screen(client_for, quality_manager, records):
    export = body(client_for(quality_manager).get("/training/records/", {"q": "bremen", "format": "csv"}))
    lines = export.splitlines()
    assert len(lines) == 2 and "Yilmaz" in lines[1] and "AWT Bremen" in lines[1]


def test_a_search_of_the_training_files_finds_the_person(client_for, quality_manager, records, zimmer):
    response = client_for(quality_manager).get("/training/files/", {"q": "ozimm"})
    assert [cells[1] for _, cells in response.context["rows"]] == [str(zimmer)]  # the person column


def test_the_files_register_shows_job_roles_held_and_open_needs(
    client_for, quality_manager, dept, head, hardening, zimmer, yilmaz
):
    f.train(yilmaz, hardening, 1, by=head)
    oven = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    press = f.job_role(dept, title="Press setter", by=head)
    file = f.file_of(yilmaz)
    for role in (press, oven):
        services.job_role_take(file=file, by=head, job_role=role, since=f.days(-2))
    services.job_role_take(file=f.file_of(zimmer), by=head, job_role=press, since=f.days(-2))
    response = client_for(quality_manager).get("/training/files/")
    # Person, then job roles held and open needs, as the columns show them.
    shown = {cells[1]: (cells[3], cells[4]) for _, cells in response.context["rows"]}
    assert shown[str(yilmaz)] == ("Furnace operator, Press setter", 1)  # level 1 where 2 is needed
    assert shown[str(zimmer)] == ("Press setter", 0)
    export = body(client_for(quality_manager).get("/training/files/?format=csv"))
    assert "Furnace operator, Press setter" in export
