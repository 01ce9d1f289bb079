"""The route walker: every URL pattern × every role × GET and POST.

It fails on a view that declared no access policy, an anonymous request to a non-public page that
is not a redirect to login, an auditor write that is not a 403, another department's record that
is not a 404, and any server error. A view added later is walked the day it exists; a URL pointing
at a model the walker cannot build fails until a builder is registered in ``tests/<app>/walk.py``.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from qms import access
from qms.models import StoredFile
from qms.registry import record_models
from qms.services import link_add
from tests import walker

LOGIN_PATH = "/account/login/"
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


def view_model(callback):
    view_class = getattr(callback, "view_class", None)
    initkwargs = getattr(callback, "view_initkwargs", {}) or {}
    return initkwargs.get("model") or getattr(view_class, "model", None)


@pytest.fixture
def world(dept, other_dept, head, staff, other_head, other_staff, admin_user, quality_manager, auditor):
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
    if "label" in names:  # kernel URLs addressing any record model, or any stored file
        files = view_model(callback) is StoredFile
        models = [m for m in apps.get_models() if issubclass(m, StoredFile)] if files else record_models()
        for model in models:
            label = model._meta.label_lower
            assert label in world["records"], f"{name}: no walker builder for {label}"
            kwargs = world["records"][label]
            url = fill(route, {"label": label, **_pick(kwargs, names, "label")})
            yield url, access.record_model(type(kwargs["_record"])).visibility == "department"
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


def request(client, method, url):
    try:
        return client.get(url) if method == "GET" else client.post(url, {})
    except Exception as exc:  # a server error: report which URL, role and method
        raise AssertionError(f"{method} {url} raised {exc!r}") from exc


@pytest.mark.django_db
def test_every_url_with_every_role(world):
    failures: list[str] = []
    walked = 0
    clients: dict[str, Client] = {}
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        callback = pattern.callback
        declared = access.policy_of(callback)
        if namespace.startswith("admin"):
            declared = access.ADMIN
        if declared is None:
            failures.append(f"{route}: the view declares no access policy")
            continue
        for url, scoped in targets(namespace, pattern, route, callback, world):
            for role, user in world["roles"].items():
                for method in ("GET", "POST"):
                    client = clients.get(role)
                    if client is None:
                        # One logged-in client per role; a fresh one after anything that logs out.
                        client = clients[role] = Client()
                        if user is not None:
                            client.force_login(user)
                    response = request(client, method, url)
                    if "logout" in url:
                        clients.pop(role)
                    walked += 1
                    where = f"{method} {url} as {role}"
                    code = response.status_code
                    if code >= 500:
                        failures.append(f"{where}: server error {code}")
                    elif user is None:
                        if declared != access.PUBLIC and not (
                            code == 302 and re.match(re.escape(LOGIN_PATH), response["Location"])
                        ):
                            failures.append(f"{where}: {code}, expected a redirect to login")
                    elif role == "auditor" and method == "POST" and declared != access.ACCOUNT:
                        if code != 403:
                            failures.append(f"{where}: {code}, expected 403 (auditors never write)")
                    elif role in ("other_head", "other_staff") and scoped:
                        # 405: the view has no such method at all, whatever the record.
                        if code not in (404, 405):
                            failures.append(f"{where}: {code}, expected 404 (another department's record)")
    assert walked > 100
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_walker_would_catch_an_undeclared_view():
    def bare_view(request):
        return None

    assert access.policy_of(bare_view) is None
