"""Keyset pages for the API, on the registers' own ordering (``qms.paging``): page 1,000 of a
ten-year archive costs what page 1 costs. ``?after=<next token>`` goes on, ``?before=`` back."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter

from qms.paging import _decode, keyset_page

DEFAULT_SIZE, MAX_SIZE = 50, 200


def _size(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_SIZE
    if not raw.isdigit() or not 1 <= int(raw[:6]) <= MAX_SIZE:
        raise ValidationError({"page_size": f"A whole number from 1 to {MAX_SIZE}."})
    return int(raw)


def page(request, queryset, ordering: tuple[str, ...]) -> dict:
    """One page of ``queryset`` as the API answers it: results, the tokens and links to the next
    and previous pages, and how many rows match in all."""
    get = request.query_params
    size = _size(get.get("page_size"))
    fields = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    for name in ("after", "before"):
        token = get.get(name, "")
        if token and (len(token) > 1000 or _decode(token, queryset.model, fields) is None):
            raise ValidationError({name: "Not a page token of this list: follow the next or previous link."})
    found = keyset_page(
        queryset, ordering, after=get.get("after", ""), before=get.get("before", ""), size=size
    )
    rest = {k: v for k, v in get.items() if k not in ("after", "before")}

    def link(key: str, token: str | None) -> str | None:
        if not token:
            return None
        return request.build_absolute_uri(request.path) + "?" + urlencode({**rest, key: token})

    return {
        "count": found.count,
        "next": link("after", found.next_token),
        "previous": link("before", found.previous_token),
        "results": found.object_list,
    }


PARAMETERS = [
    OpenApiParameter("after", str, description="The `next` token of the previous page."),
    OpenApiParameter("before", str, description="The `previous` token of the following page."),
    OpenApiParameter(
        "page_size", int, description=f"Rows per page, 1 to {MAX_SIZE} (default {DEFAULT_SIZE})."
    ),
]
