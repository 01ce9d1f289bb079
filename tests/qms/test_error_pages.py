"""Addresses that are not pages say so in the site's layout, in plain words."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_address_that_only_takes_a_form_opened_as_a_page_says_what_to_do(client_for, head, widget):
    """An auditor opened a workflow step's address from the browser's history: an empty 405, shown
    by the browser as its own error page."""
    url = f"/records/kernelapp.widget/{widget.pk}/comments/"
    response = client_for(head).get(url, HTTP_REFERER=f"http://testserver{widget.get_absolute_url()}")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    page = response.content.decode()
    assert "This address is not a page" in page
    assert "Go back to the record and use its button there." in page
    assert f'href="http://testserver{widget.get_absolute_url()}">Back to the page</a>' in page


def test_reloaded_without_a_referer_it_offers_the_page_the_address_belongs_to(client_for, head, widget):
    """A refused release, then a reload: the browser sends no Referer, and the page said "Go back
    to the record" with only a link to My work."""
    response = client_for(head).get(widget.get_absolute_url() + "transition/")
    assert response.status_code == 405
    assert f'href="{widget.get_absolute_url()}">Back to the page</a>' in response.content.decode()
