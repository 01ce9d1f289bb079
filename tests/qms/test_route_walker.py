"""The route walker: every URL pattern × every role × GET and POST.

It fails on a view that declared no access policy, an anonymous request to a non-public page that
is not a redirect to login, an auditor write that is not a 403, another department's record that
is not a 404, any server error, and any answer the hand-written table of who may use which page
(``tests/qms/access_table.py``) does not expect: a URL without a row there, a role that should
get a page and does not, a role that gets a page or has a form taken up it should not; a page,
PDF or export that runs one statement twice (``read_twice``), the admin's included; and a chart
without its figures as a table under it (``charts_without_their_figures``). A view added later is
walked the day it exists; a URL pointing at a model the walker cannot build fails until a
builder is registered in ``tests/<app>/walk.py``.

Each request is made in a transaction rolled back after it, so every role meets the records as
the builders (and the table's stage, for a form that is open only in a later state) left them:
the administrator deleting a link does not turn the quality manager's request into a 404.
"""

from __future__ import annotations

import io
import re
import types
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, path, resolve, reverse

from qms import access
from qms.models import StoredFile
from qms.registry import record_models
from qms.services import link_add
from tests import walker
from tests.helpers import boxes_drawn_as_text, charts_without_their_figures, unnamed_descriptions
from tests.qms import access_table

LOGIN_PATH = access_table.LOGIN_PATH
ADMIN_KWARGS = {"object_id": "999999", "app_label": "qms", "content_type_id": "1", "url": "x"}
# Kwargs that address no record (an invalid password-reset link is still a page).
PLAIN_KWARGS = {"uidb64": "MQ", "token": "invalid-token"}


