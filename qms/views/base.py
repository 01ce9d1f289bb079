"""What every page stands on: the access classes, the scoped lookups, errors beside the fields,
and the registry of pages that can be shown again with a failing form's errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from .. import access, csv_sql, services
from ..forms import TransitionForm
from ..models import ChildRecord, Record
from ..rules import REASON_MAX
from ..workflow import TransitionError


class QMSView(View):
    """Base of every logged-in page: login required, auditors may read but not write."""

    access = access.LOGIN


class WriteView(QMSView):
    """A page that exists only to change data: auditors are refused even a look at the form."""

    access = access.WRITE


class RecordScopeMixin:
    """Record lookups narrowed to what the user may see: outside the scope is a 404."""

    model: type[Record] | None = None

    def get_queryset(self):
        return access.restrict(self.model.objects.all(), self.request.user)


def child_or_404(model: type[ChildRecord], user, kwargs: dict) -> ChildRecord:
    """The one lookup of a child row: through every parent named in the URL, within the user's
    scope of the record they belong to. Anything else is a 404."""
    filters: dict[str, Any] = {"pk": kwargs[model.kwarg()]}
    path, current = "", model
    while issubclass(current, ChildRecord):
        path += f"{current.parent_field}__"
        parent = current.parent_model()
        key = parent.kwarg() if issubclass(parent, ChildRecord) else "pk"
        filters[f"{path}pk"] = kwargs[key]
        current = parent
    return get_object_or_404(access.restrict(model._default_manager.all(), user), **filters)


def add_errors(form, exc: ValidationError | TransitionError) -> None:
    """Put a service's refusal beside the field it concerns (or above the form)."""
    if isinstance(exc, TransitionError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def perform_step(request: HttpRequest, obj: Model) -> HttpResponse:
    """A workflow button pressed on a record's or a row's page (a transition name and its reason):
    done, or refused with a message on that page and nothing changed."""
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if "reason" in form.errors:
            messages.error(request, f"Keep the reason to {REASON_MAX} characters; it goes into the history.")
        else:
            messages.error(request, "Choose a step to perform.")
        return redirect(obj.get_absolute_url())
    try:
        services.transition(
            obj=obj, name=form.cleaned_data["transition"], by=request.user, reason=form.cleaned_data["reason"]
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        obj.refresh_from_db()
        name = getattr(obj, "display_reference", None) or str(obj)
        messages.success(request, f"{name}: {obj.get_status_display().lower()}.")
    return redirect(obj.get_absolute_url())


def querystring(request: HttpRequest, drop: Iterable[str] = ()) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTHING = csv_sql.NOTHING
CSV_LINES_PER_WRITE = 500


def csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formulas in exported cells (CSV injection); nothing for None and for
    the dash a page shows when there is nothing to say (``csv_sql.NOTHING``)."""
    text = "" if value is None or value == csv_sql.NOTHING else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(
    name: str, header: list[str], rows: Iterable[Iterable[Any]], *, delimiter: str = ","
) -> StreamingHttpResponse:
    """A CSV download streamed in constant memory, a few hundred lines per write, with a UTF-8
    BOM so Excel opens it with its umlauts intact; ``delimiter=";"`` for a German Excel."""

    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        buffer.write("\ufeff")
        writer.writerow(header)
        for n, row in enumerate(rows, 1):
            # csv_safe, inline: the export's cost is this line, once per cell.
            writer.writerow(
                [
                    ""
                    if v is None or v == NOTHING
                    else ("'" + t if (t := str(v)).startswith(_FORMULA_STARTS) else t)
                    for v in row
                ]
            )
            if n % CSV_LINES_PER_WRITE == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    return _download(name, lines())


def csv_copy_response(
    name: str, header: list[str], sql: str, params: Sequence, *, delimiter: str = ","
) -> StreamingHttpResponse:
    """The same download with its lines written by PostgreSQL (``qms.csv_sql``): ``sql`` selects
    each cell as the text ``csv_response`` would write. Lines end with LF, the header's too."""

    def lines() -> Iterator[bytes]:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(header)
        yield buffer.getvalue().encode()
        yield from csv_sql.copy_lines(sql, params, delimiter=delimiter)

    return _download(name, lines())


def _download(name: str, lines: Iterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- pages that can be shown again with a failing form ------------------------------------------

_pages: dict[type[Model], tuple[type[View], dict]] = {}


def register_page(model: type[Model], view_class: type[View], initkwargs: dict) -> None:
    """The view that shows one ``model`` object (a record's page, a revision's page)."""
    _pages[model] = (view_class, initkwargs)


def page_of(model: type[Model]) -> type[View] | None:
    """The view registered to show one ``model`` object, if any."""
    return _pages[model][0] if model in _pages else None


def has_page(model: type[Model]) -> bool:
    """Whether ``model`` objects have a page of their own to show a failing form on."""
    return model in _pages


def render_page(
    request: HttpRequest, obj: Model, *, forms: dict | None = None, status: int = 400
) -> HttpResponse:
    """``obj``'s own page again, with ``forms`` (bound, with their errors) in place of the empty
    ones: bad input is shown beside its field on the page it was typed into, nothing changed. A
    child row without a page of its own (an effectiveness check) is shown on its parent's page."""
    while type(obj) not in _pages and isinstance(obj, ChildRecord):
        obj = obj.parent
    view_class, initkwargs = _pages[type(obj)]
    view = view_class(**initkwargs)
    view.setup(request, **(obj.url_kwargs() if isinstance(obj, ChildRecord) else {"pk": obj.pk}))
    view.object = obj
    if status >= 400:
        messages.error(request, "Nothing was saved: see the message below.")
    return view.render_to_response(view.get_context_data(object=obj, forms=forms or {}), status=status)
