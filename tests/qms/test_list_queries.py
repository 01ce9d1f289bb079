"""Every list page (any RecordListView, in any module) runs the same number of queries whatever
the number of rows: proven at two sizes, with records built by the walker's builders."""

import pytest
from django.db import connection
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


@pytest.mark.django_db
@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_list_page_query_count_does_not_grow_with_rows(client_for, quality_manager, staff, dept, url, model):
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    client = client_for(quality_manager)

    def queries_with(total: int) -> int:
        while model.objects.count() < total:
            build(staff, dept)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as csv_ctx:
            export = client.get(url + "?format=csv")
            assert export.status_code == 200
            body(export)
        return len(ctx.captured_queries), len(csv_ctx.captured_queries)

    small = queries_with(3)
    large = queries_with(25)
    assert small == large, f"{url}: {small} queries with 3 rows, {large} with 25"