def iter_patterns(resolvers, prefix="", namespace=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield namespace, entry, prefix + str(entry.pattern)


def fill(route: str, kwargs: dict) -> str:
    """Turn a route (path converters or regex groups, unnamed patterns included) into a URL."""
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


# What a URL of these namespaces costs the walks, against a module's page (~0.2 s for nine roles
# and two methods): the admin's refuse everyone but the administrator (0.055 s a URL), the API
# answers JSON without the layout (0.13 s). Counted as one, they left every module's pages in one
# part: 23, 27 and 40 s for the route walk's three parts, 9, 17 and 36 s for the forms' walk.
CHEAP = {"admin": 0.3, "api": 0.65}


def url_parts(count: int) -> list[list]:
    """The project's top-level URL entries (a module's namespace, or one kernel URL) in ``count``
    parts of about as many URLs each, so a walk over every URL can run as ``count`` tests that
    pytest-xdist spreads over its processes. Every entry is in exactly one part, a module added
    later included. A kernel URL addressing any record model counts once per model."""
    groups: dict[str, list] = {}
    for entry in get_resolver().url_patterns:
        groups.setdefault(getattr(entry, "namespace", None) or str(entry.pattern), []).append(entry)
    models = len(record_models())
    weight = {
        name: sum(models if "label>" in route else 1 for _ns, _p, route in iter_patterns(entries))
        * CHEAP.get(name, 1)
        for name, entries in groups.items()
    }
    parts: list[list] = [[] for _ in range(count)]
    loads = [0] * count
    for name in sorted(groups, key=lambda g: (-weight[g], g)):
        lightest = loads.index(min(loads))
        parts[lightest].extend(groups[name])
        loads[lightest] += weight[name]
    return parts


def view_model(callback):
    view_class = getattr(callback, "view_class", None)
    initkwargs = getattr(callback, "view_initkwargs", {}) or {}
    return initkwargs.get("model") or getattr(view_class, "model", None)


@pytest.fixture
def world(dept, other_dept, head, staff, other_head, other_staff, admin_user, quality_manager, top, auditor):
    walker.load_all()
    built = {}
    for model in record_models():
        label = model._meta.label_lower
        assert label in walker.BUILDERS, f"No walker builder for {label}: add one in tests/<app>/walk.py"
        built[label] = walker.BUILDERS[label](staff, dept)
    for label, build in walker.BUILDERS.items():
        if label not in built:
            built[label] = build(staff, dept)
    # Every record carries one link, so link URLs have something to address.
    anchor = built["qms.attachment"]["_record"]
    for kwargs in built.values():
        record = kwargs.get("_record")
        if record is not None and record != anchor:
            kwargs["link_pk"] = link_add(source=record, target=anchor, by=quality_manager).pk
        elif record is not None:
            other = walker.BUILDERS["kernelapp.widget"](staff, dept)["_record"]
            kwargs["link_pk"] = link_add(source=record, target=other, by=quality_manager).pk
    return {
        "records": built,
        "roles": {
            "anonymous": None,
            "admin": admin_user,
            "quality": quality_manager,
            "top": top,
            "head": head,
            "staff": staff,
            "other_head": other_head,
            "other_staff": other_staff,
            "auditor": auditor,
        },
    }


def targets(namespace, pattern, route, callback, world):
    """Yield (url, scoped) for a pattern: scoped is True when the URL addresses a department-scoped
    record of the department the walker's records live in."""
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    names = [a or b for a, b in names]
    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
    if namespace.startswith("admin"):
        yield fill(route, {k: ADMIN_KWARGS.get(k, "1") for k in names}), False
        return
    if not names:
        yield fill(route, {}), False
        return
    if set(names) <= set(PLAIN_KWARGS):
        yield fill(route, PLAIN_KWARGS), False
        return
    if names == ["key"]:  # an import: one URL per declared importer
        from qms.imports import importers

        for key in importers():
            yield fill(route, {"key": key}), False
        return
    if names == ["picker"]:  # the kernel's picker search: one URL per list a module declared
        from qms.widgets import pickers

        for label in pickers():
            yield fill(route, {"picker": label}), False
        return
    if "label" in names:  # kernel URLs addressing any record model, or any stored file
        files = view_model(callback) is StoredFile
        models = (
            [m for m in apps.get_models() if issubclass(m, StoredFile) and m.generic_download]
            if files
            else record_models()
        )
        for model in models:
            label = model._meta.label_lower
            assert label in world["records"], f"{name}: no walker builder for {label}"
            kwargs = world["records"][label]
            url = fill(route, {"label": label, **_pick(kwargs, names, "label")})
            record = kwargs.get("_record")  # a generated file (an audit pack) belongs to no record
            yield url, record is not None and access.record_model(type(record)).visibility == "department"
        return
    model = view_model(callback)
    assert model is not None, f"{name}: a view with URL kwargs must declare the model it addresses"
    # A child row is built with its record: the record's builder gives the row's kwargs too.
    label = access.record_model(model)._meta.label_lower
    assert label in world["records"], f"{name}: no walker builder for {label}"
    kwargs = world["records"][label]
    record = kwargs.get("_record")
    scoped = getattr(record or model, "visibility", "department") == "department"
    yield fill(route, _pick(kwargs, names)), scoped


def _pick(kwargs, names, *skip):
    missing = [n for n in names if n not in kwargs and n not in skip]
    assert not missing, f"walker builder gives no value for {missing}"
    return {n: kwargs[n] for n in names if n not in skip}


def declared_policy(namespace: str, callback) -> str | None:
    return access.ADMIN if namespace.startswith("admin") else access.policy_of(callback)


def undeclared(patterns) -> list[str]:
    """The routes whose view declares no access policy."""
    return [
        route
        for namespace, pattern, route in iter_patterns(patterns)
        if declared_policy(namespace, pattern.callback) is None
    ]


@dataclass(frozen=True)
class Target:
    """One URL the walker requests. ``key`` names it in the access table: the URL name, and for
    a kernel URL that addresses any record model (or any importer) the model's label too."""

    key: str
    url: str
    scoped: bool
    declared: str


def url_targets(world, patterns=None) -> Iterator[Target]:
    """Every URL of every pattern whose view declared a policy, filled from the walker's records."""
    for namespace, pattern, route in iter_patterns(patterns or get_resolver().url_patterns):
        declared = declared_policy(namespace, pattern.callback)
        if declared is None:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        for url, scoped in targets(namespace, pattern, route, pattern.callback, world):
            key = name
            if not namespace.startswith("admin"):
                kwargs = resolve(url).kwargs
                key = " ".join([name, *(kwargs[k] for k in ("label", "key", "picker") if k in kwargs)])
            yield Target(key, url, scoped, declared)


@contextmanager
def rolled_back():
    """Whatever happens inside is undone when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def request(client, method, url):
    """The response, with the statements the request ran (``response.statements``)."""
    connection.queries_log.clear()  # the log keeps 9,000: a walk's would fill it and hide the last
    try:
        with CaptureQueriesContext(connection) as ran:
            if method == "POST" and url.startswith("/api/"):  # the API reads JSON only: an empty object
                response = client.post(url, {}, content_type="application/json")
            else:
                response = client.get(url) if method == "GET" else client.post(url, {})
    except Exception as exc:  # a server error: report which URL, role and method
        raise AssertionError(f"{method} {url} raised {exc!r}") from exc
    response.statements = [q["sql"] for q in ran.captured_queries]
    return response


def read_twice(statements: list[str]) -> list[str]:
    """The statements a request ran more than once: the same rows read again (a relation not
    followed from the row read already, a check asked twice, a list reading each row's relation);
    not a savepoint."""
    counted = Counter(sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE")))
    return [f"{n}x {sql[:160]}" for sql, n in counted.items() if n > 1]


def walk(world, patterns=None) -> Iterator[tuple[Target, str, str, object]]:
    """(target, role, method, response) for every URL, role and method; each request on the
    records as the builders, and the table's stage for that URL, left them."""
    clients: dict[str, Client] = {}
    for target in url_targets(world, patterns):
        for role, user in world["roles"].items():
            if role not in clients:
                # One logged-in client per role, its session saved outside the rolled-back
                # requests; a fresh one after anything that logs out.
                clients[role] = Client()
                if user is not None:
                    clients[role].force_login(user)
        row = access_table.TABLE.get(target.key)
        with rolled_back():
            url = target.url
            if row is not None and row.stage is not None:
                found = resolve(url)
                staged = row.stage(world)
                url = reverse(found.view_name, kwargs={k: staged.get(k, v) for k, v in found.kwargs.items()})
                target = Target(target.key, url, target.scoped, target.declared)
            for role in world["roles"]:
                for method in ("GET", "POST"):
                    with rolled_back():
                        response = request(clients[role], method, url)
                    yield target, role, method, response
                if "logout" in url:
                    clients.pop(role)


def forms_written_otherwise(response, seen: set) -> list[str]:
    """The forms of a page (unbound on a GET, sent back with their errors after a POST) that
    ``qms.formhtml.form_html`` writes otherwise than ``qms/_form.html`` and Django's own widgets
    wrote them; each form class once bound and once not, whichever page shows it first."""
    from django import forms
    from django.test.html import parse_html

    from qms.formhtml import form_html
    from tests.qms.test_form_html import as_django_wrote_it

    contexts = getattr(response, "context", None) or []
    found = {}
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for values in getattr(context, "dicts", []):
            found.update({id(v): v for v in values.values() if isinstance(v, forms.BaseForm)})
    problems = []
    for form in found.values():
        key = (type(form), form.is_bound)
        if key in seen:
            continue
        seen.add(key)
        if parse_html(str(form_html(form))) != parse_html(as_django_wrote_it(form)):
            problems.append(f"{type(form).__name__} is written otherwise than the template wrote it")
    return problems


def refusal_problem(target: Target, role: str, method: str, response) -> str | None:
    """What is wrong with a refusal the walker expects whatever the table says, or None."""
    code, declared = response.status_code, target.declared
    if code >= 500:
        return f"server error {code}"
    if role == "anonymous" and declared == access.API:
        if code != 401:  # the API answers a program, not a browser: no redirect to a sign-in page
            return f"{code}, expected 401 (the API without a token or session)"
    elif role == "anonymous":
        if declared != access.PUBLIC and not (
            code == 302 and re.match(re.escape(LOGIN_PATH), response["Location"])
        ):
            return f"{code}, expected a redirect to login"
    elif (
        role == "auditor"
        and method == "POST"
        and declared != access.ACCOUNT
        and resolve(target.url).view_name not in access.AUDITOR_MAY_POST  # the one exception
    ):
        if code != 403:
            return f"{code}, expected 403 (auditors never write)"
    elif role in ("other_head", "other_staff") and target.scoped:
        # 405: the view has no such method at all, whatever the record.
        if code not in (404, 405):
            return f"{code}, expected 404 (another department's record)"
    return None


def hidden_references(user) -> re.Pattern | None:
    """The reference numbers of every record ``user`` may not see, as one pattern (issue #10:
    no page, export or PDF of theirs may name one)."""
    found = set()
    for model in record_models():
        visible = set(access.restrict(model.objects.all(), user).values_list("pk", flat=True))
        found.update(r.reference for r in model.objects.exclude(pk__in=visible) if r.reference)
    if not found:
        return None
    return re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, sorted(found))))  # noqa: UP031


