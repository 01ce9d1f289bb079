"""The route walker's rules applied to the CAPA module's URLs alone, so a failure elsewhere in the
project cannot hide one here (the project-wide walk is tests/qms/test_route_walker.py)."""

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from qms import access
from tests.qms.test_route_walker import LOGIN_PATH, iter_patterns, request, targets, world  # noqa: F401


@pytest.mark.django_db
def test_every_capa_url_with_every_role(world):  # noqa: F811
    failures: list[str] = []
    walked = 0
    for namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        if namespace != "capa":
            continue
        callback = pattern.callback
        declared = access.policy_of(callback)
        assert declared is not None, f"{route}: the view declares no access policy"
        for url, scoped in targets(namespace, pattern, route, callback, world):
            for role, user in world["roles"].items():
                for method in ("GET", "POST"):
                    client = Client()
                    if user is not None:
                        client.force_login(user)
                    response = request(client, method, url)
                    walked += 1
                    where = f"{method} {url} as {role}"
                    code = response.status_code
                    if code >= 500:
                        failures.append(f"{where}: server error {code}")
                    elif user is None:
                        if not (code == 302 and re.match(re.escape(LOGIN_PATH), response["Location"])):
                            failures.append(f"{where}: {code}, expected a redirect to login")
                    elif role == "auditor" and method == "POST":
                        if code != 403:
                            failures.append(f"{where}: {code}, expected 403 (auditors never write)")
                    elif role in ("other_head", "other_staff") and scoped:
                        if code not in (404, 405):
                            failures.append(f"{where}: {code}, expected 404 (another department's record)")
                    elif role == "auditor" and method == "GET" and code not in (200, 403, 405):
                        failures.append(f"{where}: {code}, an auditor may read")
    assert walked > 300
    assert not failures, "\n".join(failures)
