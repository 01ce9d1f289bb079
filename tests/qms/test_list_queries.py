"""Every list page (any RecordListView, in any module) runs the same number of queries whatever
the number of rows: proven at two sizes, as the quality manager and as staff, with records built
by the walker's builders."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from qms.views import RecordListView
from tests import walker
from tests.helpers import body
from tests.qms.test_route_walker import iter_patterns


def list_pages():
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, RecordListView):
            model = pattern.callback.view_initkwargs.get("model") or view_class.model
            yield "/" + route, model


PAGES = list(list_pages())


def test_there_are_list_pages_to_check():
    assert any(model._meta.label_lower == "kernelapp.widget" for _, model in PAGES)


ROLES = ("quality_manager", "staff")


@pytest.fixture
def seen_written_once(monkeypatch):
    """The session's last-used time is written (a savepoint, an UPDATE, a release: three queries)
    on the first request a minute or more after the last write, which is after the sign-in. On a
    busy machine building the rows can take that minute, and the first request measured then
    costs three queries more than the next: a cost of the clock, not of the rows. Only the
    sign-in writes it here, so both sizes measure the page alone."""
    import qms.middleware

    monkeypatch.setattr(qms.middleware, "SEEN_RESOLUTION", 24 * 3600)


@pytest.mark.django_db
@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_list_page_query_count_does_not_grow_with_rows(request, staff, dept, url, model, seen_written_once):
    # The quality manager's lists are every record; staff's are narrowed by another query (their
    # department, their own, what is assigned to them): both must stay constant. Both roles read
    # the same rows, built once for each size.
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(request.getfixturevalue(role))

    def queries_with(client, total: int) -> tuple[int, int, int]:
        while model.objects.count() < total:
            build(staff, dept)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        shown = len(response.context["object_list"])
        statements = [q["sql"] for q in ctx.captured_queries]
        twice = {sql for sql in statements if statements.count(sql) > 1}
        assert not twice, f"{url} runs the same statement twice: {sorted(twice)}"
        with CaptureQueriesContext(connection) as csv_ctx:
            export = client.get(url + "?format=csv")
            assert export.status_code == 200
            body(export)
        return len(ctx.captured_queries), len(csv_ctx.captured_queries), shown

    small = {role: queries_with(client, 3) for role, client in clients.items()}
    large = {role: queries_with(client, 25) for role, client in clients.items()}
    for role in ROLES:
        *at_small, shown_small = small[role]
        *at_large, shown_large = large[role]
        assert shown_large > shown_small > 0, f"{url} as {role} lists {shown_small}, then {shown_large} rows"
        assert at_small == at_large, f"{url} as {role}: {at_small} queries with 3 rows, {at_large} with 25"


@pytest.mark.django_db
@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_each_row_of_a_register_links_to_its_own_page(quality_manager, staff, dept, url, model):
    """The links are written from one reversed address per register: each is still the row's own."""
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    while model.objects.count() < 2:
        build(staff, dept)
    client = Client()
    client.force_login(quality_manager)
    response = client.get(url)
    page = response.content.decode()
    rows = response.context["object_list"]  # records, or the values a register reads instead
    assert len(rows) >= 2, url
    for row in rows:
        assert f'<a href="{model.objects.get(pk=row.pk).get_absolute_url()}">' in page, (url, row.pk)


@pytest.mark.django_db
def test_a_register_reads_of_each_person_only_their_name(quality_manager, staff, dept):
    """The NCR register names owners: their password hash, e-mail and dates stay in the database."""
    from tests.capa.factories import NonconformityFactory

    NonconformityFactory(owner=staff, department=dept)
    client = Client()
    client.force_login(quality_manager)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/capa/ncr/").content.decode()
    assert str(staff) in page
    (rows,) = [q["sql"] for q in ctx.captured_queries if 'FROM "capa_nonconformity"' in q["sql"]]
    assert '"qms_user"."first_name"' in rows and '"qms_user"."username"' in rows
    assert '"qms_user"."password"' not in rows and '"qms_user"."email"' not in rows