def response_text(response) -> str:
    """What a reader gets to see: the page, the CSV, the PDF's text."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        except (PdfReadError, ValueError):
            # An uploaded file the walker's builders made (a few bytes that only start like a PDF):
            # its bytes as they are.
            return body.decode("latin-1")
    if kind.startswith(("text/", "application/json")):
        return body.decode("utf-8", "replace")
    return ""


HREF = re.compile(r'href="(/[^"#?]*)')


def write_links(response) -> list[str]:
    """The links of a page that lead to a page only for changing data (``access.WRITE``: a form
    to create or edit): on an auditor's page each would be a button that answers 403."""
    found = []
    for address in sorted(set(HREF.findall(response.content.decode("utf-8", "replace")))):
        try:
            match = resolve(address)
        except Resolver404:
            continue
        if access.policy_of(match.func) == access.WRITE:
            found.append(address)
    return found


# What a Content Security Policy without 'unsafe-inline' would block, and so no page may hold.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*['\"]", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def csp_problem(response) -> str | None:
    """For an HTML page: a policy that allows inline scripts or eval, or something inline on the
    page that the policy would block (the page would break in the browser); else None."""
    csp = response.get("Content-Security-Policy", "")
    if "script-src 'self'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        return f"CSP {csp!r}"
    html = response.content.decode()
    for pattern, what in INLINE:
        found = pattern.search(html)
        if found:
            return f"{what}: {html[found.start() : found.start() + 80]!r}"
    return None


