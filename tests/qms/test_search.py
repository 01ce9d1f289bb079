"""The one search box: reference, number or title in every module, as far as the user may see."""

import pytest

from tests.factories import WidgetFactory

pytestmark = pytest.mark.django_db


def test_the_search_box_is_on_every_page(client_for, staff):
    html = client_for(staff).get("/").content.decode()
    assert 'action="/search/"' in html and 'data-testid="search-box"' in html


def test_search_finds_a_widget_by_reference_or_title(client_for, head, widget):
    client = client_for(head)
    for text in (widget.reference, "housing h-2"):
        html = client.get("/search/", {"q": text}).content.decode()
        assert f'href="{widget.get_absolute_url()}"' in html, text
        assert '<h2 class="h6 mt-3">Widgets</h2>' in html


def test_search_never_shows_a_record_out_of_the_users_sight(client_for, staff, other_staff):
    hidden = WidgetFactory(owner=other_staff, title="Secret housing")
    html = client_for(staff).get("/search/", {"q": "Secret"}).content.decode()
    assert hidden.reference not in html
    assert "Nothing you can see matches “Secret”." in html


def test_many_matches_show_ten_and_ask_for_more_of_the_reference(client_for, head):
    for n in range(12):
        WidgetFactory(owner=head, title=f"Bracket {n}")
    html = client_for(head).get("/search/", {"q": "Bracket"}).content.decode()
    assert html.count("Bracket ") == 10 and "More than 10" in html


@pytest.mark.parametrize("text", ["", "   ", "\x00", "x" * 500])
def test_an_empty_or_odd_search_is_a_page_not_an_error(client_for, head, text):
    response = client_for(head).get("/search/", {"q": text})
    assert response.status_code == 200
