"""``{% load static_files %}``: Django's ``static`` library, its ``{% static %}`` asking the static
files' storage directly. The layout (``base.html``) loads it.

Django's tag asks, for each address, whether the staticfiles app is installed (a walk of every
app) and reaches the storage through its lazy proxy: about 8 µs a tag, and a page's layout has
seven (a sixth of a register page's template). Here the storage is the one Django's
``storages`` hands out (the same object the proxy wraps, replaced as Django replaces it when a
test changes ``STORAGES``), and the storage keeps each address it found (``qms.staticstorage``).
"""

from __future__ import annotations

from django import template
from django.core.files.storage import storages
from django.templatetags import static as django_static

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)


class StaticNode(django_static.StaticNode):
    @classmethod
    def handle_simple(cls, path: str) -> str:
        return storages["staticfiles"].url(path)


@register.tag("static")
def do_static(parser, token):
    """``{% static "qms/app.css" %}``, ``{% static path as url %}``: as Django's tag."""
    return StaticNode.handle_token(parser, token)