WALK_PARTS = 3


def test_the_walk_parts_hold_every_url_once():
    entries = [entry for part in url_parts(WALK_PARTS) for entry in part]
    assert sorted(map(id, entries)) == sorted(map(id, get_resolver().url_patterns))


@pytest.mark.django_db
@pytest.mark.timeout(1200)  # a third of every URL, nine roles, two methods: it grows with them
@pytest.mark.parametrize("part", range(WALK_PARTS))
def test_every_url_with_every_role(world, part):
    patterns = url_parts(WALK_PARTS)[part]
    failures = [f"{route}: the view declares no access policy" for route in undeclared(patterns)]
    hidden = {role: hidden_references(user) for role, user in world["roles"].items() if user is not None}
    walked = pages = 0
    forms_seen: set = set()
    for target, role, method, response in walk(world, patterns):
        walked += 1
        where = f"{method} {target.url} as {role}"
        problem = refusal_problem(target, role, method, response) or access_table.problem(
            target.key, role, method, response
        )
        if problem:
            failures.append(f"{where}: {problem}")
        is_page = "text/html" in response.get("Content-Type", "")
        if method == "GET" and response.status_code == 200 and is_page:
            pages += 1  # every page every role reads, under the site's CSP (tests/security/test_headers.py)
            problem = csp_problem(response)
            if problem:
                failures.append(f"{where}: {problem}")
            if boxes := boxes_drawn_as_text(response.content.decode()):
                failures.append(f"{where}: radio buttons or checkboxes drawn as text boxes: {boxes[0]}")
            if missing := unnamed_descriptions(response.content.decode()):
                failures.append(f"{where}: aria-describedby names no element: {', '.join(missing)}")
            failures += [f"{where}: {p}" for p in charts_without_their_figures(response.content.decode())]
            if role == "auditor" and (links := write_links(response)):
                failures.append(f"{where}: links to pages auditors are refused: {', '.join(links)}")
        if is_page and response.status_code in (200, 400):
            failures += [f"{where}: {p}" for p in forms_written_otherwise(response, forms_seen)]
        if method == "GET" and response.status_code == 200 and (twice := read_twice(response.statements)):
            failures.append(f"{where}: runs a statement more than once: {'; '.join(twice)}")
        outside = hidden.get(role)
        if outside is not None and response.status_code == 200:
            named = sorted(set(outside.findall(response_text(response))))
            if named:
                failures.append(f"{where}: names records outside the reader's scope: {', '.join(named)}")
    assert walked > 100 and pages > 10
    assert not failures, "\n".join(failures)


def forgotten(request):
    """A view someone added without saying who may use it."""
    from django.http import HttpResponse

    return HttpResponse("Every record of the company")


UNDECLARED = types.ModuleType("undeclared_urls")  # a URLconf of one view, as if just added
UNDECLARED.urlpatterns = [path("forgotten/", forgotten, name="forgotten")]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=UNDECLARED)
def test_a_view_that_declares_no_policy_is_refused_and_the_walker_names_it(client_for, quality_manager):
    response = client_for(quality_manager).get("/forgotten/")
    assert response.status_code == 403
    assert b"Every record" not in response.content
    assert "has not declared who may use it" in response.content.decode()
    assert undeclared(get_resolver().url_patterns) == ["forgotten/"]


@pytest.mark.django_db
def test_the_walk_knows_the_references_another_department_must_not_read(world):
    """The walk's leak check (issue #10, item 1) has something to look for: the quality-control
    records the builders made, not the company-wide documents."""
    outside = hidden_references(world["roles"]["other_head"])
    capa = world["records"]["capa.capa"]["_record"]
    document = world["records"]["documents.document"]["_record"]
    assert outside is not None and outside.search(f"Raised from {capa.reference}.")
    assert not outside.search(document.reference)
    assert hidden_references(world["roles"]["quality"]) is None
