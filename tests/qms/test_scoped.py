"""One piece of work works out what it asks twice once; outside one, every call works it out."""

from qms.scoped import ScopedCache


def test_a_scope_builds_once_forgets_at_its_end_and_outside_builds_every_time():
    cache, built = ScopedCache("test_scoped"), []

    def build():
        built.append(1)
        return len(built)

    assert cache.get("k", build) == 1 and cache.get("k", build) == 2  # no scope: every call
    with cache.scope():
        assert cache.get("k", build) == 3 and cache.get("k", build) == 3
        with cache.scope():  # a scope of its own inside
            assert cache.get("k", build) == 4
        assert cache.get("k", build) == 3  # the outer scope is back
    assert cache.get("k", build) == 5

    @cache.scope()
    def page():
        return cache.get("k", build), cache.get("k", build)

    assert page() == (6, 6) and page() == (7, 7)  # as a decorator: a scope per call
