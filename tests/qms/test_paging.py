"""A register's pages and its "N in all": a first page with room to spare is every row, so it is
counted from the rows it shows; a longer register is counted by the database, on every page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "nonconformity" in q["sql"]]
    return page, counts


def test_a_register_of_one_page_says_how_many_without_counting_them_again(
    client_for, quality_manager, head, dept
):
    NonconformityFactory.create_batch(3, owner=head, department=dept)
    page, counts = _get(client_for(quality_manager), "/capa/ncr/")
    assert "3 in all." in page
    assert page.count("Burr on part") == 3
    assert counts == []


def test_a_longer_register_is_counted_on_its_first_and_its_next_page(client_for, quality_manager, head, dept):
    NonconformityFactory.create_batch(51, owner=head, department=dept)
    client = client_for(quality_manager)
    page, counts = _get(client, "/capa/ncr/")
    assert "51 in all" in page and page.count("Burr on part") == 50
    assert len(counts) == 1
    after = re.search(r'after=([\w-]+)" rel="next"', page).group(1)
    page, counts = _get(client, f"/capa/ncr/?after={after}")
    assert "51 in all" in page and page.count("Burr on part") == 1
    assert len(counts) == 1


def test_a_filter_that_refuses_its_input_reads_no_rows_and_says_why(client_for, quality_manager, head, dept):
    NonconformityFactory.create_batch(3, owner=head, department=dept)
    with CaptureQueriesContext(connection) as ctx:
        page = client_for(quality_manager).get("/capa/ncr/?status=junk").content.decode()
    assert "Select a valid choice" in page and "Nothing here matches the filter" in page
    assert page.count("Burr on part") == 0
    assert not [q["sql"] for q in ctx.captured_queries if "capa_nonconformity" in q["sql"]]
