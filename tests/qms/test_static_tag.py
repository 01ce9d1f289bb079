"""``{% load static_files %}`` (``qms.templatetags.static_files``), which the layout loads: the same
addresses as Django's ``{% static %}``, from the storage Django hands out now."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings

TEMPLATE = (
    "{% load static_files %}{% static 'qms/app.css' %}|{% static name as kept %}{{ kept }}"
    "|{% get_static_prefix %}"
)


def render(**context) -> str:
    return Template(TEMPLATE).render(Context({"name": "vendor/htmx.min.js", **context}))


def test_the_static_tag_gives_the_storages_address_as_djangos_does():
    assert render() == f"{static('qms/app.css')}|{static('vendor/htmx.min.js')}|/static/"
    addresses = [staticfiles_storage.url(name) for name in ("qms/app.css", "vendor/htmx.min.js")]
    assert render().split("|")[:2] == addresses


def test_the_static_tag_follows_a_changed_storage():
    with override_settings(STATIC_URL="/assets/"):
        assert render() == "/assets/qms/app.css|/assets/vendor/htmx.min.js|/assets/"
    assert render().startswith("/static/qms/app.css|")


def test_a_name_that_needs_escaping_is_escaped():
    assert render(name='x"><script>').split("|")[1] == "/static/x%22%3E%3Cscript%3E"
